//! The store contract, run against SQLite (in memory, and on a file with WAL).

mod in_memory {
    maillage_store::store_contract_tests!(Box::new(maillage_store_sqlite::SqliteStore::in_memory().unwrap()));
}

mod on_file {
    fn file_store() -> Box<maillage_store_sqlite::SqliteStore> {
        let dir = tempfile::tempdir().unwrap();
        let store = maillage_store_sqlite::SqliteStore::open(&dir.path().join("test.db")).unwrap();
        // The directory must outlive the store; leaking it in a test is harmless.
        std::mem::forget(dir);
        Box::new(store)
    }
    maillage_store::store_contract_tests!(file_store());
}
