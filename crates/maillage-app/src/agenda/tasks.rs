//! The agenda's scheduled work, run by the server (and `maillage agenda …`) as the hub itself:
//! reminder mails before events, and the erasure of registrants' personal data a while after.

use chrono::{DateTime, TimeDelta, Utc};
use maillage_store::{EventQuery, EventStatus, RegistrationState};

use super::registration::when;
use crate::accounts::{Actor, Permission};
use crate::context::Context;
use crate::mail::Mail;
use crate::AppResult;

/// Mails a reminder to every registered person of the published events starting within
/// `delay` from `now`, once each (a reminder sent is noted on the registration). Returns how
/// many were sent.
pub fn send_reminders(ctx: &Context<'_>, actor: &Actor, now: DateTime<Utc>, delay: TimeDelta) -> AppResult<usize> {
    actor.require(ctx, Permission::Administer)?;
    let query = EventQuery { ending_after: Some(now), starting_before: Some(now + delay) };
    let mut sent = 0;
    for event in ctx.store.events(&query)? {
        if !event.is_public() || event.status == EventStatus::Annule || event.starts_at() <= now {
            continue;
        }
        let mut reminded = Vec::new();
        for registration in ctx.store.registrations(&event.id)? {
            if registration.state != RegistrationState::Registered || registration.reminded_at.is_some() {
                continue;
            }
            let Some(to) = registration.email.clone() else { continue };
            let body = format!(
                "Bonjour,\n\nNous vous rappelons votre inscription :\n\n{}\n{}\n{}\nLa page de l'événement : {}\n\n\
                 Si vous ne pouvez plus venir, annulez depuis le lien de votre courriel de confirmation :\n\
                 votre place ira à la première personne en liste d'attente.\n",
                event.title,
                when(&event),
                event.address.as_deref().map(|a| format!("Lieu : {a}\n")).unwrap_or_default(),
                ctx.link(&format!("/agenda/{}", event.id))?,
            );
            let mail = Mail { to, subject: format!("Rappel : {}", event.title), body };
            if ctx.send(&mail, "agenda_rappel").is_ok() {
                reminded.push(registration.id.clone());
            }
        }
        if !reminded.is_empty() {
            ctx.store.mark_reminded(&reminded, now)?;
            ctx.audit(
                actor.id(),
                "rappels_envoyes",
                Some(format!("evenement:{}", event.id)),
                format!("{} rappel(s)", reminded.len()),
                now,
            )?;
            sent += reminded.len();
        }
    }
    Ok(sent)
}

/// Erases the personal data of the registrants of events that ended more than `after` before
/// `now` (names, e-mails, roles, answers; organisations and counts stay). Returns how many
/// registrations were erased.
pub fn purge_registrations(ctx: &Context<'_>, actor: &Actor, now: DateTime<Utc>, after: TimeDelta) -> AppResult<usize> {
    actor.require(ctx, Permission::Administer)?;
    let limit = now - after;
    let mut erased = 0;
    for event in ctx.store.events(&EventQuery::default())? {
        if event.ends_at() >= limit {
            continue;
        }
        let count = ctx.store.anonymise_registrations(&event.id, now)?;
        if count > 0 {
            ctx.audit(
                actor.id(),
                "inscrits_anonymises",
                Some(format!("evenement:{}", event.id)),
                format!("{count} inscription(s)"),
                now,
            )?;
            erased += count;
        }
    }
    Ok(erased)
}
