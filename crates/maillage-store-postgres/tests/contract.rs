//! The store contract run against PostgreSQL, plus what only a shared server can show (two
//! imports of one source at once).
//!
//! Needs `MAILLAGE_TEST_POSTGRES` set to a server URL, e.g.
//! `postgres://postgres@127.0.0.1:5432/test`: each test creates its own throw-away database
//! through it (so tests run in parallel) and drops it at the end. Without the variable each
//! test says it was skipped and passes.

use std::ops::Deref;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use maillage_store::contract::{batch, place};
use maillage_store::{BassinMember, IndicatorDefinition, IndicatorLevel, IndicatorValue, MemberKind, Store};
use maillage_store_postgres::{PoolSettings, PostgresStore};

const SERVER_VARIABLE: &str = "MAILLAGE_TEST_POSTGRES";

/// A store on a database of its own, dropped (best effort) with it.
struct TestDatabase {
    store: Option<PostgresStore>,
    server: postgres::Config,
    name: String,
}

impl Deref for TestDatabase {
    type Target = PostgresStore;
    fn deref(&self) -> &PostgresStore {
        self.store.as_ref().expect("the store lives until drop")
    }
}

impl TestDatabase {
    /// A new database with no schema yet, or `None` (after saying so) when no server is set.
    fn empty() -> Option<TestDatabase> {
        let Ok(url) = std::env::var(SERVER_VARIABLE) else {
            // libtest names each test's thread after the test.
            let current = thread::current();
            let test = current.name().unwrap_or("test");
            println!("{test} : ignoré, {SERVER_VARIABLE} n'est pas définie (URL d'un serveur PostgreSQL de test)");
            return None;
        };
        let server: postgres::Config = url.parse().expect("MAILLAGE_TEST_POSTGRES is a PostgreSQL URL");
        // A ULID is unique without coordination between parallel tests and processes.
        let name = format!("maillage_test_{}", maillage_store::new_batch_id());
        let mut admin = server.connect(postgres::NoTls).expect("connect to the test server");
        admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("create the test database");
        Some(TestDatabase { store: None, server, name })
    }

    /// A store on a new, migrated database.
    fn create() -> Option<TestDatabase> {
        let mut database = Self::empty()?;
        let store = PostgresStore::from_config(database.config(), PoolSettings::default())
            .expect("connect to the test database");
        database.store = Some(store);
        Some(database)
    }

