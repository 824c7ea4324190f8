//! The coordinators' duplicate review pages: the review queue with both records side by
//! side and every component of the score explained, the merge / distinct decisions, the
//! merged places with their members, and undoing a merge.
//!
//! Who may see and decide what (a coordinator only pairs whose every place is in its
//! territory), the conflicts (a pair decided meanwhile) and the audit entries are the use
//! cases' (`maillage_app::duplicates`); these pages only show them and translate.

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maillage_app::duplicates::{self, MergedPlace, Resolution};
use maillage_app::AppError;
use maillage_domain::{Place, PlaceRecord, Vocabulary};
use maillage_store::StoreError;
use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::extract::{App, Coordinator, CsrfForm};
use crate::pages::Layout;
use crate::render::{day, layout, message_page, render, Frame};
use crate::{WebError, WebState};

/// Pairs per page of the queue: each pair is two tables, a longer page is hard to review.
const PER_PAGE: usize = 20;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/admin/doublons", get(queue_page))
        .route("/admin/doublons/groupes", get(groups_page))
        .route("/admin/doublons/groupes/{id}/annuler", post(undo_post))
        .route("/admin/doublons/{pair}/fusionner", post(merge_post))
        .route("/admin/doublons/{pair}/distincts", post(distinct_post))
}

fn decimal(value: f64) -> String {
    format!("{value:.2}").replace('.', ",")
}

fn or_dash(text: String) -> String {
    if text.trim().is_empty() {
        "—".to_owned()
    } else {
        text
    }
}

// ---- the review queue

/// One field of the two records, side by side.
struct FieldRow {
    label: &'static str,
    a: String,
    b: String,
    differs: bool,
}

/// One component of the score: its value and the use case's explanation.
struct ComponentRow {
    label: &'static str,
    value: String,
    explanation: String,
}

struct PairView {
    id: String,
    score: String,
    veto: Option<String>,
    found: String,
    linked: usize,
    a_title: String,
    b_title: String,
    fields: Vec<FieldRow>,
    components: Vec<ComponentRow>,
}

#[derive(Template)]
#[template(path = "admin/doublons.html")]
struct QueuePage {
    layout: Layout,
    frame: Option<Frame>,
    pairs: Vec<PairView>,
    total: usize,
    page: usize,
    pages: usize,
    notice: Option<&'static str>,
}

#[derive(Deserialize)]
struct PageQuery {
    /// Text, so a mistyped page number shows the first page rather than an error.
    page: Option<String>,
    /// The decision just taken, to confirm it (after the redirection back here).
    fait: Option<String>,
}

/// The fields a coordinator compares, as text.
fn field_values(place: Option<&Place>) -> Vec<(&'static str, String)> {
    let Some(place) = place else {
        return vec![("Fiche", "absente du registre".to_owned())];
    };
    let r = &place.record;
    let address = match &r.complement_adresse {
        Some(more) if !more.trim().is_empty() => format!("{}, {more}", r.adresse),
        _ => r.adresse.clone(),
    };
    vec![
        ("Nom", r.nom.clone()),
        ("Adresse", address),
        ("Commune", r.commune.clone()),
        ("Code postal", r.code_postal.clone()),
        ("Coordonnées", r.coordinates.map(|c| format!("{:.5}, {:.5}", c.latitude, c.longitude)).unwrap_or_default()),
        ("SIRET / RNA (pivot)", r.pivot.clone().unwrap_or_default()),
        ("Téléphone", r.telephone.clone().unwrap_or_default()),
        ("Courriels", r.courriels.join(", ")),
        ("Typologie", r.typologie.join(", ")),
        ("Services", r.services.iter().map(|s| s.label()).collect::<Vec<_>>().join(", ")),
        ("Source", place.source.clone()),
        ("Identifiant dans la source", place.source_id.clone()),
        ("Date de mise à jour", r.date_maj.map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_default()),
    ]
}

/// Rows never highlighted as differences.
const UNMARKED: [&str; 3] = ["Coordonnées", "Source", "Identifiant dans la source"];

