//! Update campaigns and freshness. A coordinator asks every place of a territory to confirm
//! or correct its sheet: each place's e-mail contacts get a one-click "rien n'a changé" link
//! (signed, single-use, no sign-in; it sets `date_maj` to the day of the click) and a link
//! to ask for edit access; places without an answer get a reminder after N days.
//!
//! Freshness is a pure function of `date_maj`, so that the directory and the pages can call
//! it on every place they show.

use chrono::{DateTime, Months, NaiveDate, TimeDelta, Utc};
use maillage_domain::{paris_local, Place, PlaceId, PlaceStatus, Vocabulary};
use maillage_store::*;

use crate::accounts::{issue_token, spend_token, Actor, Permission};
use crate::context::Context;
use crate::mail::Mail;
use crate::territory::{parse_areas, places_in};
use crate::{AppError, AppResult, FieldError};

/// How old a sheet is, by its `date_maj`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Freshness {
    /// Under 6 months.
    Fresh,
    /// 6 to 12 months.
    Recent,
    /// 12 to 18 months.
    Aging,
    /// Over 18 months.
    Stale,
}

impl Freshness {
    /// The badge's text.
    pub fn label(self) -> &'static str {
        match self {
            Freshness::Fresh => "À jour (moins de 6 mois)",
            Freshness::Recent => "Mis à jour il y a 6 à 12 mois",
            Freshness::Aging => "Mis à jour il y a 12 à 18 mois",
            Freshness::Stale => "Pas mis à jour depuis plus de 18 mois",
        }
    }

    /// A stable key for CSS classes and the API.
    pub fn key(self) -> &'static str {
        match self {
            Freshness::Fresh => "moins-6-mois",
            Freshness::Recent => "6-12-mois",
            Freshness::Aging => "12-18-mois",
            Freshness::Stale => "plus-18-mois",
        }
    }
}

fn months_before(today: NaiveDate, months: u32) -> NaiveDate {
    today.checked_sub_months(Months::new(months)).unwrap_or(NaiveDate::MIN)
}

/// The freshness class of a sheet last updated on `date_maj`. A boundary day belongs to
/// the older class: exactly 6 months old is "6 to 12".
pub fn freshness(date_maj: NaiveDate, today: NaiveDate) -> Freshness {
    if date_maj > months_before(today, 6) {
        Freshness::Fresh
    } else if date_maj > months_before(today, 12) {
        Freshness::Recent
    } else if date_maj > months_before(today, 18) {
        Freshness::Aging
    } else {
        Freshness::Stale
    }
}

/// Whether the public map shows a place: always when the hub sets no cut-off, else when its
/// sheet was updated less than `cutoff_months` ago. Hidden places are kept, listed to
/// coordinators, and come back as soon as they are confirmed.
pub fn shown_on_public_map(date_maj: NaiveDate, today: NaiveDate, cutoff_months: Option<u32>) -> bool {
    match cutoff_months {
        None => true,
        Some(months) => date_maj > months_before(today, months),
    }
}

/// How many active places of the actor's territory fall in each freshness class, freshest
/// first: where a campaign is worth starting.
pub fn freshness_counts(ctx: &Context<'_>, actor: &Actor, today: NaiveDate) -> AppResult<Vec<(Freshness, usize)>> {
    actor.require(ctx, Permission::SeeQueue)?;
    let mut counts = [(Freshness::Fresh, 0), (Freshness::Recent, 0), (Freshness::Aging, 0), (Freshness::Stale, 0)];
    ctx.store.visit_places(&PlaceQuery::active(), &mut |place| {
        if actor.covers(ctx, &place.record) {
            let class = freshness(place.published_date_maj(), today);
            if let Some(count) = counts.iter_mut().find(|(c, _)| *c == class) {
                count.1 += 1;
            }
        }
        Ok(())
    })?;
    Ok(counts.to_vec())
}

/// How long a campaign's links stay valid after each mail.
pub const LINK_DAYS: i64 = 60;

/// Counts of a campaign's dashboard.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct CampaignCounts {
    /// Places mailed.
    pub sent: usize,
    pub confirmed: usize,
    pub edited: usize,
    /// Mailed, no answer yet.
    pub no_answer: usize,
    /// Places with no e-mail contact: nobody could be asked.
    pub no_contact: usize,
    pub reminded: usize,
}

