//! Backups over any backend: the order a snapshot hands items out in (see
//! [`SnapshotItem`]), and how a restore writes each kind back.

use super::accounts::{insert_campaign, insert_proposal, insert_resolution, insert_user};
use super::activity::{insert_activity, insert_introduction};
use super::actors::insert_stakeholder;
use super::agenda::{insert_event, insert_registration};
use super::duplicates::{merge_groups, write_group};
use super::mappings::insert_mapping;
use super::monographs::{insert_edition, insert_text};
use super::pnt::{insert_project_snapshot, insert_vote_snapshot};
use super::{Refusal, Tables};
use crate::{
    check_duplicates, check_values, not_empty_error, BatchSnapshot, CampaignSnapshot, DuplicateChanges,
    IndicatorSnapshot, PlaceSnapshot, SnapshotItem, StoreResult,
};

/// The tables a restore writes, locked against other writers (in this order) for its
/// whole transaction so that two restores, or a restore and an import, never both find the
/// store empty.
const RESTORED_TABLES: &[&str] = &[
    "places",
    "place_versions",
    "import_batches",
    "import_report",
    "bassin_members",
    "indicators",
    "indicator_values",
    "place_reports",
    "merge_groups",
    "merge_group_members",
    "duplicate_pairs",
    "users",
    "sessions",
    "one_time_tokens",
    "audit_log",
    "version_notes",
    "proposals",
    "campaigns",
    "campaign_places",
    "place_report_resolutions",
    "stakeholders",
    "mappings",
    "pnt_plans",
    "pnt_projects",
    "pnt_project_versions",
    "pnt_project_proposals",
    "pnt_votes",
    "pnt_voters",
    "events",
    "registrations",
    "activity_entries",
    "activity_past_totals",
    "bilan_introductions",
    "monograph_texts",
    "monograph_editions",
];

/// The tables that must be empty for a restore: any row in one of them means the store is
/// in use (the others only hold rows that refer to these).
const MUST_BE_EMPTY: &[&str] = &[
    "places",
    "import_batches",
    "bassin_members",
    "indicators",
    "place_reports",
    "merge_groups",
    "duplicate_pairs",
    "users",
    "audit_log",
    "campaigns",
    "one_time_tokens",
    "stakeholders",
    "mappings",
    "pnt_plans",
    "pnt_projects",
    "pnt_votes",
    "events",
    "activity_entries",
    "activity_past_totals",
    "bilan_introductions",
    "monograph_texts",
    "monograph_editions",
];

/// Hands every row to `visit`, in [`SnapshotItem`]'s order, inside the caller's consistent
/// read.
pub(crate) fn snapshot<T: Tables + ?Sized>(
    tables: &mut T,
    visit: &mut dyn FnMut(SnapshotItem) -> StoreResult<()>,
) -> StoreResult<()> {
    for batch in tables.all_batches()? {
        let report = tables.report_lines(&batch.id)?;
        visit(SnapshotItem::Batch(BatchSnapshot { batch, report }))?;
    }
    // Places and versions are streamed: they are most of a registry.
    tables.visit_place_rows(&mut |place| visit(SnapshotItem::Place(place)))?;
    tables.visit_versions(&mut |version| visit(SnapshotItem::PlaceVersion(version)))?;
    // By bassin, kind, code, as text (so communes before EPCI, unlike the bassins' listing).
    let mut members = tables.bassins()?;
    members.sort_by(|a, b| (&a.bassin, a.kind.as_str(), &a.code).cmp(&(&b.bassin, b.kind.as_str(), &b.code)));
    each(visit, members, SnapshotItem::BassinMember)?;
    for definition in tables.indicators()? {
        let values = tables.indicator_values(&definition.name, definition.level)?;
        visit(SnapshotItem::Indicator(IndicatorSnapshot { definition, values }))?;
    }
    each(visit, tables.all_place_reports()?, SnapshotItem::PlaceReport)?;
    each(visit, merge_groups(tables)?, SnapshotItem::MergeGroup)?;
    each(visit, tables.pairs()?, SnapshotItem::DuplicatePair)?;
    snapshot_accounts(tables, visit)
}

