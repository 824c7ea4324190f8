//! Prioritisation votes, both ways the field holds them: in a room (the facilitator types the
//! dot votes counted on the wall, per item, with the meeting, date and number of participants)
//! and online (invited participants vote from the link of their mail, no account: a random
//! token whose hash only is stored; points to spread, one ballot each, changeable until the
//! closing; results hidden until then if the coordinator chooses). A closed vote never
//! changes, and its voters' e-mails are erased at closing.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Europe::Paris;
use maillage_store::{
    new_id, tally, vote_not_found, PntTerritory, RoomTally, StoreError, Vote, VoteItem, VoteMode, VoteResults, Voter,
};
use serde::Serialize;

use super::{parse_territory, require_manage, territory_label};
use crate::accounts::{hash_token, random_token, Actor, Permission};
use crate::context::Context;
use crate::mail::Mail;
use crate::{AppError, AppResult, FieldError};

/// Most items a vote holds.
const MAX_ITEMS: usize = 50;
/// Most participants invited at once.
const MAX_INVITED: usize = 500;

/// A vote as its creation form sends it (room and online share it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VoteForm {
    pub territory: String,
    pub title: String,
    /// One theme or action a line.
    pub items: String,
    /// Room votes: the meeting and its date (AAAA-MM-JJ).
    pub meeting: String,
    pub held_on: String,
    /// Online votes: points per participant, opening and closing (AAAA-MM-JJTHH:MM, Paris
    /// time), results hidden until closing, invited e-mails one a line.
    pub points: String,
    pub opens_at: String,
    pub closes_at: String,
    pub hide_results: bool,
    pub invitations: String,
}

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid(vec![FieldError::new(field, message)])
}

/// A local date and time in Paris, as a `datetime-local` field sends it.
fn paris_time(errors: &mut Vec<FieldError>, field: &str, raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let parsed = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .ok()
        .and_then(|local| Paris.from_local_datetime(&local).earliest())
        .map(|at| at.with_timezone(&Utc));
    if parsed.is_none() {
        errors.push(FieldError::new(field, format!("date et heure illisibles « {raw} » (AAAA-MM-JJTHH:MM)")));
    }
    parsed
}

fn items(errors: &mut Vec<FieldError>, raw: &str) -> Vec<VoteItem> {
    let items: Vec<VoteItem> = raw
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|label| VoteItem { label: label.chars().take(300).collect(), project: None })
        .collect();
    if items.is_empty() {
        errors.push(FieldError::new("éléments", "au moins un thème ou une action à prioriser, un par ligne"));
    }
    if items.len() > MAX_ITEMS {
        errors.push(FieldError::new("éléments", format!("{MAX_ITEMS} éléments au plus")));
    }
    items
}

/// The audit entry of a change to a vote, its detail led by the vote's title.
fn audit_vote(
    ctx: &Context<'_>,
    actor: Option<&str>,
    action: &str,
    vote: &Vote,
    detail: &str,
    at: DateTime<Utc>,
) -> AppResult<()> {
    ctx.audit(actor, action, Some(format!("vote:{}", vote.id)), format!("« {} »{detail}", vote.title), at)
}

/// A vote just opened, by `created_by` (`None` for the hub's own, like the demonstration's).
pub(super) fn new_vote(
    territory: PntTerritory,
    title: String,
    mode: VoteMode,
    items: Vec<VoteItem>,
    created_by: Option<&str>,
    at: DateTime<Utc>,
) -> Vote {
    Vote {
        id: new_id(),
        territory,
        title,
        mode,
        items,
        meeting: None,
        held_on: None,
        points: 0,
        opens_at: None,
        closes_at: None,
        hide_results: false,
        closed_at: None,
        results: None,
        provenance: None,
        created_by: created_by.map(str::to_owned),
        created_at: at,
        version: 1,
    }
}

fn common(
    ctx: &Context<'_>,
    actor: &Actor,
    form: &VoteForm,
    errors: &mut Vec<FieldError>,
) -> AppResult<(PntTerritory, String, Vec<VoteItem>)> {
    actor.require(ctx, Permission::Team)?;
    let territory = parse_territory(ctx, "territoire", &form.territory).map_err(|e| AppError::Invalid(vec![e]))?;
    require_manage(ctx, actor, std::slice::from_ref(&territory))?;
    let title = form.title.trim().to_owned();
    if title.is_empty() {
        errors.push(FieldError::new("titre", "obligatoire"));
    }
    let items = items(errors, &form.items);
    Ok((territory, title, items))
}

