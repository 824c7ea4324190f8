//! Schema migrations, embedded and applied in order at connect. The `schema_migrations`
//! table records each applied version; each migration runs in its own transaction, and a
//! session-level advisory lock keeps two processes starting together from both migrating.
//! Never edit a published migration: add a new one.

use maillage_store::{StoreError, StoreResult};
use postgres::Client;

use crate::backend;

/// Advisory-lock namespace of migrations (the two-key form, so it can never collide with
/// a single-key lock another application might take on the same database). The import
/// locks use [`crate::import::IMPORT_LOCK_NAMESPACE`] with the source's hash as second key.
const MIGRATION_LOCK_NAMESPACE: i32 = 0x4d41_4d31; // "MAM1"

pub const MIGRATIONS: &[&str] = &[
    // 1: places, their history, import batches and their reports. Identifiers use the "C"
    // collation so that ordering is byte order whatever the database's locale (as in
    // SQLite, and ULIDs sort by creation time under it), and their indexes stay cheap.
    r#"
    CREATE TABLE places (
        id text COLLATE "C" PRIMARY KEY,
        source text COLLATE "C" NOT NULL,
        source_id text COLLATE "C" NOT NULL,
        batch_id text COLLATE "C",
        status text NOT NULL CHECK (status IN ('active', 'withdrawn')),
        version integer NOT NULL CHECK (version >= 1),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        content_hash text NOT NULL,
        -- How the current version came to be; earlier versions are in place_versions.
        last_change text NOT NULL CHECK (last_change IN ('created', 'updated', 'withdrawn', 'restored')),
        record jsonb NOT NULL,
        extras jsonb NOT NULL,
        CONSTRAINT places_source_source_id_key UNIQUE (source, source_id)
    );
    -- Superseded versions: a place's current version lives in its row of `places`, and is
    -- copied here, unchanged, when a newer one replaces it.
    CREATE TABLE place_versions (
        place_id text COLLATE "C" NOT NULL REFERENCES places (id),
        version integer NOT NULL,
        recorded_at timestamptz NOT NULL,
        batch_id text COLLATE "C",
        change text NOT NULL CHECK (change IN ('created', 'updated', 'withdrawn', 'restored')),
        status text NOT NULL CHECK (status IN ('active', 'withdrawn')),
        record jsonb NOT NULL,
        extras jsonb NOT NULL,
        PRIMARY KEY (place_id, version)
    );
    CREATE TABLE import_batches (
        id text COLLATE "C" PRIMARY KEY,
        source text COLLATE "C" NOT NULL,
        file_name text NOT NULL,
        started_at timestamptz NOT NULL,
        finished_at timestamptz,
        counts jsonb NOT NULL
    );
    CREATE INDEX import_batches_started_at ON import_batches (started_at DESC, id DESC);
    CREATE TABLE import_report (
        batch_id text COLLATE "C" NOT NULL REFERENCES import_batches (id),
        seq integer NOT NULL,
        "row" bigint NOT NULL,
        source_id text,
        severity text NOT NULL,
        field text NOT NULL,
        value text NOT NULL,
        reason text NOT NULL,
        PRIMARY KEY (batch_id, seq)
    );
    "#,
    // 2: the hub's bassins de vie and the indicators it brought; keys in the "C" collation
    // too, so that they list in SQLite's order.
    r#"
    CREATE TABLE bassin_members (
        bassin text COLLATE "C" NOT NULL,
        departement text COLLATE "C" NOT NULL,
        kind text COLLATE "C" NOT NULL CHECK (kind IN ('epci', 'commune')),
        code text COLLATE "C" NOT NULL,
        -- A commune or an EPCI belongs to one bassin at most.
        PRIMARY KEY (kind, code)
    );
    CREATE TABLE indicators (
        name text COLLATE "C" NOT NULL,
        level text COLLATE "C" NOT NULL CHECK (level IN ('commune', 'epci')),
        description text NOT NULL,
        source_file text NOT NULL,
        imported_at timestamptz NOT NULL,
        PRIMARY KEY (name, level)
    );
    CREATE TABLE indicator_values (
        name text COLLATE "C" NOT NULL,
        level text COLLATE "C" NOT NULL,
        code text COLLATE "C" NOT NULL,
        value double precision NOT NULL,
        PRIMARY KEY (name, level, code),
        FOREIGN KEY (name, level) REFERENCES indicators (name, level) ON DELETE CASCADE
    );
    "#,
    // 3: duplicate pairs and their decisions, merge groups and their members. Places are named
    // by (source, source_id), not by registry id, so that decisions read well and follow a
    // place across re-imports that keep its id in the source.
    r#"
    CREATE TABLE merge_groups (
        id text COLLATE "C" PRIMARY KEY,
        record jsonb NOT NULL,
        reason text NOT NULL,
        decided_by text NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
    );
    CREATE TABLE merge_group_members (
        group_id text COLLATE "C" NOT NULL REFERENCES merge_groups (id) ON DELETE CASCADE,
        source text COLLATE "C" NOT NULL,
        source_id text COLLATE "C" NOT NULL,
        -- A place belongs to one merged place at most.
        PRIMARY KEY (source, source_id)
    );
    CREATE INDEX merge_group_members_group ON merge_group_members (group_id);
    CREATE TABLE duplicate_pairs (
        id text COLLATE "C" PRIMARY KEY,
        a_source text COLLATE "C" NOT NULL,
        a_source_id text COLLATE "C" NOT NULL,
        b_source text COLLATE "C" NOT NULL,
        b_source_id text COLLATE "C" NOT NULL,
        score double precision NOT NULL,
        components jsonb NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'distinct', 'merged', 'auto_merged')),
        group_id text COLLATE "C" REFERENCES merge_groups (id),
        found_at timestamptz NOT NULL,
        decided_by text,
        decided_at timestamptz,
        UNIQUE (a_source, a_source_id, b_source, b_source_id)
    );
    CREATE INDEX duplicate_pairs_status ON duplicate_pairs (status);
    "#,
    // 4: problems reported on places from their public pages, for the coordinators.
    r#"
    CREATE TABLE place_reports (
        id text COLLATE "C" PRIMARY KEY,
        place_id text COLLATE "C" NOT NULL REFERENCES places (id),
        category text NOT NULL,
        message text NOT NULL,
        created_at timestamptz NOT NULL
    );
    CREATE INDEX place_reports_by_place ON place_reports (place_id, id);
    "#,
    // 5: accounts, sessions, single-use tokens, the audit log, notes on versions written by
    // people, the moderation queue and update campaigns. Sessions and tokens are kept as
    // hashes only. Users, proposals and campaigns are JSON documents with the columns the
    // queries need beside them, as places are.
    r#"
    CREATE TABLE users (
        id text COLLATE "C" PRIMARY KEY,
        email text COLLATE "C" NOT NULL UNIQUE,
        data jsonb NOT NULL
    );
    CREATE TABLE sessions (
        token_hash text COLLATE "C" PRIMARY KEY,
        user_id text COLLATE "C" NOT NULL REFERENCES users (id),
        csrf_token text NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL
    );
    CREATE INDEX sessions_by_user ON sessions (user_id);
    CREATE TABLE one_time_tokens (
        token_hash text COLLATE "C" PRIMARY KEY,
        purpose text NOT NULL,
        user_id text COLLATE "C" REFERENCES users (id),
        subject text,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz
    );
    CREATE TABLE audit_log (
        id text COLLATE "C" PRIMARY KEY,
        at timestamptz NOT NULL,
        actor text,
        action text NOT NULL,
        target text,
        detail text NOT NULL
    );
    CREATE TABLE version_notes (
        place_id text COLLATE "C" NOT NULL REFERENCES places (id),
        version integer NOT NULL,
        author text NOT NULL,
        reason text NOT NULL,
        PRIMARY KEY (place_id, version)
    );
    CREATE TABLE proposals (
        id text COLLATE "C" PRIMARY KEY,
        place_id text COLLATE "C" NOT NULL REFERENCES places (id),
        status text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
        data jsonb NOT NULL
    );
    CREATE INDEX proposals_by_status ON proposals (status, id);
    CREATE TABLE campaigns (
        id text COLLATE "C" PRIMARY KEY,
        data jsonb NOT NULL
    );
    CREATE TABLE campaign_places (
        campaign_id text COLLATE "C" NOT NULL REFERENCES campaigns (id),
        place_id text COLLATE "C" NOT NULL REFERENCES places (id),
        status text NOT NULL CHECK (status IN ('sent', 'confirmed', 'edited')),
        sent_at timestamptz,
        reminded_at timestamptz,
        answered_at timestamptz,
        PRIMARY KEY (campaign_id, place_id)
    );
    "#,
    // 6: how the coordinators dealt with each problem reported by the public (a report is
    // never deleted: its resolution says who closed it, when and how).
    r#"
    CREATE TABLE place_report_resolutions (
        report_id text COLLATE "C" PRIMARY KEY REFERENCES place_reports (id),
        resolved_by text NOT NULL,
        resolved_at timestamptz NOT NULL,
        note text NOT NULL
    );
    "#,
    // 7: a place's campaign entries, read on every edit and confirmation of the place.
    r#"
    CREATE INDEX campaign_places_by_place ON campaign_places (place_id, campaign_id);
    "#,
    // 8: the hub's settings (branding: name, colours, logo), one value per key.
    r#"
    CREATE TABLE settings (
        key text COLLATE "C" PRIMARY KEY,
        value text NOT NULL
    );
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
        id text COLLATE "C" PRIMARY KEY,
        name text NOT NULL,
        -- Folded name and commune, for the autocomplete.
        search_key text COLLATE "C" NOT NULL,
        kind text NOT NULL CHECK (kind IN ('lieu', 'institution', 'collectivite', 'elu', 'association',
            'entreprise', 'partenaire', 'autre')),
        commune_code text,
        commune text,
        departement text,
        place_id text COLLATE "C" REFERENCES places (id),
        contact text,
        created_by text,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version integer NOT NULL,
        merged_into text COLLATE "C" REFERENCES stakeholders (id)
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
        id integer PRIMARY KEY CHECK (id = 1),
        version bigint NOT NULL
    );
    INSERT INTO data_version (id, version) VALUES (1, 0);
    "#,
    // 12: the mappings a hub saved for its sources' exports (the TOML text as written, the
    // source it feeds, the export's columns recognition compares files with), replaced by
    // version.
    r#"
    CREATE TABLE mappings (
        name text COLLATE "C" PRIMARY KEY,
        source text NOT NULL,
        toml text NOT NULL,
        layout jsonb NOT NULL,
        created_by text,
        created_at timestamptz NOT NULL,
        updated_by text,
        updated_at timestamptz NOT NULL,
        version integer NOT NULL
    );
    "#,
    // 13: the territorial projects (PNT): each territory's plan, its projects (current row and
    // every version, as documents beside the columns the projethèque filters on) and the
    // prioritisation votes with their invited voters (known by their token's hash only).
    r#"
    CREATE TABLE pnt_plans (
        territory text COLLATE "C" PRIMARY KEY,
        document jsonb NOT NULL,
        version integer NOT NULL
    );
    CREATE TABLE pnt_projects (
        id text COLLATE "C" PRIMARY KEY,
        sort_key text COLLATE "C" NOT NULL,
        stage text NOT NULL,
        axe text,
        published boolean NOT NULL,
        territories text NOT NULL,
        needs text NOT NULL,
        document jsonb NOT NULL,
        version integer NOT NULL
    );
    CREATE INDEX pnt_projects_by_title ON pnt_projects (sort_key, id);
    CREATE TABLE pnt_project_versions (
        project_id text COLLATE "C" NOT NULL REFERENCES pnt_projects(id),
        version integer NOT NULL,
        document jsonb NOT NULL,
        PRIMARY KEY (project_id, version)
    );
    CREATE TABLE pnt_votes (
        id text COLLATE "C" PRIMARY KEY,
        territory text COLLATE "C" NOT NULL,
        created_at timestamptz NOT NULL,
        document jsonb NOT NULL,
        version integer NOT NULL
    );
    CREATE TABLE pnt_voters (
        vote_id text COLLATE "C" NOT NULL REFERENCES pnt_votes(id),
        token_hash text COLLATE "C" NOT NULL,
        stakeholder text,
        email text,
        ballot jsonb,
        cast_at timestamptz,
        PRIMARY KEY (vote_id, token_hash)
    );
    "#,
    // 14: the agenda: events (the whole event as a jsonb document, with the columns queries
    // filter and sort on beside it) and registrations (arrival numbers unique per event, the
    // cancel link's token as a hash).
    r#"
    CREATE TABLE events (
        id text COLLATE "C" PRIMARY KEY,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        departement text,
        status text NOT NULL,
        publication text NOT NULL,
        series_id text,
        sequence integer NOT NULL,
        document jsonb NOT NULL
    );
    CREATE INDEX events_by_start ON events (starts_at, id);
    CREATE INDEX events_by_end ON events (ends_at);
    CREATE TABLE registrations (
        id text COLLATE "C" PRIMARY KEY,
        event_id text COLLATE "C" NOT NULL REFERENCES events (id),
        arrival bigint NOT NULL,
        state text NOT NULL,
        token_hash text,
        document jsonb NOT NULL,
        UNIQUE (event_id, arrival)
    );
    CREATE UNIQUE INDEX registrations_by_token ON registrations (token_hash) WHERE token_hash IS NOT NULL;
    "#,
    // 15: the activity log (each entry a JSON document beside the columns its queries read:
    // date, département, author), the totals of past periods a hub imports per département,
    // and the written introductions of its bilans.
    r#"
    CREATE TABLE activity_entries (
        id text COLLATE "C" PRIMARY KEY,
        entry_date date NOT NULL,
        departement text COLLATE "C",
        author text COLLATE "C",
        version integer NOT NULL,
        document jsonb NOT NULL
    );
    CREATE INDEX activity_entries_by_date ON activity_entries (entry_date, id);
    CREATE INDEX activity_entries_by_departement ON activity_entries (departement, entry_date);
    CREATE TABLE activity_past_totals (
        departement text COLLATE "C" NOT NULL,
        period_start date NOT NULL,
        period_end date NOT NULL,
        document jsonb NOT NULL,
        PRIMARY KEY (departement, period_start, period_end)
    );
    CREATE TABLE bilan_introductions (
        scope text COLLATE "C" NOT NULL,
        period_start date NOT NULL,
        period_end date NOT NULL,
        version integer NOT NULL,
        document jsonb NOT NULL,
        PRIMARY KEY (scope, period_start, period_end)
    );
    "#,
    // 16: the monographs of the bassins de vie: every saved version of a written section, and
    // the published editions (a frozen JSON snapshot each), numbered per bassin, never replaced.
    r#"
    CREATE TABLE monograph_texts (
        bassin text COLLATE "C" NOT NULL,
        section text COLLATE "C" NOT NULL,
        version integer NOT NULL,
        text text NOT NULL,
        author text,
        saved_at timestamptz NOT NULL,
        PRIMARY KEY (bassin, section, version)
    );
    CREATE TABLE monograph_editions (
        id text COLLATE "C" PRIMARY KEY,
        bassin text COLLATE "C" NOT NULL,
        number integer NOT NULL,
        published_at timestamptz NOT NULL,
        published_by text,
        content text NOT NULL,
        UNIQUE (bassin, number)
    );
    "#,
    // 17: the changes of a project proposed by its carriers, waiting for (or given) a
    // coordinator's decision: the proposal as a document beside what the queue reads.
    r#"
    CREATE TABLE pnt_project_proposals (
        id text COLLATE "C" PRIMARY KEY,
        project_id text COLLATE "C" NOT NULL REFERENCES pnt_projects(id),
        status text NOT NULL,
        created_at timestamptz NOT NULL,
        document jsonb NOT NULL
    );
    CREATE INDEX pnt_project_proposals_by_project ON pnt_project_proposals (project_id, created_at, id);
    "#,
];