fn side_by_side(a: Option<&Place>, b: Option<&Place>) -> Vec<FieldRow> {
    let (left, right) = (field_values(a), field_values(b));
    if left.len() != right.len() {
        // One record is missing: no field-by-field comparison to make.
        let text = |values: &[(&'static str, String)]| {
            values.iter().map(|(label, value)| format!("{label} : {value}")).collect::<Vec<_>>().join(" ; ")
        };
        return vec![FieldRow { label: "Fiche", a: text(&left), b: text(&right), differs: true }];
    }
    left.into_iter()
        .zip(right)
        .map(|((label, a), (_, b))| {
            // Case and spacing differences are not what a coordinator is looking for; the
            // records' provenance always differs and the coordinates' gap is the distance
            // component, so marking them would only hide the differences that matter.
            let differs = !UNMARKED.contains(&label) && a.trim().to_lowercase() != b.trim().to_lowercase();
            FieldRow { label, a: or_dash(a), b: or_dash(b), differs }
        })
        .collect()
}

/// The explanation line the use case wrote for a component; the lines have a fixed wording
/// per component ("noms proches (0,93)", "à 12 m", "même SIRET"…).
fn line(lines: &[String], matches: impl Fn(&str) -> bool) -> Option<&String> {
    lines.iter().find(|line| matches(line))
}

fn is_identifier_line(line: &str) -> bool {
    ["SIRET", "SIREN", "RNA", "identifiant"].iter().any(|kind| line.contains(kind))
}

/// Every component of the stored score with its value, each next to its explanation.
fn component_rows(pair: &maillage_store::DuplicatePair, lines: &[String]) -> Vec<ComponentRow> {
    let Some(score) = duplicates::stored_score(pair) else {
        return lines
            .iter()
            .map(|line| ComponentRow { label: "Élément", value: String::new(), explanation: line.clone() })
            .collect();
    };
    let c = &score.components;
    let explained = |matches: &dyn Fn(&str) -> bool, fallback: &str| {
        line(lines, matches).cloned().unwrap_or_else(|| fallback.to_owned())
    };
    let compared = |compared: bool, same: bool| match (compared, same) {
        (false, _) => "non comparé".to_owned(),
        (true, true) => "identique".to_owned(),
        (true, false) => "différent".to_owned(),
    };
    let families = format!(
        "{} / {}",
        c.families.0.map(|f| f.label()).unwrap_or("?"),
        c.families.1.map(|f| f.label()).unwrap_or("?")
    );
    vec![
        ComponentRow { label: "Nom", value: decimal(c.name), explanation: explained(&|l| l.starts_with("noms"), "") },
        ComponentRow {
            label: "Adresse",
            value: c.address.map(decimal).unwrap_or_else(|| "—".to_owned()),
            explanation: explained(&|l| l.contains("adresse"), ""),
        },
        ComponentRow {
            label: "Distance",
            value: c.distance_m.map(|d| format!("{} m", d.round() as i64)).unwrap_or_else(|| "—".to_owned()),
            explanation: explained(&|l| l.starts_with("à ") || l.starts_with("distance"), ""),
        },
        ComponentRow {
            label: "Identifiant (SIRET / RNA)",
            value: match c.same_identifier {
                Some(true) => "identique".to_owned(),
                Some(false) => "différent".to_owned(),
                None => "non comparé".to_owned(),
            },
            explanation: explained(
                &|l| !l.starts_with("veto") && is_identifier_line(l),
                "pas d'identifiant réel des deux côtés",
            ),
        },
        ComponentRow {
            label: "Typologie",
            value: families,
            explanation: explained(&|l| !l.starts_with("veto") && l.contains("typologie"), "typologie inconnue"),
        },
        ComponentRow {
            label: "Téléphone",
            value: compared(c.phones_compared, c.phone_match),
            explanation: explained(&|l| l.contains("téléphone"), "pas de téléphone des deux côtés"),
        },
        ComponentRow {
            label: "Courriels",
            value: compared(c.emails_compared, c.email_match),
            explanation: explained(&|l| l.starts_with("courriel"), "pas de courriel des deux côtés"),
        },
    ]
}

fn title(place: Option<&Place>, key: &maillage_store::PlaceKey) -> String {
    match place {
        Some(place) => format!("{} ({key})", place.record.nom),
        None => format!("{key} (absente du registre)"),
    }
}

async fn queue_page(user: Coordinator, app: App, Query(query): Query<PageQuery>) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let items = app.run(move |ctx| duplicates::review_queue(ctx, &actor)).await?;
    let total = items.len();
    let pages = total.div_ceil(PER_PAGE).max(1);
    let page = query.page.and_then(|page| page.parse::<usize>().ok()).unwrap_or(1).clamp(1, pages);
    let pairs = items
        .into_iter()
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
        .map(|item| {
            let veto = item.explanation.iter().find(|line| line.starts_with("veto")).cloned();
            PairView {
                id: item.pair.id.clone(),
                score: decimal(item.pair.score),
                veto,
                found: day(&item.pair.found_at),
                linked: item.linked,
                a_title: title(item.a.as_ref(), &item.pair.a),
                b_title: title(item.b.as_ref(), &item.pair.b),
                fields: side_by_side(item.a.as_ref(), item.b.as_ref()),
                components: component_rows(&item.pair, &item.explanation),
            }
        })
        .collect();
    let notice = match query.fait.as_deref() {
        Some("fusionnes") => Some("Les deux fiches sont fusionnées : le lieu fusionné est publié à leur place."),
        Some("distincts") => Some("Les deux fiches sont déclarées distinctes : cette paire ne sera plus proposée."),
        _ => None,
    };
    Ok(render(
        StatusCode::OK,
        &QueuePage {
            layout: layout("Doublons à examiner"),
            frame: Frame::of(&user),
            pairs,
            total,
            page,
            pages,
            notice,
        },
    ))
}