/// Opens a room vote on a set of themes and actions for a meeting.
pub fn create_room_vote(ctx: &Context<'_>, actor: &Actor, form: &VoteForm, at: DateTime<Utc>) -> AppResult<Vote> {
    let mut errors = Vec::new();
    let (territory, title, items) = common(ctx, actor, form, &mut errors)?;
    let meeting = form.meeting.trim().to_owned();
    if meeting.is_empty() {
        errors.push(FieldError::new("réunion", "obligatoire (la réunion où la salle vote)"));
    }
    let held_on = NaiveDate::parse_from_str(form.held_on.trim(), "%Y-%m-%d").ok();
    if held_on.is_none() {
        errors.push(FieldError::new("date", format!("date illisible « {} » (AAAA-MM-JJ)", form.held_on)));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let vote =
        Vote { meeting: Some(meeting), held_on, ..new_vote(territory, title, VoteMode::Salle, items, actor.id(), at) };
    ctx.store.add_vote(&vote, &[])?;
    audit_vote(ctx, actor.id(), "vote_salle_ouvert", &vote, "", at)?;
    Ok(vote)
}

/// Types the dot votes counted in the room (one count per item, in order) and the number of
/// participants: the vote is closed with them.
pub fn record_room_vote(
    ctx: &Context<'_>,
    actor: &Actor,
    id: &str,
    version: u32,
    counts: &[String],
    participants: &str,
    at: DateTime<Utc>,
) -> AppResult<Vote> {
    let vote = managed_vote(ctx, actor, id)?;
    if vote.mode != VoteMode::Salle {
        return Err(invalid("mode", "ce vote se tient en ligne : il se clôt sans décompte de salle"));
    }
    let mut errors = Vec::new();
    let mut points = Vec::new();
    for (n, item) in vote.items.iter().enumerate() {
        let raw = counts.get(n).map(|c| c.trim()).unwrap_or("");
        match raw.parse::<u64>() {
            Ok(count) if count <= 100_000 => points.push(count),
            _ => errors.push(FieldError::new(
                &format!("gommettes pour « {} »", item.label),
                format!("nombre entier positif ou nul attendu, pas « {raw} »"),
            )),
        }
    }
    let participants = match participants.trim().parse::<u32>() {
        Ok(count) if count > 0 => count,
        _ => {
            errors.push(FieldError::new(
                "participants",
                format!("nombre de participants attendu, pas « {participants} »"),
            ));
            0
        }
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let closed = ctx.store.close_vote(id, version, Some(&RoomTally { points, participants }), at)?;
    audit_vote(ctx, actor.id(), "vote_salle_saisi", &closed, &format!(", {participants} participants"), at)?;
    Ok(closed)
}

/// The vote, which the actor may manage.
fn managed_vote(ctx: &Context<'_>, actor: &Actor, id: &str) -> AppResult<Vote> {
    actor.require(ctx, Permission::Team)?;
    let vote = ctx.store.vote(id)?.ok_or_else(|| vote_not_found(id))?;
    require_manage(ctx, actor, std::slice::from_ref(&vote.territory))?;
    Ok(vote)
}

fn emails(errors: &mut Vec<FieldError>, raw: &str) -> Vec<String> {
    let mut emails: Vec<String> = Vec::new();
    for (n, line) in raw.lines().enumerate() {
        let email = line.trim().to_lowercase();
        if email.is_empty() {
            continue;
        }
        let valid = email.len() <= 254
            && !email.contains(char::is_whitespace)
            && email.split_once('@').is_some_and(|(user, host)| !user.is_empty() && host.contains('.'));
        if !valid {
            errors.push(FieldError::new("invitations", format!("ligne {} : adresse électronique illisible", n + 1)));
        } else if !emails.contains(&email) {
            emails.push(email);
        }
    }
    if emails.len() > MAX_INVITED {
        errors.push(FieldError::new("invitations", format!("{MAX_INVITED} invitations au plus à la fois")));
    }
    emails
}

/// A voter for each address, with the token its link carries (only its hash is stored).
fn new_voters(vote: &Vote, invited: Vec<String>) -> (Vec<Voter>, Vec<(String, String)>) {
    let tokens: Vec<(String, String)> = invited.into_iter().map(|email| (email, random_token())).collect();
    let voters = tokens
        .iter()
        .map(|(email, token)| Voter {
            vote_id: vote.id.clone(),
            token_hash: hash_token(token),
            stakeholder: None,
            email: Some(email.clone()),
            ballot: None,
            cast_at: None,
        })
        .collect();
    (voters, tokens)
}

/// Mails each invited address its personal link.
fn send_links(ctx: &Context<'_>, vote: &Vote, tokens: &[(String, String)]) -> AppResult<()> {
    let rules = rules_sentence(vote);
    for (email, token) in tokens {
        let link = ctx.link(&format!("/vote/{}?jeton={token}", vote.id))?;
        ctx.send(
            &Mail {
                to: email.clone(),
                subject: format!("Vote : {}", vote.title),
                body: format!(
                    "Bonjour,\n\nVous êtes invité·e à voter pour prioriser les actions du projet numérique de territoire ({}) : « {} ».\n\n{rules}\n\nVotre lien personnel (ne le transférez pas) :\n\n{link}\n",
                    territory_label(&vote.territory),
                    vote.title
                ),
            },
            "invitation_vote",
        )?;
    }
    Ok(())
}

/// Invites more participants to an online vote still open, by mail link as at its opening;
/// an address already invited is refused by name. How many were invited.
pub fn invite_voters(ctx: &Context<'_>, actor: &Actor, id: &str, raw: &str, at: DateTime<Utc>) -> AppResult<usize> {
    let vote = managed_vote(ctx, actor, id)?;
    if vote.mode != VoteMode::EnLigne {
        return Err(invalid("invitations", "un vote en salle n'a pas d'invités"));
    }
    if vote.closed_at.is_some() || vote.closes_at.is_some_and(|closes| at >= closes) {
        return Err(invalid("invitations", "le vote est clos : on ne peut plus y inviter"));
    }
    let mut errors = Vec::new();
    let invited = emails(&mut errors, raw);
    if invited.is_empty() && errors.is_empty() {
        errors.push(FieldError::new("invitations", "au moins une adresse électronique, une par ligne"));
    }
    let known: Vec<String> = ctx.store.voters(id)?.into_iter().filter_map(|voter| voter.email).collect();
    for email in invited.iter().filter(|email| known.contains(email)) {
        errors.push(FieldError::new("invitations", format!("« {email} » est déjà invité·e")));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    ctx.mailing()?;
    let (voters, tokens) = new_voters(&vote, invited);
    ctx.store.add_voters(id, &voters)?;
    send_links(ctx, &vote, &tokens)?;
    audit_vote(ctx, actor.id(), "vote_invitations_ajoutees", &vote, &format!(", {} invitations", tokens.len()), at)?;
    Ok(tokens.len())
}

/// The rules of an online vote in one plain French sentence.
pub fn rules_sentence(vote: &Vote) -> String {
    let closes = vote
        .closes_at
        .map(|at| format!(" jusqu'au {}", at.with_timezone(&Paris).format("%d/%m/%Y à %H h %M")))
        .unwrap_or_else(|| " jusqu'à la clôture".to_owned());
    let results = if vote.hide_results {
        "les résultats seront affichés à la clôture"
    } else {
        "vous voyez les résultats au fur et à mesure"
    };
    format!(
        "Vous avez {} points à répartir comme vous voulez entre les {} propositions (plusieurs sur la même si vous le souhaitez), vous pouvez changer votre vote{closes}, et {results}.",
        vote.points,
        vote.items.len()
    )
}

/// Opens an online vote and mails each invited participant their own link. The e-mails are
/// kept until the vote closes (to invite again), then erased.
pub fn create_online_vote(ctx: &Context<'_>, actor: &Actor, form: &VoteForm, at: DateTime<Utc>) -> AppResult<Vote> {
    let mut errors = Vec::new();
    let (territory, title, items) = common(ctx, actor, form, &mut errors)?;
    let points = match form.points.trim().parse::<u32>() {
        Ok(points) if (1..=1000).contains(&points) => points,
        _ => {
            errors.push(FieldError::new(
                "points",
                format!("nombre de points par participant attendu (1 à 1000), pas « {} »", form.points),
            ));
            0
        }
    };
    let opens_at = paris_time(&mut errors, "ouverture", &form.opens_at);
    let closes_at = paris_time(&mut errors, "clôture", &form.closes_at);
    if closes_at.is_none() && !errors.iter().any(|e| e.field == "clôture") {
        errors.push(FieldError::new("clôture", "obligatoire : la date et l'heure où le vote se clôt"));
    }
    if let (Some(opens), Some(closes)) = (opens_at.or(Some(at)), closes_at) {
        if closes <= opens {
            errors.push(FieldError::new("clôture", "la clôture doit suivre l'ouverture"));
        }
    }
    let invited = emails(&mut errors, &form.invitations);
    if invited.is_empty() && !errors.iter().any(|e| e.field == "invitations") {
        errors.push(FieldError::new("invitations", "au moins une adresse électronique, une par ligne"));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    ctx.mailing()?;
    let vote = Vote {
        points,
        opens_at,
        closes_at,
        hide_results: form.hide_results,
        ..new_vote(territory, title, VoteMode::EnLigne, items, actor.id(), at)
    };
    let (voters, tokens) = new_voters(&vote, invited);
    ctx.store.add_vote(&vote, &voters)?;
    send_links(ctx, &vote, &tokens)?;
    audit_vote(ctx, actor.id(), "vote_en_ligne_ouvert", &vote, &format!(", {} invitations", tokens.len()), at)?;
    Ok(vote)
}

/// Closes an online vote: its results frozen from the ballots cast, the e-mails erased.
pub fn close_vote(ctx: &Context<'_>, actor: &Actor, id: &str, version: u32, at: DateTime<Utc>) -> AppResult<Vote> {
    let vote = managed_vote(ctx, actor, id)?;
    if vote.mode != VoteMode::EnLigne {
        return Err(invalid("mode", "un vote en salle se clôt en saisissant les gommettes"));
    }
    let closed = ctx.store.close_vote(id, version, None, at)?;
    let ballots = closed.results.as_ref().map(|r| r.ballots).unwrap_or(0);
    audit_vote(ctx, actor.id(), "vote_clos", &closed, &format!(", {ballots} bulletins"), at)?;
    Ok(closed)
}

/// A vote as the team sees it.
#[derive(Clone, Debug, Serialize)]
pub struct VoteSummary {
    pub vote: Vote,
    pub invited: usize,
    pub ballots: usize,
    /// The results: frozen once closed; live while open unless hidden.
    pub results: Option<VoteResults>,
}

/// Closes online votes whose closing time has passed (frozen as of then), so every read sees
/// a vote past its closing as closed. Writes nothing on others.
fn settle(ctx: &Context<'_>, vote: Vote, now: DateTime<Utc>) -> AppResult<Vote> {
    match (vote.mode, vote.closed_at, vote.closes_at) {
        (VoteMode::EnLigne, None, Some(closes)) if closes <= now => {
            match ctx.store.close_vote(&vote.id, vote.version, None, closes) {
                Ok(closed) => {
                    audit_vote(ctx, None, "vote_clos", &closed, ", clôture à l'heure dite", now)?;
                    Ok(closed)
                }
                // Someone else closed it meanwhile: read it again.
                Err(StoreError::Conflict(_)) => {
                    ctx.store.vote(&vote.id)?.ok_or_else(|| vote_not_found(&vote.id).into())
                }
                Err(err) => Err(err.into()),
            }
        }
        _ => Ok(vote),
    }
}

fn summary(ctx: &Context<'_>, vote: Vote) -> AppResult<VoteSummary> {
    let voters = ctx.store.voters(&vote.id)?;
    let ballots = voters.iter().filter(|v| v.ballot.is_some()).count();
    let results = match (&vote.results, vote.hide_results) {
        (Some(results), _) => Some(results.clone()),
        (None, false) => Some(tally(vote.items.len(), &voters)),
        (None, true) => None,
    };
    Ok(VoteSummary { invited: voters.len(), ballots, results, vote })
}

/// The votes of a territory, newest first, for the team.
pub fn votes(
    ctx: &Context<'_>,
    actor: &Actor,
    territory: &PntTerritory,
    now: DateTime<Utc>,
) -> AppResult<Vec<VoteSummary>> {
    actor.require(ctx, Permission::Team)?;
    let mut summaries = Vec::new();
    for vote in ctx.store.votes(Some(territory))? {
        summaries.push(summary(ctx, settle(ctx, vote, now)?)?);
    }
    Ok(summaries)
}

/// One vote for the team.
pub fn vote(ctx: &Context<'_>, actor: &Actor, id: &str, now: DateTime<Utc>) -> AppResult<VoteSummary> {
    actor.require(ctx, Permission::Team)?;
    let vote = ctx.store.vote(id)?.ok_or_else(|| vote_not_found(id))?;
    summary(ctx, settle(ctx, vote, now)?)
}

/// The closed votes of a territory with their results (public: counts only).
pub fn closed_votes(ctx: &Context<'_>, territory: &PntTerritory) -> AppResult<Vec<Vote>> {
    Ok(ctx.store.votes(Some(territory))?.into_iter().filter(|vote| vote.closed_at.is_some()).collect())
}

/// What a participant sees from their link.
#[derive(Clone, Debug, Serialize)]
pub struct BallotView {
    pub vote: Vote,
    pub rules: String,
    /// Their ballot, if cast.
    pub ballot: Option<Vec<u32>>,
    /// Whether a ballot may be cast or changed now.
    pub open: bool,
    /// Shown when the vote shows them (closed, or not hidden).
    pub results: Option<VoteResults>,
}

fn voter_of(ctx: &Context<'_>, vote_id: &str, token: &str) -> AppResult<Voter> {
    let refused = || {
        AppError::Refused(
            "Ce lien de vote n'est pas valable : vérifiez qu'il est complet, ou demandez-en un nouveau au hub."
                .to_owned(),
        )
    };
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(refused());
    }
    ctx.store.voter(vote_id, &hash_token(token))?.ok_or_else(refused)
}

/// The ballot page of a participant (no account: the token of their link).
pub fn ballot(ctx: &Context<'_>, vote_id: &str, token: &str, now: DateTime<Utc>) -> AppResult<BallotView> {
    let voter = voter_of(ctx, vote_id, token)?;
    let vote = ctx.store.vote(vote_id)?.ok_or_else(|| vote_not_found(vote_id))?;
    let vote = settle(ctx, vote, now)?;
    let voter =
        if vote.closed_at.is_some() { ctx.store.voter(vote_id, &voter.token_hash)?.unwrap_or(voter) } else { voter };
    let open = vote.closed_at.is_none() && vote.opens_at.is_none_or(|opens| opens <= now);
    let results = match (&vote.results, vote.hide_results) {
        (Some(results), _) => Some(results.clone()),
        (None, false) => Some(tally(vote.items.len(), &ctx.store.voters(vote_id)?)),
        (None, true) => None,
    };
    Ok(BallotView { rules: rules_sentence(&vote), ballot: voter.ballot, open, results, vote })
}

/// Casts or changes a participant's ballot: points per item, in order (blank is 0).
pub fn cast(
    ctx: &Context<'_>,
    vote_id: &str,
    token: &str,
    points: &[String],
    now: DateTime<Utc>,
) -> AppResult<Vec<u32>> {
    let voter = voter_of(ctx, vote_id, token)?;
    let vote = ctx.store.vote(vote_id)?.ok_or_else(|| vote_not_found(vote_id))?;
    if vote.closed_at.is_some() || vote.closes_at.is_some_and(|closes| closes <= now) {
        return Err(AppError::Refused("Ce vote est clos : les bulletins ne sont plus acceptés.".to_owned()));
    }
    if vote.opens_at.is_some_and(|opens| now < opens) {
        return Err(AppError::Refused("Ce vote n'est pas encore ouvert.".to_owned()));
    }
    let mut errors = Vec::new();
    let mut ballot = Vec::new();
    for (n, item) in vote.items.iter().enumerate() {
        let raw = points.get(n).map(|p| p.trim()).unwrap_or("");
        match if raw.is_empty() { Ok(0) } else { raw.parse::<u32>() } {
            Ok(given) => ballot.push(given),
            Err(_) => {
                errors.push(FieldError::new(
                    &format!("points pour « {} »", item.label),
                    format!("nombre entier positif ou nul attendu, pas « {raw} »"),
                ));
                ballot.push(0);
            }
        }
    }
    let given: u64 = ballot.iter().map(|p| u64::from(*p)).sum();
    if errors.is_empty() && given > u64::from(vote.points) {
        errors.push(FieldError::new(
            "points",
            format!(
                "vous avez donné {given} points pour {} permis : retirez-en {}",
                vote.points,
                given - u64::from(vote.points)
            ),
        ));
    }
    if errors.is_empty() && given == 0 {
        errors.push(FieldError::new("points", "donnez au moins un point"));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    match ctx.store.cast_ballot(vote_id, &voter.token_hash, &ballot, now) {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::Refused("Ce vote est clos : les bulletins ne sont plus acceptés.".to_owned()))
        }
        Err(err) => return Err(err.into()),
    }
    ctx.audit(None, "bulletin_depose", Some(format!("vote:{vote_id}")), "un bulletin déposé ou modifié", now)?;
    Ok(ballot)
}