    /// How to reach this database.
    fn config(&self) -> postgres::Config {
        let mut config = self.server.clone();
        config.dbname(&self.name);
        config
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // The pool's connections first, then the database; FORCE ends any straggler.
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

/// `TestDatabase::create()` (or `empty()`), or ends the calling test when there is no server.
macro_rules! test_database {
    () => {
        test_database!(create)
    };
    ($how:ident) => {
        match TestDatabase::$how() {
            Some(database) => database,
            None => return,
        }
    };
}

mod contract {
    use super::*;

    // `return` in the store expression ends the generated test early when there is no server.
    maillage_store::store_contract_tests!(test_database!());
}

/// Sessions that wait for the source's advisory lock, as PostgreSQL itself sees them.
fn waiting_imports(database: &TestDatabase) -> i64 {
    let mut client = database.config().connect(postgres::NoTls).unwrap();
    client
        .query_one("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())", &[])
        .unwrap()
        .get(0)
}

/// The second import of a source waits for the first to commit, then sees its rows.
#[test]
fn a_second_import_of_a_source_waits_for_the_first() {
    let database = test_database!();
    let first_committed = AtomicBool::new(false);
    // Scoped threads are joined even if an assertion fails, so the database is still
    // dropped; the channels live inside the scope so that a failure here unblocks them.
    let (database, first_committed) = (&database, &first_committed);
    thread::scope(|scope| {
        let (locked_tx, locked_rx) = mpsc::channel();
        let (commit_tx, commit_rx) = mpsc::channel::<()>();
        let first = scope.spawn(move || {
            let mut batch = batch("hub");
            let mut session = database.begin_import(&batch).unwrap();
            session.insert(&place("hub", "1", &batch.id), "h").unwrap();
            locked_tx.send(()).unwrap();
            commit_rx.recv().unwrap();
            batch.finished_at = Some(maillage_store::now());
            // Set before commit: the second import may only get the lock after this.
            first_committed.store(true, Ordering::SeqCst);
            session.commit(&batch).unwrap();
        });
        locked_rx.recv().unwrap();

        let second = scope.spawn(move || {
            let batch = batch("hub");
            let mut session = database.begin_import(&batch).unwrap();
            assert!(first_committed.load(Ordering::SeqCst), "the second import got the lock while the first held it");
            let existing = session.existing().unwrap();
            assert_eq!(existing.len(), 1, "the second import must see what the first committed");
            assert_eq!(existing[0].source_id, "1");
        });

        // Proof that the second import is blocked on the lock, not merely slow to start.
        let deadline = Instant::now() + Duration::from_secs(20);
        while waiting_imports(database) == 0 {
            assert!(Instant::now() < deadline, "the second import never waited for the lock");
            thread::sleep(Duration::from_millis(20));
        }
        assert!(!second.is_finished());
        commit_tx.send(()).unwrap();
        first.join().unwrap();
        second.join().unwrap();
    });
    assert_eq!(database.batches().unwrap().len(), 1, "the second import was rolled back");
}

/// Another source is not blocked by an import in progress.
#[test]
fn imports_of_other_sources_do_not_wait() {
    let database = test_database!();
    let first = database.begin_import(&batch("a")).unwrap();
    let started = Instant::now();
    let mut second = database.begin_import(&batch("b")).unwrap();
    assert!(second.existing().unwrap().is_empty());
    assert!(started.elapsed() < Duration::from_secs(5));
    drop(second);
    drop(first);
}

/// A conflict leaves the import usable: PostgreSQL aborts a transaction on any error, so
/// the backend must report conflicts without causing one.
#[test]
fn an_import_goes_on_after_a_conflict() {
    let database = test_database!();
    let mut batch = batch("hub");
    let mut session = database.begin_import(&batch).unwrap();
    session.insert(&place("hub", "1", &batch.id), "h").unwrap();
    let duplicate = session.insert(&place("hub", "1", &batch.id), "h");
    assert!(matches!(duplicate, Err(maillage_store::StoreError::Conflict(_))), "{duplicate:?}");
    let mut stale = place("hub", "2", &batch.id);
    stale.version = 5;
    let conflict = session.update(&stale, "h", maillage_store::ChangeKind::Updated);
    assert!(matches!(conflict, Err(maillage_store::StoreError::Conflict(_))), "{conflict:?}");
    session.insert(&place("hub", "2", &batch.id), "h").unwrap();
    batch.finished_at = Some(batch.started_at);
    session.commit(&batch).unwrap();
    assert_eq!(database.places(&Default::default()).unwrap().len(), 2);
}

/// A connection given back by a rolled-back import is outside any transaction: what the
/// next caller writes on it is committed.
#[test]
fn a_rolled_back_import_leaves_a_clean_connection() {
    let database = test_database!();
    // One connection: the next import reuses the very one the dropped session used.
    let store =
        PostgresStore::from_config(database.config(), PoolSettings { max_size: 1, ..PoolSettings::default() }).unwrap();
    {
        let batch = batch("hub");
        let mut session = store.begin_import(&batch).unwrap();
        session.insert(&place("hub", "1", &batch.id), "h").unwrap();
    }
    let mut batch = batch("hub");
    let mut session = store.begin_import(&batch).unwrap();
    assert!(session.existing().unwrap().is_empty());
    session.insert(&place("hub", "2", &batch.id), "h").unwrap();
    batch.finished_at = Some(batch.started_at);
    session.commit(&batch).unwrap();
    drop(store);
    let listed = database.places(&Default::default()).unwrap();
    assert_eq!(listed.iter().map(|place| place.source_id.as_str()).collect::<Vec<_>>(), ["2"]);
}

/// Two stores starting together on one database migrate it once.
#[test]
fn concurrent_connects_migrate_once() {
    let database = test_database!(empty);
    let config = database.config();
    let handles: Vec<_> = (0..3)
        .map(|_| {
            let config = config.clone();
            thread::spawn(move || PostgresStore::from_config(config, PoolSettings::default()).map(|_| ()))
        })
        .collect();
    for handle in handles {
        handle.join().unwrap().unwrap();
    }
    let mut client = config.connect(postgres::NoTls).unwrap();
    let versions: Vec<i32> = client
        .query("SELECT version FROM schema_migrations ORDER BY version", &[])
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(versions, (1..=maillage_store_postgres::MIGRATIONS.len() as i32).collect::<Vec<_>>());
}

/// Replacements of the bassins from several connections at once all succeed, one after the
/// other: what remains is one writer's list, never a mix.
#[test]
fn concurrent_bassin_replacements_do_not_clash() {
    let database = test_database!();
    let lists: Vec<Vec<BassinMember>> = (0..4)
        .map(|writer| {
            (0..200)
                .map(|i| BassinMember {
                    bassin: format!("Bassin {writer}"),
                    departement: "18".to_owned(),
                    kind: MemberKind::Commune,
                    code: format!("{}", 18000 + i),
                })
                .collect()
        })
        .collect();
    let database = &database;
    thread::scope(|scope| {
        for list in &lists {
            scope.spawn(move || {
                for _ in 0..10 {
                    database.replace_bassins(list).unwrap();
                }
            });
        }
    });
    let remaining = database.bassins().unwrap();
    assert!(lists.contains(&remaining), "the bassins mix several replacements");
}

/// The same for one indicator's values.
#[test]
fn concurrent_indicator_replacements_do_not_clash() {
    let database = test_database!();
    let definition = IndicatorDefinition {
        name: "ifn".to_owned(),
        level: IndicatorLevel::Commune,
        description: "Indice de fragilité numérique".to_owned(),
        source_file: "ifn.csv".to_owned(),
        imported_at: maillage_store::now(),
    };
    let lists: Vec<Vec<IndicatorValue>> = (0..4)
        .map(|writer| {
            (0..2000).map(|i| IndicatorValue { code: format!("{}", 10000 + i), value: f64::from(writer * i) }).collect()
        })
        .collect();
    let (database, definition) = (&database, &definition);
    thread::scope(|scope| {
        for list in &lists {
            scope.spawn(move || {
                for _ in 0..10 {
                    database.replace_indicator(definition, list).unwrap();
                }
            });
        }
    });
    let remaining = database.indicator_values("ifn", IndicatorLevel::Commune).unwrap();
    assert!(lists.contains(&remaining), "the values mix several replacements");
    assert_eq!(database.indicators().unwrap(), vec![definition.clone()]);
}

/// `connect` takes a URL (the form a user writes in a configuration file).
#[test]
fn connects_from_a_url() {
    let database = test_database!(empty);
    let server = std::env::var(SERVER_VARIABLE).unwrap();
    let Some((base, _)) = server.split_once('?').map_or(server.rsplit_once('/'), |_| None) else {
        println!("connects_from_a_url : ignoré, l'URL de test a des paramètres");
        return;
    };
    let store = PostgresStore::connect(&format!("{base}/{}", database.name)).unwrap();
    assert_eq!(store.backend_name(), "postgresql");
    assert!(store.source_stats().unwrap().is_empty());
}

#[test]
fn a_malformed_url_is_a_backend_error() {
    let result = PostgresStore::connect("postgres://moi:secret@hote:pas-un-port/base");
    let Err(maillage_store::StoreError::Backend(message)) = result else { panic!("expected a backend error") };
    assert!(!message.contains("secret"), "the message repeats the password: {message}");
}

/// A hub moved SQLite → PostgreSQL → SQLite through snapshot items serialised as a backup
/// writes them (JSON) comes back identical, line for line.
mod round_trip {
    use maillage_store::contract::fill_for_snapshot;
    use maillage_store::{SnapshotItem, Store, StoreResult};
    use maillage_store_sqlite::SqliteStore;

    use super::TestDatabase;

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
        let database = test_database!();
        let first = SqliteStore::in_memory().unwrap();
        fill_for_snapshot(&first);
        let from_sqlite = lines(&first);
        assert!(from_sqlite.len() > 10);

        restore(&*database, &from_sqlite);
        let from_postgres = lines(&*database);
        assert_eq!(from_postgres, from_sqlite);

        let last = SqliteStore::in_memory().unwrap();
        restore(&last, &from_postgres);
        assert_eq!(lines(&last), from_sqlite);
    }
}