pub fn counts(entries: &[CampaignEntry]) -> CampaignCounts {
    let mut counts = CampaignCounts::default();
    for entry in entries {
        match (entry.status, entry.sent_at) {
            (_, None) => counts.no_contact += 1,
            (CampaignPlaceStatus::Sent, Some(_)) => counts.no_answer += 1,
            (CampaignPlaceStatus::Confirmed, Some(_)) => counts.confirmed += 1,
            (CampaignPlaceStatus::Edited, Some(_)) => counts.edited += 1,
        }
        if entry.sent_at.is_some() {
            counts.sent += 1;
        }
        if entry.reminded_at.is_some() {
            counts.reminded += 1;
        }
    }
    counts
}

fn subject(campaign: &str, place: &PlaceId) -> String {
    format!("{campaign}/{place}")
}

/// The campaign mail to a place: subject and body. The body lists the details published
/// today, worded as the place page words them, so that the reader checks them before clicking.
fn mail_text(place: &Place, confirm: &str, edit: &str, reminder: bool) -> (String, String) {
    let r = &place.record;
    let unset = || "non renseigné".to_owned();
    let joined = |values: &[String]| if values.is_empty() { unset() } else { values.join(", ") };
    let mut address = r.adresse.clone();
    if let Some(complement) = r.complement_adresse.as_deref().filter(|c| !c.trim().is_empty()) {
        address.push_str(&format!(", {complement}"));
    }
    let hours = match &r.horaires {
        Some(hours) => hours.usual_week().iter().map(|(day, text)| format!("\n    {day} : {text}")).collect(),
        None => unset(),
    };
    let services = r.services.iter().map(|s| s.label().to_owned()).collect::<Vec<_>>();
    let details = format!(
        "- Adresse : {address}\n- Commune : {postcode} {commune}\n- Téléphone : {phone}\n- Courriel : {mails}\n- Site web : {sites}\n- Horaires : {hours}\n- Services : {services}",
        postcode = r.code_postal,
        commune = r.commune,
        phone = r.telephone.clone().unwrap_or_else(unset),
        mails = joined(&r.courriels),
        sites = joined(&r.site_web),
        services = joined(&services),
    );
    let prefix = if reminder { "Rappel : " } else { "" };
    (
        format!("{prefix}la fiche « {} » est-elle toujours juste ?", r.nom),
        format!(
            "Bonjour,\n\nLa fiche « {nom} » ({commune}) figure sur la carte des lieux de médiation numérique. Voici ce qu'elle dit aujourd'hui :\n\n{details}\n\nCes informations sont-elles toujours justes ?\n\n- Rien n'a changé : un clic suffit, sans compte :\n  {confirm}\n\n- Quelque chose a changé : demandez l'accès à la fiche pour la corriger :\n  {edit}\n\nMerci pour votre aide.\n",
            nom = r.nom,
            commune = r.commune,
        ),
    )
}

/// Mails a place's contacts; false when it has none.
fn mail_place(
    ctx: &Context<'_>,
    campaign: &Campaign,
    place: &Place,
    reminder: bool,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    if place.record.courriels.is_empty() {
        return Ok(false);
    }
    let signed = issue_token(
        ctx.store,
        ctx.mailing()?.signer,
        TokenPurpose::CampaignConfirmation,
        None,
        Some(subject(&campaign.id, &place.id)),
        now,
        TimeDelta::days(LINK_DAYS),
    )?;
    let confirm = ctx.link(&format!("/confirmer?jeton={signed}"))?;
    let edit = ctx.link(&format!("/lieux/{}/gerer", place.id))?;
    let (subject, body) = mail_text(place, &confirm, &edit, reminder);
    for to in &place.record.courriels {
        ctx.send(&Mail { to: to.clone(), subject: subject.clone(), body: body.clone() }, "campagne")?;
    }
    Ok(true)
}

/// The active places a campaign on `territory` would ask, once the actor may run it there
/// and its name is given: the one selection of the preview and of the start.
fn campaign_places(ctx: &Context<'_>, actor: &Actor, name: &str, territory: &str) -> AppResult<Vec<Place>> {
    actor.require(ctx, Permission::SeeQueue)?;
    let locator = ctx.locator()?;
    let areas = parse_areas(territory, &locator.territory, &locator.bassins)?;
    actor.require(ctx, Permission::Campaign(&areas))?;
    if name.trim().is_empty() {
        return Err(AppError::Invalid(vec![FieldError {
            field: "nom".to_owned(),
            message: "champ obligatoire".to_owned(),
        }]));
    }
    let places = ctx.store.places(&PlaceQuery::active())?;
    let mut chosen: Vec<&Place> = Vec::new();
    for (level, code) in &areas {
        for place in places_in(&locator.territory, &locator.bassins, &places, *level, code) {
            if !chosen.iter().any(|known| known.id == place.id) {
                chosen.push(place);
            }
        }
    }
    Ok(chosen.into_iter().cloned().collect())
}

