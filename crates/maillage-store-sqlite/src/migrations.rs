//! Schema migrations, embedded and applied in order at start; `PRAGMA user_version` records
//! how many have run. Never edit a published migration: add a new one.

pub const MIGRATIONS: &[&str] = &[
    // 1: places, their history, import batches and their reports.
    r#"
    CREATE TABLE places (
        id TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        source_id TEXT NOT NULL,
        batch_id TEXT,
        status TEXT NOT NULL,
        version INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        -- How the current version came to be; earlier versions are in place_versions.
        last_change TEXT NOT NULL,
        record TEXT NOT NULL,
        extras TEXT NOT NULL,
        UNIQUE (source, source_id)
    );
    -- Superseded versions: a place's current version lives in its row of `places`, and is
    -- copied here, unchanged, when a newer one replaces it.
    CREATE TABLE place_versions (
        place_id TEXT NOT NULL REFERENCES places(id),
        version INTEGER NOT NULL,
        recorded_at TEXT NOT NULL,
        batch_id TEXT,
        change TEXT NOT NULL,
        status TEXT NOT NULL,
        record TEXT NOT NULL,
        extras TEXT NOT NULL,
        -- A rowid table: versions hold whole records, too large for a WITHOUT ROWID b-tree.
        PRIMARY KEY (place_id, version)
    );
    CREATE TABLE import_batches (
        id TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        file_name TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        counts TEXT NOT NULL
    );
    CREATE TABLE import_report (
        batch_id TEXT NOT NULL REFERENCES import_batches(id),
        seq INTEGER NOT NULL,
        row INTEGER NOT NULL,
        source_id TEXT,
        severity TEXT NOT NULL,
        field TEXT NOT NULL,
        value TEXT NOT NULL,
        reason TEXT NOT NULL,
        PRIMARY KEY (batch_id, seq)
    ) WITHOUT ROWID;
    "#,
    // 2: the hub's bassins de vie and the indicators it brought.
    r#"
    CREATE TABLE bassin_members (
        bassin TEXT NOT NULL,
        departement TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('epci', 'commune')),
        code TEXT NOT NULL,
        -- A commune or an EPCI belongs to one bassin at most.
        PRIMARY KEY (kind, code)
    ) WITHOUT ROWID;
    CREATE TABLE indicators (
        name TEXT NOT NULL,
        level TEXT NOT NULL CHECK (level IN ('commune', 'epci')),
        description TEXT NOT NULL,
        source_file TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        PRIMARY KEY (name, level)
    ) WITHOUT ROWID;
    CREATE TABLE indicator_values (
        name TEXT NOT NULL,
        level TEXT NOT NULL,
        code TEXT NOT NULL,
        value REAL NOT NULL,
        PRIMARY KEY (name, level, code),
        FOREIGN KEY (name, level) REFERENCES indicators (name, level) ON DELETE CASCADE
    ) WITHOUT ROWID;
    "#,
    // 3: duplicate pairs and their decisions, merge groups and their members. Places are named
    // by (source, source_id), not by registry id, so that decisions read well and follow a
    // place across re-imports that keep its id in the source.
    r#"
    CREATE TABLE merge_groups (
        id TEXT PRIMARY KEY,
        record TEXT NOT NULL,
        reason TEXT NOT NULL,
        decided_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE merge_group_members (
        group_id TEXT NOT NULL REFERENCES merge_groups(id) ON DELETE CASCADE,
        source TEXT NOT NULL,
        source_id TEXT NOT NULL,
        -- A place belongs to one merged place at most.
        PRIMARY KEY (source, source_id)
    ) WITHOUT ROWID;
    CREATE INDEX merge_group_members_group ON merge_group_members (group_id);
    CREATE TABLE duplicate_pairs (
        id TEXT PRIMARY KEY,
        a_source TEXT NOT NULL,
        a_source_id TEXT NOT NULL,
        b_source TEXT NOT NULL,
        b_source_id TEXT NOT NULL,
        score REAL NOT NULL,
        components TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'distinct', 'merged', 'auto_merged')),
        group_id TEXT REFERENCES merge_groups(id),
        found_at TEXT NOT NULL,
        decided_by TEXT,
        decided_at TEXT,
        UNIQUE (a_source, a_source_id, b_source, b_source_id)
    );
    CREATE INDEX duplicate_pairs_status ON duplicate_pairs (status);
    "#,
];