// ---- decisions

/// A use case's refusal; a decision taken meanwhile is said as such, not as bad input: the
/// page was right when it was shown.
fn refusal(err: AppError) -> WebError {
    match err {
        AppError::Store(StoreError::Conflict(message)) => {
            let mut error = WebError::from(StoreError::Conflict(String::new())).titled("Déjà décidé");
            error.message = format!("Conflit : {message}. Rien n'a été changé.");
            error
        }
        other => other.into(),
    }
}

async fn decision(user: Coordinator, app: App, pair: String, resolution: Resolution) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    app.run(move |ctx| duplicates::resolve(ctx, &actor, &pair, resolution)).await.map_err(refusal)?;
    // Back to the queue: the next pair is what a coordinator wants to see.
    let done = match resolution {
        Resolution::Merge => "fusionnes",
        Resolution::Distinct => "distincts",
    };
    Ok(Redirect::to(&format!("/admin/doublons?fait={done}")).into_response())
}

async fn merge_post(
    user: Coordinator,
    app: App,
    Path(pair): Path<String>,
    _: CsrfForm<IgnoredAny>,
) -> Result<Response, WebError> {
    decision(user, app, pair, Resolution::Merge).await
}

async fn distinct_post(
    user: Coordinator,
    app: App,
    Path(pair): Path<String>,
    _: CsrfForm<IgnoredAny>,
) -> Result<Response, WebError> {
    decision(user, app, pair, Resolution::Distinct).await
}

// ---- merged places

struct MemberView {
    source: String,
    source_id: String,
    name: String,
    commune: String,
}

struct GroupView {
    id: String,
    members: Vec<MemberView>,
    published: Vec<(&'static str, String)>,
    name: String,
    reason: String,
    decided_by: String,
    created: String,
}

#[derive(Template)]
#[template(path = "admin/doublons_groupes.html")]
struct GroupsPage {
    layout: Layout,
    frame: Option<Frame>,
    groups: Vec<GroupView>,
}

fn published_fields(record: &PlaceRecord) -> Vec<(&'static str, String)> {
    vec![
        ("Nom", record.nom.clone()),
        ("Adresse", record.adresse.clone()),
        ("Commune", record.commune.clone()),
        ("Code postal", record.code_postal.clone()),
        ("SIRET / RNA (pivot)", record.pivot.clone().unwrap_or_default()),
        ("Téléphone", record.telephone.clone().unwrap_or_default()),
        ("Courriels", record.courriels.join(", ")),
        ("Typologie", record.typologie.join(", ")),
        ("Services", record.services.iter().map(|s| s.label()).collect::<Vec<_>>().join(", ")),
    ]
    .into_iter()
    .map(|(label, value)| (label, or_dash(value)))
    .collect()
}

async fn groups_page(user: Coordinator, app: App) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let merged = app.run(move |ctx| duplicates::merged_places(ctx, &actor)).await?;
    let mut groups: Vec<GroupView> = merged.into_iter().map(group_view).collect();
    groups.sort_by(|x, y| x.name.cmp(&y.name).then_with(|| x.id.cmp(&y.id)));
    Ok(render(StatusCode::OK, &GroupsPage { layout: layout("Lieux fusionnés"), frame: Frame::of(&user), groups }))
}

fn group_view(merged: MergedPlace) -> GroupView {
    let MergedPlace { group, members, published } = merged;
    GroupView {
        name: published.nom.clone(),
        published: published_fields(&published),
        members: members
            .into_iter()
            .map(|(key, place)| MemberView {
                name: place.as_ref().map(|p| p.record.nom.clone()).unwrap_or_else(|| "—".to_owned()),
                commune: place.as_ref().map(|p| p.record.commune.clone()).unwrap_or_else(|| "—".to_owned()),
                source: key.source,
                source_id: key.source_id,
            })
            .collect(),
        // The reason of a person's merge already names them.
        decided_by: if group.reason.contains(&group.decided_by) { String::new() } else { group.decided_by },
        reason: group.reason,
        created: day(&group.created_at),
        id: group.id,
    }
}

async fn undo_post(
    user: Coordinator,
    app: App,
    Path(id): Path<String>,
    _: CsrfForm<IgnoredAny>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let keys = app.run(move |ctx| duplicates::undo(ctx, &actor, &id)).await.map_err(refusal)?;
    let message = format!("Fusion défaite : {} fiches de nouveau publiées séparément.", keys.len());
    Ok(message_page(StatusCode::OK, Frame::of(&user), "Fusion défaite", &message))
}