/// Brings the schema up to date. Runs on a connection of its own, which the caller must
/// throw away if this fails: the session-level advisory lock dies with it.
pub fn migrate(client: &mut Client) -> StoreResult<()> {
    client.execute("SELECT pg_advisory_lock($1, 0)", &[&MIGRATION_LOCK_NAMESPACE]).map_err(backend)?;
    let result = apply_pending(client);
    // An unlock failure leaves the lock to the connection's end; the caller discards the
    // connection on any error, so the lock cannot outlive this call for long.
    let unlocked = client.execute("SELECT pg_advisory_unlock($1, 0)", &[&MIGRATION_LOCK_NAMESPACE]).map_err(backend);
    result.and(unlocked.map(|_| ()))
}

fn apply_pending(client: &mut Client) -> StoreResult<()> {
    // Created under the lock: two concurrent CREATE TABLE IF NOT EXISTS can still collide.
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now()
            )",
        )
        .map_err(backend)?;
    let applied: i32 =
        client.query_one("SELECT coalesce(max(version), 0) FROM schema_migrations", &[]).map_err(backend)?.get(0);
    let known = MIGRATIONS.len() as i32;
    if applied > known {
        // A newer program migrated this database; running against it may still work (new
        // migrations only add), but say so in the logs.
        tracing::warn!(applied, known, "schéma PostgreSQL plus récent que ce programme");
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(applied.max(0) as usize) {
        let version = index as i32 + 1;
        let mut tx = client.transaction().map_err(backend)?;
        tx.batch_execute(sql)
            .map_err(|err| StoreError::Backend(format!("migration {version} : {}", crate::describe(&err))))?;
        tx.execute("INSERT INTO schema_migrations (version) VALUES ($1)", &[&version]).map_err(backend)?;
        tx.commit().map_err(backend)?;
        tracing::info!(migration = version, "migration PostgreSQL appliquée");
    }
    Ok(())
}
