//! The hub's territorial configuration on PostgreSQL: bassin members, indicators and their
//! values, each list written in one statement (arrays unnested server-side).

use maillage_store::backend::{TerritoryTables, WriteResult};
use maillage_store::*;
use postgres::GenericClient;

use crate::rows::*;
use crate::PgTables;

impl<C: GenericClient> TerritoryTables for PgTables<'_, C> {
    fn bassins(&mut self) -> StoreResult<Vec<BassinMember>> {
        // EPCI before commune, as `MemberKind` orders them (their names sort the other way).
        let sql = format!(
            "SELECT {MEMBER_COLUMNS} FROM bassin_members ORDER BY bassin, CASE kind WHEN 'epci' THEN 0 ELSE 1 END, code"
        );
        self.all(&sql, &[])
    }

    fn clear_bassins(&mut self) -> StoreResult<()> {
        // Two replacements at once would each delete only the rows they can see, then clash
        // on the other's inserts: the second waits for the first instead, then replaces what
        // it wrote. Readers are not blocked.
        self.batch("LOCK TABLE bassin_members IN EXCLUSIVE MODE; DELETE FROM bassin_members")
    }

    fn insert_bassins(&mut self, members: &[BassinMember]) -> WriteResult<()> {
        let column = |pick: fn(&BassinMember) -> &str| members.iter().map(pick).collect::<Vec<_>>();
        let (bassins, departements, codes) = (column(|m| &m.bassin), column(|m| &m.departement), column(|m| &m.code));
        let kinds = column(|m| m.kind.as_str());
        let sql = format!(
            "INSERT INTO bassin_members ({MEMBER_COLUMNS}) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])"
        );
        self.run(&sql, &[&bassins, &departements, &kinds, &codes]).map(drop)
    }

    fn indicators(&mut self) -> StoreResult<Vec<IndicatorDefinition>> {
        let sql = format!(
            "SELECT {INDICATOR_COLUMNS} FROM indicators ORDER BY name, CASE level WHEN 'commune' THEN 0 ELSE 1 END"
        );
        self.all(&sql, &[])
    }

    fn indicator_values(&mut self, name: &str, level: IndicatorLevel) -> StoreResult<Vec<IndicatorValue>> {
        let sql = "SELECT code, value FROM indicator_values WHERE name = $1 AND level = $2 ORDER BY code";
        self.all(sql, &[&name, &level.as_str()])
    }

    /// The upsert locks the definition's row: a concurrent replacement of the same indicator
    /// waits here for this one to commit, then replaces its values.
    fn upsert_indicator(&mut self, definition: &IndicatorDefinition) -> StoreResult<()> {
        let sql = format!(
            "INSERT INTO indicators ({INDICATOR_COLUMNS}) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (name, level) DO UPDATE SET
                 description = EXCLUDED.description, source_file = EXCLUDED.source_file,
                 imported_at = EXCLUDED.imported_at"
        );
        let (name, level, description, file) =
            (&definition.name, definition.level.as_str(), &definition.description, &definition.source_file);
        self.run(&sql, &[name, &level, description, file, &definition.imported_at])?;
        Ok(())
    }

    fn insert_indicator(&mut self, definition: &IndicatorDefinition) -> WriteResult<()> {
        let sql = format!("INSERT INTO indicators ({INDICATOR_COLUMNS}) VALUES ($1, $2, $3, $4, $5)");
        let (name, level, description, file) =
            (&definition.name, definition.level.as_str(), &definition.description, &definition.source_file);
        self.run(&sql, &[name, &level, description, file, &definition.imported_at]).map(drop)
    }

    fn delete_values(&mut self, name: &str, level: IndicatorLevel) -> StoreResult<()> {
        self.run("DELETE FROM indicator_values WHERE name = $1 AND level = $2", &[&name, &level.as_str()])?;
        Ok(())
    }

    /// One statement for every value: the arrays travel in binary, so floats arrive exactly
    /// and 35,000 values cost one round trip.
    fn insert_values(&mut self, definition: &IndicatorDefinition, values: &[IndicatorValue]) -> WriteResult<()> {
        let codes: Vec<&str> = values.iter().map(|value| value.code.as_str()).collect();
        let numbers: Vec<f64> = values.iter().map(|value| value.value).collect();
        self.run(
            "INSERT INTO indicator_values (name, level, code, value)
             SELECT $1::text, $2::text, code, value FROM unnest($3::text[], $4::float8[]) AS v (code, value)",
            &[&definition.name, &definition.level.as_str(), &codes, &numbers],
        )
        .map(drop)
    }
}