/// One place of a campaign's preview: no address is shown, only how many.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreviewPlace {
    pub id: PlaceId,
    pub name: String,
    pub commune: String,
    pub addresses: usize,
}

/// What a campaign would do, before anything is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CampaignPreview {
    pub places: Vec<PreviewPlace>,
    /// Places with at least one e-mail contact.
    pub mailed: usize,
    /// Places with none: nobody could be asked.
    pub no_contact: usize,
    /// Mails to send (a place may have several addresses).
    pub mails: usize,
    /// The mail of the first place that has a contact (subject, body); its confirmation link
    /// is a placeholder, since a real one is only made when the mail goes.
    pub first_mail: Option<(String, String)>,
}

/// Shows what [`start_campaign`] would send, with the same checks; writes and sends nothing.
pub fn preview_campaign(ctx: &Context<'_>, actor: &Actor, name: &str, territory: &str) -> AppResult<CampaignPreview> {
    let chosen = campaign_places(ctx, actor, name, territory)?;
    let first_mail = match chosen.iter().find(|place| !place.record.courriels.is_empty()) {
        Some(place) => {
            let edit = ctx.link(&format!("/lieux/{}/gerer", place.id))?;
            Some(mail_text(place, "(lien personnel, créé à l'envoi)", &edit, false))
        }
        None => None,
    };
    let mailed = chosen.iter().filter(|place| !place.record.courriels.is_empty()).count();
    Ok(CampaignPreview {
        mailed,
        no_contact: chosen.len() - mailed,
        mails: chosen.iter().map(|place| place.record.courriels.len()).sum(),
        first_mail,
        places: chosen
            .into_iter()
            .map(|place| PreviewPlace {
                addresses: place.record.courriels.len(),
                name: place.record.nom,
                commune: place.record.commune,
                id: place.id,
            })
            .collect(),
    })
}

/// Starts a campaign on areas written as the export reads them ("18", "bassin:Bourges"),
/// mailing every active place of them.
pub fn start_campaign(
    ctx: &Context<'_>,
    actor: &Actor,
    name: &str,
    territory: &str,
    reminder_days: u32,
    now: DateTime<Utc>,
) -> AppResult<(Campaign, CampaignCounts)> {
    let chosen = campaign_places(ctx, actor, name, territory)?;
    let campaign = Campaign {
        id: new_id(),
        name: name.trim().to_owned(),
        territory: territory.trim().to_owned(),
        created_by: actor.id().unwrap_or_default().to_owned(),
        created_at: now,
        reminder_days,
    };
    // The campaign is recorded before any mail, so that every link names a campaign that
    // exists; entries say which places could be mailed.
    let entries: Vec<CampaignEntry> = chosen
        .iter()
        .map(|place| CampaignEntry {
            campaign_id: campaign.id.clone(),
            place_id: place.id.clone(),
            status: CampaignPlaceStatus::Sent,
            sent_at: (!place.record.courriels.is_empty()).then_some(now),
            reminded_at: None,
            answered_at: None,
        })
        .collect();
    ctx.store.insert_campaign(&campaign, &entries)?;
    for place in &chosen {
        mail_place(ctx, &campaign, place, false, now)?;
    }
    ctx.audit(
        actor.id(),
        "campagne_lancee",
        Some(format!("campagne:{}", campaign.id)),
        format!("{} lieux, territoire {}", entries.len(), campaign.territory),
        now,
    )?;
    Ok((campaign, counts(&entries)))
}

/// Sends the reminders that are due: places mailed at least `reminder_days` ago, with no
/// answer and no reminder yet. Returns how many places were reminded.
pub fn send_reminders(ctx: &Context<'_>, actor: &Actor, campaign_id: &str, now: DateTime<Utc>) -> AppResult<usize> {
    let campaign = load_campaign(ctx, actor, campaign_id)?;
    let reminded = remind(ctx, &campaign, now)?;
    ctx.audit(
        actor.id(),
        "campagne_relancee",
        Some(format!("campagne:{campaign_id}")),
        format!("{reminded} relances"),
        now,
    )?;
    Ok(reminded)
}

