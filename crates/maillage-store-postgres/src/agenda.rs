//! The agenda on PostgreSQL. Every write of a registration holds its event's row
//! (`FOR UPDATE`), so that registrations for one event are serialised and seats counted once.

use maillage_store::backend::{AgendaTables, WriteResult};
use maillage_store::*;
use postgres::types::Json;

use crate::rows::*;
use crate::PgTables;

fn arrival(registration: &Registration) -> StoreResult<i64> {
    i64::try_from(registration.arrival)
        .map_err(|_| StoreError::Backend(format!("numéro d'arrivée hors limites : {}", registration.arrival)))
}

/// An empty hash (walk-ins, anonymised registrations) is no token: NULL, which the unique
/// index leaves alone.
fn token_hash(registration: &Registration) -> Option<&str> {
    Some(registration.cancel_token_hash.as_str()).filter(|hash| !hash.is_empty())
}

impl<C: postgres::GenericClient> AgendaTables for PgTables<'_, C> {
    fn insert_event(&mut self, event: &Event) -> WriteResult<()> {
        self.run(
            "INSERT INTO events (id, starts_at, ends_at, departement, status, publication, series_id, sequence, document)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &borrow(&event_params(event)?),
        )
        .map(drop)
    }

    fn update_event(&mut self, event: &Event, expected: u32) -> WriteResult<u64> {
        self.run(
            "UPDATE events SET starts_at = $2, ends_at = $3, departement = $4, status = $5, publication = $6,
                 series_id = $7, sequence = $8, document = $9
             WHERE id = $1 AND sequence = $10",
            &borrow(&then_expected(event_params(event)?, expected)?),
        )
    }

    fn event(&mut self, id: &str) -> StoreResult<Option<Event>> {
        self.one("SELECT document FROM events WHERE id = $1", &[&id])
    }

    fn lock_event(&mut self, id: &str) -> StoreResult<Option<Event>> {
        self.one("SELECT document FROM events WHERE id = $1 FOR UPDATE", &[&id])
    }

    fn events(&mut self, query: &EventQuery) -> StoreResult<Vec<Event>> {
        self.all(
            "SELECT document FROM events
             WHERE ($1::timestamptz IS NULL OR ends_at >= $1) AND ($2::timestamptz IS NULL OR starts_at < $2)
             ORDER BY starts_at, id",
            &[&query.ending_after, &query.starting_before],
        )
    }

    fn event_stamp(&mut self) -> StoreResult<u64> {
        let stamp: i64 = self.value("SELECT count(*) + coalesce(sum(sequence), 0)::bigint FROM events", &[])?;
        Ok(stamp.max(0) as u64)
    }

    fn event_versions(&mut self) -> StoreResult<Vec<EventVersion>> {
        self.all("SELECT id, sequence FROM events ORDER BY id", &[])
    }

    fn insert_registration(&mut self, registration: &Registration) -> WriteResult<()> {
        let arrival = arrival(registration)?;
        self.run(
            "INSERT INTO registrations (id, event_id, arrival, state, token_hash, document)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &registration.id,
                &registration.event_id,
                &arrival,
                &registration.state.as_str(),
                &token_hash(registration),
                &Json(registration),
            ],
        )
        .map(drop)
    }

    fn update_registration(&mut self, registration: &Registration) -> WriteResult<u64> {
        self.run(
            "UPDATE registrations SET state = $2, token_hash = $3, document = $4 WHERE id = $1",
            &[&registration.id, &registration.state.as_str(), &token_hash(registration), &Json(registration)],
        )
    }

    fn registration(&mut self, id: &str) -> StoreResult<Option<Registration>> {
        self.one("SELECT document FROM registrations WHERE id = $1", &[&id])
    }

    fn registration_by_token(&mut self, hash: &str) -> StoreResult<Option<Registration>> {
        self.one("SELECT document FROM registrations WHERE token_hash = $1", &[&hash])
    }

    fn registrations(&mut self, event_id: &str) -> StoreResult<Vec<Registration>> {
        self.all("SELECT document FROM registrations WHERE event_id = $1 ORDER BY arrival", &[&event_id])
    }

    fn all_registrations(&mut self) -> StoreResult<Vec<Registration>> {
        self.all("SELECT document FROM registrations ORDER BY event_id, arrival", &[])
    }
}

/// An event's parameters in the order of its row's columns.
fn event_params(event: &Event) -> StoreResult<Params<'_>> {
    let sequence = version_param(event.sequence)?;
    Ok(vec![
        Box::new(&event.id),
        Box::new(event.starts_at()),
        Box::new(event.ends_at()),
        Box::new(&event.departement),
        Box::new(event.status.as_str()),
        Box::new(event.publication.as_str()),
        Box::new(&event.series_id),
        Box::new(sequence),
        Box::new(Json(event)),
    ])
}