fn snapshot_accounts<T: Tables + ?Sized>(
    tables: &mut T,
    visit: &mut dyn FnMut(SnapshotItem) -> StoreResult<()>,
) -> StoreResult<()> {
    each(visit, tables.users()?, SnapshotItem::User)?;
    each(visit, tables.sessions()?, SnapshotItem::Session)?;
    each(visit, tables.tokens()?, SnapshotItem::Token)?;
    each(visit, tables.audit_entries()?, SnapshotItem::Audit)?;
    each(visit, tables.all_version_notes()?, SnapshotItem::VersionNote)?;
    each(visit, tables.proposals(None)?, SnapshotItem::Proposal)?;
    // Listed newest first; a backup keeps them by id.
    for campaign in tables.campaigns()?.into_iter().rev() {
        let entries = tables.campaign_entries(&campaign.id)?;
        visit(SnapshotItem::Campaign(CampaignSnapshot { campaign, entries }))?;
    }
    each(visit, tables.report_resolutions()?, SnapshotItem::ReportResolution)?;
    for (key, value) in tables.settings()? {
        visit(SnapshotItem::Setting { key, value })?;
    }
    // Redirects after the entries they point at.
    let (merged, kept): (Vec<_>, Vec<_>) =
        tables.stakeholders()?.into_iter().partition(|stakeholder| stakeholder.merged_into.is_some());
    each(visit, kept.into_iter().chain(merged), SnapshotItem::Stakeholder)?;
    each(visit, tables.saved_mappings()?, SnapshotItem::Mapping)?;
    each(visit, tables.pnts()?, SnapshotItem::Pnt)?;
    for project in tables.all_projects()? {
        let mut versions = tables.project_versions(&project.id)?;
        versions.retain(|version| version.version < project.version);
        let proposals = tables.project_proposals(Some(&project.id), false)?;
        visit(SnapshotItem::Project(crate::ProjectSnapshot { project, versions, proposals }))?;
    }
    // Listed newest first; a backup keeps them oldest first.
    for vote in tables.votes(None)?.into_iter().rev() {
        let voters = tables.voters(&vote.id)?;
        visit(SnapshotItem::Vote(crate::VoteSnapshot { vote, voters }))?;
    }
    let mut events = tables.events(&crate::EventQuery::default())?;
    events.sort_by(|a, b| a.id.cmp(&b.id));
    each(visit, events, SnapshotItem::Event)?;
    each(visit, tables.all_registrations()?, SnapshotItem::Registration)?;
    each(visit, tables.activities(&crate::ActivityQuery::default())?, SnapshotItem::Activity)?;
    each(visit, tables.past_totals()?, SnapshotItem::PastTotals)?;
    each(visit, tables.introductions()?, SnapshotItem::BilanIntroduction)?;
    each(visit, tables.monograph_texts(None)?, SnapshotItem::MonographText)?;
    each(visit, tables.monograph_editions(None)?, SnapshotItem::MonographEdition)?;
    Ok(())
}

/// Hands `rows` to `visit` in the order given, each as the item `item` makes of it.
fn each<R>(
    visit: &mut dyn FnMut(SnapshotItem) -> StoreResult<()>,
    rows: impl IntoIterator<Item = R>,
    item: fn(R) -> SnapshotItem,
) -> StoreResult<()> {
    rows.into_iter().try_for_each(|row| visit(item(row)))
}

/// Writes `items` exactly as given into an empty store, inside the caller's write
/// transaction; `label` names the database in the refusal of a store in use.
pub(crate) fn restore<T: Tables + ?Sized>(
    tables: &mut T,
    label: &str,
    items: &mut dyn Iterator<Item = StoreResult<SnapshotItem>>,
) -> StoreResult<()> {
    tables.lock_tables(RESTORED_TABLES)?;
    if tables.any_rows(MUST_BE_EMPTY)? {
        return Err(not_empty_error(label));
    }
    for item in items {
        restore_item(tables, &item?)?;
    }
    Ok(())
}