/// The reminders due in every campaign, sent by the hub itself (the server's hourly task,
/// or `maillage accounts reminders` from a scheduler, as [`Actor::System`]) or by an
/// administrator. Returns how many places were reminded.
pub fn send_due_reminders(ctx: &Context<'_>, actor: &Actor, now: DateTime<Utc>) -> AppResult<usize> {
    actor.require(ctx, Permission::Administer)?;
    let mut total = 0;
    for campaign in ctx.store.campaigns()? {
        let reminded = remind(ctx, &campaign, now)?;
        if reminded > 0 {
            let target = Some(format!("campagne:{}", campaign.id));
            ctx.audit(actor.id(), "campagne_relancee", target, format!("{reminded} relances automatiques"), now)?;
        }
        total += reminded;
    }
    Ok(total)
}

fn remind(ctx: &Context<'_>, campaign: &Campaign, now: DateTime<Utc>) -> AppResult<usize> {
    let due = now - TimeDelta::days(i64::from(campaign.reminder_days));
    let mut reminded = 0;
    for mut entry in ctx.store.campaign_entries(&campaign.id)? {
        let waiting = entry.status == CampaignPlaceStatus::Sent && entry.reminded_at.is_none();
        if !waiting || entry.sent_at.is_none_or(|sent| sent > due) {
            continue;
        }
        let Some(place) = ctx.store.place(&entry.place_id)?.filter(|place| place.status == PlaceStatus::Active) else {
            continue;
        };
        if mail_place(ctx, campaign, &place, true, now)? {
            entry.reminded_at = Some(now);
            ctx.store.update_campaign_entry(&entry)?;
            reminded += 1;
        }
    }
    Ok(reminded)
}

fn load_campaign(ctx: &Context<'_>, actor: &Actor, campaign_id: &str) -> AppResult<Campaign> {
    actor.require(ctx, Permission::SeeQueue)?;
    let campaign =
        ctx.store.campaign(campaign_id)?.ok_or_else(|| StoreError::NotFound(format!("campagne {campaign_id}")))?;
    let locator = ctx.locator()?;
    let areas = parse_areas(&campaign.territory, &locator.territory, &locator.bassins)?;
    actor.require(ctx, Permission::Campaign(&areas))?;
    Ok(campaign)
}

/// The campaigns of the actor's territory with their counts, newest first as the store lists
/// them.
pub fn campaigns(ctx: &Context<'_>, actor: &Actor) -> AppResult<Vec<(Campaign, CampaignCounts)>> {
    actor.require(ctx, Permission::SeeQueue)?;
    let mut listed = Vec::new();
    for campaign in ctx.store.campaigns()? {
        let locator = ctx.locator()?;
        let Ok(areas) = parse_areas(&campaign.territory, &locator.territory, &locator.bassins) else { continue };
        if actor.may(ctx, Permission::Campaign(&areas)) {
            let entries = ctx.store.campaign_entries(&campaign.id)?;
            listed.push((campaign, counts(&entries)));
        }
    }
    Ok(listed)
}

/// A place of a campaign's dashboard: its entry and what to call it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DashboardPlace {
    pub entry: CampaignEntry,
    /// The place's name; its identifier when the place is gone.
    pub name: String,
    pub commune: String,
}

/// A campaign's dashboard: its counts and each place, in the order the store lists them.
pub fn dashboard(
    ctx: &Context<'_>,
    actor: &Actor,
    campaign_id: &str,
) -> AppResult<(Campaign, CampaignCounts, Vec<DashboardPlace>)> {
    let campaign = load_campaign(ctx, actor, campaign_id)?;
    let entries = ctx.store.campaign_entries(campaign_id)?;
    let counts = counts(&entries);
    let mut places = Vec::with_capacity(entries.len());
    for entry in entries {
        let (name, commune) = match ctx.store.place(&entry.place_id)? {
            Some(place) => (place.record.nom, place.record.commune),
            None => (entry.place_id.0.clone(), String::new()),
        };
        places.push(DashboardPlace { entry, name, commune });
    }
    Ok((campaign, counts, places))
}

