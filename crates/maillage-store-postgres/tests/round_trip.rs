//! A hub moved SQLite → PostgreSQL → SQLite through snapshot items serialised as a backup
//! writes them (JSON), comes back identical, line for line.
//!
//! Needs `MAILLAGE_TEST_POSTGRES` (see `contract.rs`); without it the test says it was
//! skipped and passes.

use maillage_store::contract::fill_for_snapshot;
use maillage_store::{SnapshotItem, Store, StoreResult};
use maillage_store_postgres::{PoolSettings, PostgresStore};
use maillage_store_sqlite::SqliteStore;

const SERVER_VARIABLE: &str = "MAILLAGE_TEST_POSTGRES";

/// A throw-away database, dropped (best effort) with it.
struct TestDatabase {
    store: Option<PostgresStore>,
    server: postgres::Config,
    name: String,
}

impl TestDatabase {
    fn create() -> Option<TestDatabase> {
        let Ok(url) = std::env::var(SERVER_VARIABLE) else {
            println!("ignoré : {SERVER_VARIABLE} n'est pas définie (URL d'un serveur PostgreSQL de test)");
            return None;
        };
        let server: postgres::Config = url.parse().expect("MAILLAGE_TEST_POSTGRES is a PostgreSQL URL");
        let name = format!("maillage_test_{}", maillage_store::new_batch_id());
        let mut admin = server.connect(postgres::NoTls).expect("connect to the test server");
        admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("create the test database");
        let mut config = server.clone();
        config.dbname(&name);
        let store = PostgresStore::from_config(config, PoolSettings::default()).expect("connect to the test database");
        Some(TestDatabase { store: Some(store), server, name })
    }

    fn store(&self) -> &PostgresStore {
        self.store.as_ref().expect("the store lives until drop")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        drop(self.store.take());
        let dropped = self
            .server
            .connect(postgres::NoTls)
            .and_then(|mut admin| admin.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)));
        if let Err(err) = dropped {
            eprintln!("base de test {} non supprimée : {err}", self.name);
        }
    }
}

/// The store's snapshot as the lines a backup would hold.
fn lines(store: &dyn Store) -> Vec<String> {
    let mut lines = Vec::new();
    store
        .snapshot(&mut |item| {
            lines.push(serde_json::to_string(&item).expect("serialise an item"));
            Ok(())
        })
        .expect("snapshot");
    lines
}

fn restore(store: &dyn Store, lines: &[String]) {
    let mut items = lines
        .iter()
        .map(|line| -> StoreResult<SnapshotItem> { Ok(serde_json::from_str(line).expect("parse an item")) });
    store.restore(&mut items).expect("restore");
}

#[test]
fn sqlite_to_postgres_to_sqlite_is_identical() {
    let Some(database) = TestDatabase::create() else { return };
    let first = SqliteStore::in_memory().unwrap();
    fill_for_snapshot(&first);
    let from_sqlite = lines(&first);
    assert!(from_sqlite.len() > 10);

    restore(database.store(), &from_sqlite);
    let from_postgres = lines(database.store());
    assert_eq!(from_postgres, from_sqlite);

    let last = SqliteStore::in_memory().unwrap();
    restore(&last, &from_postgres);
    assert_eq!(lines(&last), from_sqlite);
}
