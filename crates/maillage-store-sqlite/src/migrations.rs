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
    // 4: problems reported on places from their public pages, for the coordinators.
    r#"
    CREATE TABLE place_reports (
        id TEXT PRIMARY KEY,
        place_id TEXT NOT NULL REFERENCES places(id),
        category TEXT NOT NULL,
        message TEXT NOT NULL,
        created_at TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX place_reports_by_place ON place_reports (place_id, id);
    "#,
    // 5: accounts, sessions, single-use tokens, the audit log, notes on versions written by
    // people, the moderation queue and update campaigns. Sessions and tokens are kept as
    // hashes only. Users, proposals and campaigns are JSON documents with the columns the
    // queries need beside them, as places are.
    r#"
    CREATE TABLE users (
        id TEXT PRIMARY KEY,
        email TEXT NOT NULL UNIQUE,
        data TEXT NOT NULL
    );
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id),
        csrf_token TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX sessions_by_user ON sessions (user_id);
    CREATE TABLE one_time_tokens (
        token_hash TEXT PRIMARY KEY,
        purpose TEXT NOT NULL,
        user_id TEXT REFERENCES users(id),
        subject TEXT,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT
    ) WITHOUT ROWID;
    CREATE TABLE audit_log (
        id TEXT PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT,
        action TEXT NOT NULL,
        target TEXT,
        detail TEXT NOT NULL
    );
    CREATE TABLE version_notes (
        place_id TEXT NOT NULL REFERENCES places(id),
        version INTEGER NOT NULL,
        author TEXT NOT NULL,
        reason TEXT NOT NULL,
        PRIMARY KEY (place_id, version)
    ) WITHOUT ROWID;
    CREATE TABLE proposals (
        id TEXT PRIMARY KEY,
        place_id TEXT NOT NULL REFERENCES places(id),
        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
        data TEXT NOT NULL
    );
    CREATE INDEX proposals_by_status ON proposals (status, id);
    CREATE TABLE campaigns (
        id TEXT PRIMARY KEY,
        data TEXT NOT NULL
    );
    CREATE TABLE campaign_places (
        campaign_id TEXT NOT NULL REFERENCES campaigns(id),
        place_id TEXT NOT NULL REFERENCES places(id),
        status TEXT NOT NULL CHECK (status IN ('sent', 'confirmed', 'edited')),
        sent_at TEXT,
        reminded_at TEXT,
        answered_at TEXT,
        PRIMARY KEY (campaign_id, place_id)
    ) WITHOUT ROWID;
    "#,
    // 6: how the coordinators dealt with each problem reported by the public (a report is
    // never deleted: its resolution says who closed it, when and how).
    r#"
    CREATE TABLE place_report_resolutions (
        report_id TEXT PRIMARY KEY REFERENCES place_reports(id),
        resolved_by TEXT NOT NULL,
        resolved_at TEXT NOT NULL,
        note TEXT NOT NULL
    ) WITHOUT ROWID;
    "#,
    // 7: a place's campaign entries, read on every edit and confirmation of the place.
    r#"
    CREATE INDEX campaign_places_by_place ON campaign_places (place_id, campaign_id);
    "#,
    // 8: the hub's settings (branding: name, colours, logo), one value per key.
    r#"
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID;
    "#,
    // 9: places by last change, for the web servers' directory sync (`updated_since`), which
    // polls every few seconds and must not scan the whole table to find the few rows changed.
    r#"
    CREATE INDEX places_by_updated_at ON places (updated_at);
    "#,
    // 10: the actors directory: organisations, elected officials and registry places the hub's
    // team meets, named by id from the activity log, the projects and the agenda. A merged entry
    // stays as a redirect (`merged_into`) so that references to it still resolve; one entry not
    // merged per place.
    r#"
    CREATE TABLE stakeholders (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        -- Folded name and commune, for the autocomplete.
        search_key TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('lieu', 'institution', 'collectivite', 'elu', 'association',
            'entreprise', 'partenaire', 'autre')),
        commune_code TEXT,
        commune TEXT,
        departement TEXT,
        place_id TEXT REFERENCES places(id),
        contact TEXT,
        created_by TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL,
        merged_into TEXT REFERENCES stakeholders(id)
    );
    CREATE UNIQUE INDEX stakeholders_one_per_place ON stakeholders (place_id)
        WHERE place_id IS NOT NULL AND merged_into IS NULL;
    CREATE INDEX stakeholders_by_place ON stakeholders (place_id) WHERE place_id IS NOT NULL;
    CREATE INDEX stakeholders_by_merge ON stakeholders (merged_into) WHERE merged_into IS NOT NULL;
    "#,
    // 11: the registry's data version, one row advanced by every write of places, bassins,
    // indicators and duplicate decisions, so that what is computed from them (coverage) is
    // cached under a number one cheap read gives.
    r#"
    CREATE TABLE data_version (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        version INTEGER NOT NULL
    );
    INSERT INTO data_version (id, version) VALUES (1, 0);
    "#,
    // 12: the mappings a hub saved for its sources' exports (the TOML text as written, the
    // source it feeds, the export's columns recognition compares files with), replaced by
    // version.
    r#"
    CREATE TABLE mappings (
        name TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        toml TEXT NOT NULL,
        -- The export's columns, a JSON array of strings.
        layout TEXT NOT NULL,
        created_by TEXT,
        created_at TEXT NOT NULL,
        updated_by TEXT,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL
    );
    "#,
    // 13: the territorial projects (PNT): each territory's plan, its projects (current row and
    // every version, as documents beside the columns the projethèque filters on) and the
    // prioritisation votes with their invited voters (known by their token's hash only).
    r#"
    CREATE TABLE pnt_plans (
        territory TEXT PRIMARY KEY,
        document TEXT NOT NULL,
        version INTEGER NOT NULL
    );
    CREATE TABLE pnt_projects (
        id TEXT PRIMARY KEY,
        -- Folded title: the projethèque's order and keyset.
        sort_key TEXT NOT NULL,
        stage TEXT NOT NULL,
        axe TEXT,
        published INTEGER NOT NULL,
        -- Territory keys and need kinds between bars: "|bassin:Chinon|departement:37|".
        territories TEXT NOT NULL,
        needs TEXT NOT NULL,
        document TEXT NOT NULL,
        version INTEGER NOT NULL
    );
    CREATE INDEX pnt_projects_by_title ON pnt_projects (sort_key, id);
    CREATE TABLE pnt_project_versions (
        project_id TEXT NOT NULL REFERENCES pnt_projects(id),
        version INTEGER NOT NULL,
        document TEXT NOT NULL,
        PRIMARY KEY (project_id, version)
    ) WITHOUT ROWID;
    CREATE TABLE pnt_votes (
        id TEXT PRIMARY KEY,
        territory TEXT NOT NULL,
        created_at TEXT NOT NULL,
        document TEXT NOT NULL,
        version INTEGER NOT NULL
    );
    CREATE TABLE pnt_voters (
        vote_id TEXT NOT NULL REFERENCES pnt_votes(id),
        token_hash TEXT NOT NULL,
        stakeholder TEXT,
        email TEXT,
        ballot TEXT,
        cast_at TEXT,
        PRIMARY KEY (vote_id, token_hash)
    ) WITHOUT ROWID;
    "#,
    // 14: the agenda: events (the whole event as a JSON document, with the columns queries
    // filter and sort on beside it) and registrations (arrival numbers unique per event, the
    // cancel link's token as a hash).
    r#"
    CREATE TABLE events (
        id TEXT PRIMARY KEY,
        starts_at TEXT NOT NULL,
        ends_at TEXT NOT NULL,
        departement TEXT,
        status TEXT NOT NULL,
        publication TEXT NOT NULL,
        series_id TEXT,
        sequence INTEGER NOT NULL,
        document TEXT NOT NULL
    );
    CREATE INDEX events_by_start ON events (starts_at, id);
    CREATE INDEX events_by_end ON events (ends_at);
    CREATE TABLE registrations (
        id TEXT PRIMARY KEY,
        event_id TEXT NOT NULL REFERENCES events(id),
        arrival INTEGER NOT NULL,
        state TEXT NOT NULL,
        token_hash TEXT,
        document TEXT NOT NULL,
        UNIQUE (event_id, arrival)
    );
    CREATE UNIQUE INDEX registrations_by_token ON registrations (token_hash) WHERE token_hash IS NOT NULL;
    "#,
    // 15: the activity log (each entry a JSON document beside the columns its queries read:
    // date, département, author), the totals of past periods a hub imports per département,
    // and the written introductions of its bilans.
    r#"
    CREATE TABLE activity_entries (
        id TEXT PRIMARY KEY,
        entry_date TEXT NOT NULL,
        departement TEXT,
        author TEXT,
        version INTEGER NOT NULL,
        document TEXT NOT NULL
    );
    CREATE INDEX activity_entries_by_date ON activity_entries (entry_date, id);
    CREATE INDEX activity_entries_by_departement ON activity_entries (departement, entry_date);
    CREATE TABLE activity_past_totals (
        departement TEXT NOT NULL,
        period_start TEXT NOT NULL,
        period_end TEXT NOT NULL,
        document TEXT NOT NULL,
        PRIMARY KEY (departement, period_start, period_end)
    );
    CREATE TABLE bilan_introductions (
        scope TEXT NOT NULL,
        period_start TEXT NOT NULL,
        period_end TEXT NOT NULL,
        version INTEGER NOT NULL,
        document TEXT NOT NULL,
        PRIMARY KEY (scope, period_start, period_end)
    );
    "#,
    // 16: the monographs of the bassins de vie: every saved version of a written section, and
    // the published editions (a frozen JSON snapshot each), numbered per bassin, never replaced.
    r#"
    CREATE TABLE monograph_texts (
        bassin TEXT NOT NULL,
        section TEXT NOT NULL,
        version INTEGER NOT NULL,
        text TEXT NOT NULL,
        author TEXT,
        saved_at TEXT NOT NULL,
        PRIMARY KEY (bassin, section, version)
    );
    CREATE TABLE monograph_editions (
        id TEXT PRIMARY KEY,
        bassin TEXT NOT NULL,
        number INTEGER NOT NULL,
        published_at TEXT NOT NULL,
        published_by TEXT,
        content TEXT NOT NULL,
        UNIQUE (bassin, number)
    );
    "#,
    // 17: the changes of a project proposed by its carriers, waiting for (or given) a
    // coordinator's decision: the proposal as a document beside what the queue reads.
    r#"
    CREATE TABLE pnt_project_proposals (
        id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL REFERENCES pnt_projects(id),
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        document TEXT NOT NULL
    );
    CREATE INDEX pnt_project_proposals_by_project ON pnt_project_proposals (project_id, created_at, id);
    "#,
];