/// Writes one item back, with the checks and messages of the ordinary writes of its kind.
fn restore_item<T: Tables + ?Sized>(tables: &mut T, item: &SnapshotItem) -> StoreResult<()> {
    match item {
        SnapshotItem::Batch(BatchSnapshot { batch, report }) => {
            tables.insert_batch(batch).restoring()?;
            tables.insert_report_lines(&batch.id, 1, report).restoring()
        }
        SnapshotItem::Place(PlaceSnapshot { place, content_hash, last_change }) => {
            tables.insert_place(place, content_hash, *last_change).restoring()
        }
        SnapshotItem::PlaceVersion(version) => tables.insert_version(version).restoring(),
        SnapshotItem::BassinMember(member) => tables.insert_bassins(std::slice::from_ref(member)).restoring(),
        SnapshotItem::Indicator(IndicatorSnapshot { definition, values }) => {
            check_values(definition, values)?;
            tables.insert_indicator(definition).restoring()?;
            tables.insert_values(definition, values).restoring()
        }
        SnapshotItem::PlaceReport(report) => tables.insert_place_report(report).restoring(),
        SnapshotItem::MergeGroup(group) => {
            check_duplicates(&DuplicateChanges { groups: vec![group.clone()], ..DuplicateChanges::default() })?;
            write_group(tables, group)
        }
        SnapshotItem::DuplicatePair(pair) => tables.insert_pair(pair).restoring(),
        SnapshotItem::User(user) => insert_user(tables, user),
        SnapshotItem::Session(session) => tables.insert_session(session).restoring(),
        SnapshotItem::Token(token) => tables.insert_token(token).restoring(),
        SnapshotItem::Audit(entry) => tables.insert_audit(entry).restoring(),
        SnapshotItem::VersionNote(note) => tables.insert_note(note).restoring(),
        SnapshotItem::Proposal(proposal) => insert_proposal(tables, proposal),
        SnapshotItem::Campaign(CampaignSnapshot { campaign, entries }) => insert_campaign(tables, campaign, entries),
        SnapshotItem::ReportResolution(resolution) => insert_resolution(tables, resolution),
        SnapshotItem::Setting { key, value } => tables.insert_setting(key, value).restoring(),
        SnapshotItem::Stakeholder(stakeholder) => insert_stakeholder(tables, stakeholder),
        SnapshotItem::Mapping(mapping) => insert_mapping(tables, mapping),
        SnapshotItem::Pnt(pnt) => {
            crate::check_pnt(pnt)?;
            tables.insert_pnt(pnt).restoring()
        }
        SnapshotItem::Project(snapshot) => insert_project_snapshot(tables, snapshot),
        SnapshotItem::Vote(snapshot) => insert_vote_snapshot(tables, &snapshot.vote, &snapshot.voters),
        SnapshotItem::Event(event) => insert_event(tables, event),
        SnapshotItem::Registration(registration) => insert_registration(tables, registration),
        SnapshotItem::Activity(entry) => insert_activity(tables, entry),
        SnapshotItem::PastTotals(totals) => {
            crate::check_past_totals(std::slice::from_ref(totals))?;
            tables.upsert_past_totals(totals)
        }
        SnapshotItem::BilanIntroduction(introduction) => insert_introduction(tables, introduction),
        SnapshotItem::MonographText(text) => insert_text(tables, text),
        SnapshotItem::MonographEdition(edition) => insert_edition(tables, edition),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every table that must be empty is also locked.
    #[test]
    fn checked_tables_are_locked() {
        for table in MUST_BE_EMPTY {
            assert!(RESTORED_TABLES.contains(table), "{table}");
        }
    }
}
