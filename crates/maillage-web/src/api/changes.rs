//! The change feeds: `/api/v1/lieux/changements` (JSON, paged, for programs that pull what
//! changed since their last pull) and `/api/v1/lieux/changements.atom` (Atom, per territory,
//! for people's feed readers and partners' sites). Both read `places::changes`, which decides
//! what is published (merged places once, withdrawn ones by id only, hidden ones not at all).

use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use maillage_app::places::changes::{changes, ChangeCursor, ChangeKind, ChangePage, ChangesQuery};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::contract;
use crate::query::{self as params, Params};
use crate::state::run_blocking;
use crate::{WebError, WebState};

/// One change, as the JSON feed writes it.
#[derive(Serialize, ToSchema)]
pub struct Changement {
    /// Identifiant du lieu dans le registre (celui des exports).
    id: String,
    /// cree, modifie ou retire.
    etat: &'static str,
    /// Date et heure du changement (RFC 3339, UTC).
    date: String,
    /// Les champs du standard (absent pour un lieu retiré).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    lieu: Option<Map<String, Value>>,
    /// Pour un lieu retiré parce que fusionné : l'identifiant sous lequel il est publié.
    #[serde(skip_serializing_if = "Option::is_none")]
    fusionne_dans: Option<String>,
}

/// A page of the JSON feed.
#[derive(Serialize, ToSchema)]
pub struct PageDeChangements {
    depuis: String,
    /// L'instant de la lecture : le « depuis » de la prochaine demande.
    jusqu_a: String,
    changements: Vec<Changement>,
    /// La page suivante (absent à la dernière page).
    curseur_suivant: Option<String>,
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// An RFC 3339 instant from a query string (where a `+` not encoded arrives as a space).
fn instant(field: &str, text: &str) -> Result<DateTime<Utc>, WebError> {
    DateTime::parse_from_rfc3339(&text.trim().replace(' ', "+")).map(|at| at.with_timezone(&Utc)).map_err(|_| {
        WebError::bad_parameter(field, "date et heure RFC 3339 attendues, par exemple 2026-12-01T00:00:00Z")
    })
}

fn encode_cursor((at, id): &ChangeCursor) -> String {
    format!("{}_{id}", at.timestamp_micros())
}

fn decode_cursor(text: &str) -> Option<ChangeCursor> {
    let (micros, id) = text.split_once('_')?;
    let at = DateTime::from_timestamp_micros(micros.parse().ok()?)?;
    let valid = !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    valid.then(|| (at, id.to_owned()))
}

#[utoipa::path(
    get,
    path = "/api/v1/lieux/changements",
    summary = "Les lieux créés, modifiés ou retirés depuis une date",
    description = "Pour ne récupérer que ce qui a changé : les lieux créés (« cree »), modifiés (« modifie ») ou retirés (« retire ») depuis « depuis », du plus ancien au plus récent, par pages. Un lieu fusionné est publié une fois, sous son identifiant publié ; un lieu retiré ne donne que son identifiant et sa date ; un lieu masqué au public (non confirmé depuis trop longtemps) n'apparaît pas.",
    params(contract::Changements),
    responses(
        (status = 200, description = "Une page de changements.", body = PageDeChangements),
        contract::Refused,
    )
)]
pub async fn feed(State(state): State<WebState>, RawQuery(raw): RawQuery) -> Result<Response, WebError> {
    let directory = state.directory.current();
    let mut params = Params::parse(raw.as_deref())?;
    let since = match params.get("depuis")? {
        Some(text) => instant("depuis", text)?,
        None => return Err(WebError::bad_parameter("depuis", "date et heure RFC 3339 attendues")),
    };
    let areas = territories(&mut params, &directory)?;
    let limit = params.get("limite")?.map(|text| params::integer("limite", text, 1..=1000)).transpose()?.unwrap_or(200);
    let after = params
        .get("curseur")?
        .map(|text| decode_cursor(text).ok_or_else(|| WebError::bad_parameter("curseur", "curseur inconnu")))
        .transpose()?;
    params.finish()?;
    let query = ChangesQuery { since, after, limit, areas, visible: directory.visibility() };
    let page = read(&state, query).await?;
    let body = PageDeChangements {
        depuis: rfc3339(since),
        jusqu_a: rfc3339(page.until),
        curseur_suivant: page.next.as_ref().map(encode_cursor),
        changements: page
            .changes
            .into_iter()
            .map(|change| Changement {
                id: change.id,
                etat: change.kind.as_str(),
                date: rfc3339(change.at),
                lieu: change.place.as_ref().map(maillage_formats::export::standard_object),
                fusionne_dans: change.merged_into,
            })
            .collect(),
    };
    Ok(axum::Json(body).into_response())
}

fn territories(
    params: &mut Params,
    directory: &maillage_app::directory::Directory,
) -> Result<Vec<(maillage_app::territory::Level, String)>, WebError> {
    Ok(params
        .get("territoire")?
        .map(|text| directory.parse_areas(text).map_err(|err| WebError::bad_parameter("territoire", err.to_string())))
        .transpose()?
        .unwrap_or_default())
}

