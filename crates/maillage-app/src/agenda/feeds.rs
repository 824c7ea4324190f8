//! The agenda as feeds: iCalendar (RFC 5545, written with the `icalendar` crate) for one
//! event, a territory or the whole hub, and Atom for the upcoming events.
//!
//! Calendar apps get every time as a UTC instant (`DTSTART:…Z`), which no app misreads,
//! rather than a local time whose zone some apps ignore. Each session is a `VEVENT` whose UID
//! is the event's id, its session number and the hub's host, so it never changes; `SEQUENCE`
//! is the event's, bumped by every change, and a cancelled event says `STATUS:CANCELLED` so
//! that subscribed calendars strike it out rather than keep a stale copy.

use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, EventLike};
use maillage_store::{Event, EventStatus};

use super::text::{escape, to_plain};

/// The host part of UIDs, from the hub's public address (`https://hub.example` → `hub.example`).
fn uid_host(base_url: &str) -> &str {
    let host = base_url.split("://").nth(1).unwrap_or(base_url);
    let host = host.split('/').next().unwrap_or_default();
    // Without the port: a UID's right-hand side names the domain.
    let host =
        host.rsplit_once(':').filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit())).map_or(host, |(h, _)| h);
    if host.is_empty() {
        "maillage"
    } else {
        host
    }
}

/// The `VEVENT`s of one event (one per session). `DTSTAMP` is the event's last change: in a
/// calendar without `METHOD`, RFC 5545 has it say when the information was last revised, and
/// so each event's text is the same in every feed and can be written once.
fn vevents(event: &Event, base_url: &str) -> Vec<icalendar::Event> {
    let url = format!("{base_url}/agenda/{}", event.id);
    let location = event.address.clone().or_else(|| event.online_url.clone());
    let count = event.sessions.len();
    event
        .sessions
        .iter()
        .enumerate()
        .map(|(n, session)| {
            let mut vevent = icalendar::Event::new();
            let summary = if count > 1 { format!("{} ({}/{count})", event.title, n + 1) } else { event.title.clone() };
            vevent
                .uid(&format!("{}-{}@{}", event.id, n + 1, uid_host(base_url)))
                .summary(&summary)
                .description(&format!("{}\n\n{url}", to_plain(&event.description)))
                .starts(session.start)
                .ends(session.end)
                .timestamp(event.updated_at)
                .sequence(event.sequence)
                .url(&url)
                .status(match event.status {
                    EventStatus::Annule => icalendar::EventStatus::Cancelled,
                    EventStatus::Reporte => icalendar::EventStatus::Tentative,
                    EventStatus::Programme | EventStatus::Complet => icalendar::EventStatus::Confirmed,
                });
            if let Some(location) = &location {
                vevent.location(location);
            }
            vevent.add_property("LAST-MODIFIED", icalendar_utc(event.updated_at));
            vevent.done()
        })
        .collect()
}

fn icalendar_utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// One event's `VEVENT`s as text, to be joined into calendars by [`calendar`].
pub fn event_text(event: &Event, base_url: &str) -> String {
    vevents(event, base_url).iter().map(Component::to_string).collect()
}

/// A calendar, named, around events' texts written by [`event_text`].
pub fn calendar<'a>(name: &str, texts: impl IntoIterator<Item = &'a str>) -> String {
    let mut calendar = Calendar::new();
    calendar.name(name);
    let frame = calendar.done().to_string();
    let (head, tail) = frame.split_at(frame.rfind("END:VCALENDAR").unwrap_or(frame.len()));
    let mut out = String::from(head);
    for text in texts {
        out.push_str(text);
    }
    out.push_str(tail);
    out
}

/// A calendar of events, named.
pub fn icalendar(name: &str, events: &[Event], base_url: &str) -> String {
    let texts: Vec<String> = events.iter().map(|event| event_text(event, base_url)).collect();
    calendar(name, texts.iter().map(String::as_str))
}

/// An Atom feed of events (those to come, as the caller chose them).
pub fn atom(title: &str, events: &[&Event], base_url: &str, feed_path: &str, updated: DateTime<Utc>) -> String {
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    out.push_str(&format!("<title>{}</title>\n", escape(title)));
    out.push_str(&format!("<id>{}{}</id>\n", escape(base_url), escape(feed_path)));
    out.push_str(&format!("<link rel=\"self\" href=\"{}{}\"/>\n", escape(base_url), escape(feed_path)));
    out.push_str(&format!("<link rel=\"alternate\" type=\"text/html\" href=\"{}/agenda\"/>\n", escape(base_url)));
    let latest = events.iter().map(|e| e.updated_at).max().unwrap_or(updated);
    out.push_str(&format!("<updated>{}</updated>\n", latest.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)));
    out.push_str("<author><name>Maillage</name></author>\n");
    for event in events {
        let url = format!("{base_url}/agenda/{}", event.id);
        let summary = format!(
            "{} — {}{}",
            super::registration::when(event),
            event.status.label(),
            event.address.as_deref().map(|a| format!(" — {a}")).unwrap_or_default()
        );
        out.push_str("<entry>\n");
        out.push_str(&format!("<title>{}</title>\n", escape(&event.title)));
        out.push_str(&format!("<id>{}</id>\n", escape(&url)));
        out.push_str(&format!("<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n", escape(&url)));
        out.push_str(&format!(
            "<updated>{}</updated>\n",
            event.updated_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ));
        out.push_str(&format!("<summary>{}</summary>\n", escape(&summary)));
        out.push_str(&format!(
            "<content type=\"html\">{}</content>\n",
            escape(&super::text::to_html(&event.description))
        ));
        out.push_str("</entry>\n");
    }
    out.push_str("</feed>\n");
    out
}