/// The one-click "rien n'a changé": spends the link and writes a new version of the place
/// with `date_maj` the day of the click in France (23:30 UTC in summer is already the next day
/// there). Returns the place as now published.
pub fn confirm_unchanged(ctx: &Context<'_>, signed: &str, now: DateTime<Utc>) -> AppResult<Place> {
    let token = spend_token(ctx, TokenPurpose::CampaignConfirmation, signed, now)?;
    let (campaign_id, place_id) = token
        .subject
        .as_deref()
        .and_then(|subject| subject.split_once('/'))
        .map(|(campaign, place)| (campaign.to_owned(), PlaceId(place.to_owned())))
        .ok_or_else(|| AppError::Refused("Ce lien n'est pas valide.".to_owned()))?;
    // A concurrent write (an import, an edit) between the read and the write is retried
    // once on the new version: the click must not be lost for it.
    let mut attempts = 0;
    let place = loop {
        attempts += 1;
        let current = crate::moderation::load_place(ctx.store, &place_id)?;
        let mut record = current.record.clone();
        record.date_maj = Some(paris_local(now).date());
        let place = Place { version: current.version + 1, updated_at: now, batch_id: None, record, ..current };
        let written = ctx.store.save_place(&PlaceWrite {
            place: place.clone(),
            change: ChangeKind::Updated,
            author: format!("campagne {campaign_id}"),
            reason: "« rien n'a changé » confirmé par courriel".to_owned(),
            content_hash: None,
        });
        match written {
            Ok(()) => break place,
            Err(StoreError::Conflict(_)) if attempts < 2 => continue,
            Err(err) => return Err(err.into()),
        }
    };
    if let Some(mut entry) =
        ctx.store.place_campaign_entries(&place_id)?.into_iter().find(|entry| entry.campaign_id == campaign_id)
    {
        entry.status = CampaignPlaceStatus::Confirmed;
        entry.answered_at = Some(now);
        ctx.store.update_campaign_entry(&entry)?;
    }
    ctx.audit(None, "lieu_confirme", Some(format!("lieu:{place_id}")), format!("campagne {campaign_id}"), now)?;
    Ok(place)
}

/// Records an answer of a place to the campaigns waiting for one (an edit made or proposed
/// by its gestionnaire counts as "edited").
pub fn note_answer(
    store: &dyn Store,
    place_id: &PlaceId,
    status: CampaignPlaceStatus,
    now: DateTime<Utc>,
) -> AppResult<()> {
    for mut entry in store.place_campaign_entries(place_id)? {
        if entry.status == CampaignPlaceStatus::Sent {
            entry.status = status;
            entry.answered_at = Some(now);
            store.update_campaign_entry(&entry)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn freshness_classes_have_their_boundaries_in_the_older_class() {
        let today = day("2026-11-23");
        assert_eq!(freshness(day("2026-11-23"), today), Freshness::Fresh);
        assert_eq!(freshness(day("2026-05-24"), today), Freshness::Fresh);
        assert_eq!(freshness(day("2026-05-23"), today), Freshness::Recent);
        assert_eq!(freshness(day("2025-11-24"), today), Freshness::Recent);
        assert_eq!(freshness(day("2025-11-23"), today), Freshness::Aging);
        assert_eq!(freshness(day("2025-05-24"), today), Freshness::Aging);
        assert_eq!(freshness(day("2025-05-23"), today), Freshness::Stale);
        assert_eq!(freshness(day("1970-01-01"), today), Freshness::Stale);
        // A date in the future (a typo in a source) is not stale.
        assert_eq!(freshness(day("2027-01-01"), today), Freshness::Fresh);
    }

    #[test]
    fn the_cut_off_hides_only_older_sheets() {
        let today = day("2026-11-23");
        assert!(shown_on_public_map(day("2001-01-01"), today, None));
        assert!(shown_on_public_map(day("2024-11-24"), today, Some(24)));
        assert!(!shown_on_public_map(day("2024-11-23"), today, Some(24)));
    }

    #[test]
    fn counts_split_answers_and_places_without_contact() {
        let entry = |status, sent: bool, reminded: bool| CampaignEntry {
            campaign_id: "c".to_owned(),
            place_id: PlaceId("p".to_owned()),
            status,
            sent_at: sent.then(Utc::now),
            reminded_at: reminded.then(Utc::now),
            answered_at: None,
        };
        let entries = [
            entry(CampaignPlaceStatus::Sent, true, true),
            entry(CampaignPlaceStatus::Sent, true, false),
            entry(CampaignPlaceStatus::Confirmed, true, false),
            entry(CampaignPlaceStatus::Edited, true, true),
            entry(CampaignPlaceStatus::Sent, false, false),
        ];
        assert_eq!(
            counts(&entries),
            CampaignCounts { sent: 4, confirmed: 1, edited: 1, no_answer: 2, no_contact: 1, reminded: 2 }
        );
    }
}