async fn read(state: &WebState, query: ChangesQuery) -> Result<ChangePage, WebError> {
    let (store, territory) = (state.store.clone(), state.territory.clone());
    run_blocking(move || changes(store.as_ref(), &territory, &query)).await
}

/// The Atom feed's entries at most: a feed reader wants the latest, not the registry.
const ATOM_ENTRIES: usize = 200;

#[utoipa::path(
    get,
    path = "/api/v1/lieux/changements.atom",
    summary = "Flux Atom des changements de lieux d'un territoire",
    description = "Les lieux créés, modifiés ou retirés d'un territoire (200 au plus, du plus récent au plus ancien), pour un lecteur de flux ou le site d'un partenaire ; mêmes règles de publication que /api/v1/lieux/changements.",
    params(contract::FluxAtom),
    responses(
        (status = 200, description = "Le flux Atom.", body = String, content_type = "application/atom+xml"),
        contract::Refused,
    )
)]
pub async fn atom(State(state): State<WebState>, RawQuery(raw): RawQuery) -> Result<Response, WebError> {
    let directory = state.directory.current();
    let mut params = Params::parse(raw.as_deref())?;
    let territory_text = params.get("territoire")?.map(str::to_owned);
    let areas = territories(&mut params, &directory)?;
    let since = match params.get("depuis")? {
        Some(text) => instant("depuis", text)?,
        None => maillage_store::now() - chrono::Duration::days(30),
    };
    params.finish()?;
    // Newest first, and at most ATOM_ENTRIES: read every change since, then keep the latest.
    let query = ChangesQuery { since, after: None, limit: usize::MAX - 1, areas, visible: directory.visibility() };
    let page = read(&state, query).await?;
    let base = state.open_data.base_url.clone().unwrap_or_default();
    let hub = state.branding.current().name.clone();
    let mut changes = page.changes;
    changes.reverse();
    changes.truncate(ATOM_ENTRIES);
    let title = match &territory_text {
        Some(text) => format!("{hub} — lieux de médiation numérique : changements ({text})"),
        None => format!("{hub} — lieux de médiation numérique : changements"),
    };
    let self_link = format!(
        "{base}/api/v1/lieux/changements.atom{}",
        territory_text
            .as_ref()
            .map(|text| format!("?territoire={}", params::percent_encode(text, b":,")))
            .unwrap_or_default()
    );
    let updated = changes.first().map(|change| change.at).unwrap_or(page.until);
    let mut xml = String::with_capacity(1024 + changes.len() * 600);
    xml.push_str(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"fr\">\n",
    );
    element(&mut xml, "title", &title);
    element(
        &mut xml,
        "id",
        &format!(
            "urn:maillage:{}:changements:{}",
            state.open_data.producer,
            territory_text.as_deref().unwrap_or("tout")
        ),
    );
    element(&mut xml, "updated", &rfc3339(updated));
    xml.push_str(&format!("<link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n", escape(&self_link)));
    xml.push_str(&format!("<author><name>{}</name></author>\n", escape(&hub)));
    for change in &changes {
        xml.push_str("<entry>\n");
        let (title, summary) = match (&change.kind, &change.place) {
            (ChangeKind::Withdrawn, _) => match &change.merged_into {
                Some(into) => ("Lieu fusionné".to_owned(), format!("Lieu fusionné dans le lieu {into}.")),
                None => ("Lieu retiré".to_owned(), "Ce lieu n'est plus publié.".to_owned()),
            },
            (kind, Some(place)) => {
                let word = if *kind == ChangeKind::Created { "Nouveau lieu" } else { "Lieu modifié" };
                let record = &place.record;
                (
                    format!("{word} : {}", record.nom),
                    format!("{} — {} {}", record.adresse, record.code_postal, record.commune),
                )
            }
            (_, None) => continue,
        };
        element(&mut xml, "title", &title);
        element(&mut xml, "id", &format!("urn:maillage:lieu:{}:{}", change.id, change.at.timestamp_micros()));
        element(&mut xml, "updated", &rfc3339(change.at));
        if change.kind != ChangeKind::Withdrawn {
            xml.push_str(&format!(
                "<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
                escape(&format!("{base}/lieux/{}", change.id))
            ));
        }
        xml.push_str(&format!("<category term=\"{}\"/>\n", change.kind.as_str()));
        element(&mut xml, "summary", &summary);
        xml.push_str("</entry>\n");
    }
    xml.push_str("</feed>\n");
    Ok(([(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")], xml).into_response())
}

fn element(xml: &mut String, name: &str, text: &str) {
    xml.push_str(&format!("<{name}>{}</{name}>\n", escape(text)));
}

/// XML text and attribute escaping; control characters a file may carry are dropped (XML 1.0
/// forbids them).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}
