//! The monographs of the bassins de vie: the list of the actor's bassins, a bassin's monograph
//! as it would be published now with its written sections edited in plain textareas
//! (Markdown previewed on the server), publishing an edition, reading and comparing editions,
//! the figures as an ODS workbook, and the public page of the last edition when the hub shows
//! editions to the public (`/territoires/bassin/{nom}/monographie`).

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maillage_app::monographie::figures::format_value;
use maillage_app::monographie::map::{bassin_map, priority_map};
use maillage_app::monographie::markdown::to_html;
use maillage_app::monographie::{self, FigureChange, Monograph, Unit, SECTIONS};
use maillage_store::MonographEdition;
use serde::Deserialize;

use super::now;
use crate::extract::{Administrator, App, Coordinator, CsrfForm, Visitor};
use crate::pages::Layout;
use crate::render::{attachment, day, layout, render, Frame, ODS};
use crate::{WebError, WebState};

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/admin/monographies", get(list_page))
        .route("/admin/monographies/generer", post(publish_all_post))
        .route("/admin/monographies/visibilite", post(visibility_post))
        .route("/admin/monographies/editions/{id}", get(edition_page))
        .route("/admin/monographies/editions/{id}/chiffres.ods", get(edition_ods))
        .route("/admin/monographies/editions/{id}/{file}", get(edition_document))
        .route("/admin/monographies/bassin/{bassin}", get(bassin_page))
        .route("/admin/monographies/bassin/{bassin}/sections/{section}", post(section_post))
        .route("/admin/monographies/bassin/{bassin}/publier", post(publish_post))
        .route("/admin/monographies/bassin/{bassin}/comparer", get(compare_page))
        .route("/territoires/bassin/{bassin}/monographie", get(public_page))
        .route("/territoires/bassin/{bassin}/monographie/{file}", get(public_document))
}

fn number(value: f64, unit: Unit) -> String {
    format_value(value, unit)
}

fn people(value: u64) -> String {
    format_value(value as f64, Unit::People)
}

struct IndicatorView {
    name: String,
    description: String,
    per_epci: Vec<(String, String)>,
    bassin: String,
    region: String,
    source: String,
}

struct PriorityView {
    name: String,
    population: String,
    distance: String,
    nearest: String,
    score: String,
    parts: String,
}

struct SectionView {
    key: String,
    title: String,
    text: String,
    /// Under the bassin page's level-3 section titles.
    html: String,
    /// Under an edition's level-2 section titles.
    html_edition: String,
    version: u32,
    saved: String,
    /// Set when this section is shown with a preview of unsaved text.
    preview: bool,
}

/// A monograph ready for the templates: every figure already in French notation.
struct MonographView {
    bassin: String,
    departement: String,
    generated: String,
    population: String,
    area: String,
    density: String,
    communes: usize,
    epci: Vec<(String, usize, String, String)>,
    territory_sources: String,
    map: Option<String>,
    priority_map: Option<String>,
    ifn: Option<IndicatorView>,
    indicators: Vec<IndicatorView>,
    places: usize,
    itinerant: usize,
    without_hours: usize,
    by_day: Vec<(String, usize)>,
    by_type: Vec<(String, usize)>,
    by_service: Vec<(String, usize)>,
    freshness: Vec<(String, usize)>,
    updates: String,
    offer_sources: String,
    beyond: Vec<(String, String)>,
    communes_without_place: usize,
    priorities: Vec<PriorityView>,
    formula: String,
    coverage_sources: String,
    dynamics: Vec<maillage_app::monographie::generate::Dynamic>,
    sections: Vec<SectionView>,
}

fn sources_text(sources: &[maillage_app::monographie::generate::SourceNote]) -> String {
    sources
        .iter()
        .map(|s| match s.date {
            Some(date) => format!("{} ({})", s.label, day(&date)),
            None => s.label.clone(),
        })
        .collect::<Vec<_>>()
        .join(" ; ")
}

fn indicator_view(figures: &maillage_app::monographie::generate::IndicatorFigures) -> IndicatorView {
    let value = |v: Option<f64>| v.map(|v| number(v, Unit::Index)).unwrap_or_else(|| "inconnu".to_owned());
    IndicatorView {
        name: figures.name.clone(),
        description: figures.description.clone(),
        per_epci: figures.per_epci.iter().map(|(_, name, v)| (name.clone(), number(*v, Unit::Index))).collect(),
        bassin: value(figures.bassin),
        region: format!("{} ({})", value(figures.region), figures.region_name),
        source: sources_text(std::slice::from_ref(&figures.source)),
    }
}

fn view(monograph: &Monograph, territory: &maillage_territory::Territory) -> MonographView {
    let g = &monograph.generated;
    let t = &g.territoire;
    let o = &g.offre;
    let c = &g.couverture;
    MonographView {
        bassin: g.bassin.clone(),
        departement: t.departement.clone(),
        generated: day(&g.generated_at),
        population: people(t.population),
        area: number(t.area_km2, Unit::Km2),
        density: number(t.density, Unit::Density),
        communes: t.communes.len(),
        epci: t
            .epci
            .iter()
            .map(|e| (e.name.clone(), e.communes, people(e.population), number(e.area_km2, Unit::Km2)))
            .collect(),
        territory_sources: sources_text(&t.sources),
        map: bassin_map(territory, g),
        priority_map: priority_map(territory, g),
        ifn: g.fragilite.ifn.as_ref().map(indicator_view),
        indicators: g.fragilite.others.iter().map(indicator_view).collect(),
        places: o.places,
        itinerant: o.itinerant,
        without_hours: o.without_hours,
        by_day: o.by_day.clone(),
        by_type: o.by_type.clone(),
        by_service: o.by_service.clone(),
        freshness: o.freshness.clone(),
        updates: match (o.oldest_update, o.latest_update) {
            (Some(a), Some(b)) => format!("du {} au {}", a.format("%d/%m/%Y"), b.format("%d/%m/%Y")),
            _ => "aucune".to_owned(),
        },
        offer_sources: sources_text(&o.sources),
        beyond: c.beyond.iter().map(|(km, n)| (format!("{km}"), people(*n))).collect(),
        communes_without_place: c.communes_without_place,
        priorities: c
            .priorities
            .iter()
            .map(|p| PriorityView {
                name: p.name.clone(),
                population: people(p.population),
                distance: p.distance_km.map(|d| format!("{} km", number(d, Unit::Index))).unwrap_or_else(|| "—".into()),
                nearest: p.nearest.clone().unwrap_or_default(),
                score: number(p.score, Unit::Score),
                parts: format!(
                    "distance {} + fragilité {} + population {}",
                    number(p.part_distance, Unit::Score),
                    p.part_fragilite.map(|f| number(f, Unit::Score)).unwrap_or_else(|| "inconnue".into()),
                    number(p.part_population, Unit::Score)
                ),
            })
            .collect(),
        formula: c.formula.clone(),
        coverage_sources: sources_text(&c.sources),
        dynamics: vec![
            g.acteurs.directory.clone(),
            g.acteurs.meetings.clone(),
            g.acteurs.projects.clone(),
            g.acteurs.events.clone(),
        ],
        sections: monograph
            .sections
            .iter()
            .map(|s| SectionView {
                key: s.key.clone(),
                title: s.title.clone(),
                html: to_html(&s.text, 3),
                html_edition: to_html(&s.text, 2),
                text: s.text.clone(),
                version: s.version,
                saved: s.saved_at.map(|d| day(&d)).unwrap_or_default(),
                preview: false,
            })
            .collect(),
    }
}

struct EditionLine {
    id: String,
    number: u32,
    published: String,
}

fn edition_line(edition: &MonographEdition) -> EditionLine {
    EditionLine { id: edition.id.clone(), number: edition.number, published: day(&edition.published_at) }
}

// ---- the list

struct BassinLine {
    name: String,
    departement: String,
    editions: usize,
    last: String,
}

#[derive(Template)]
#[template(path = "admin/monographies.html")]
struct ListPage {
    layout: Layout,
    frame: Option<Frame>,
    bassins: Vec<BassinLine>,
    public: bool,
}

async fn list_page(user: Coordinator, app: App) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let (bassins, public) =
        app.run(move |ctx| Ok((monographie::bassins(ctx, &actor)?, monographie::public_editions(ctx)?))).await?;
    let bassins = bassins
        .into_iter()
        .map(|b| BassinLine {
            name: b.name,
            departement: b.departement,
            editions: b.editions,
            last: b.last_published.map(|d| day(&d)).unwrap_or_else(|| "jamais".to_owned()),
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &ListPage { layout: layout("Monographies des bassins de vie"), frame: Frame::of(&user), bassins, public },
    ))
}

async fn publish_all_post(
    user: Administrator,
    app: App,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let territory = app.state.territory.clone();
    app.run(move |ctx| monographie::publish_all(ctx, &actor, &territory, now())).await?;
    Ok(Redirect::to("/admin/monographies").into_response())
}

#[derive(Deserialize)]
struct Visibility {
    #[serde(default)]
    public: String,
}

async fn visibility_post(
    user: Administrator,
    app: App,
    CsrfForm(form): CsrfForm<Visibility>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let public = form.public == "oui";
    app.run(move |ctx| monographie::set_public_editions(ctx, &actor, public, now())).await?;
    Ok(Redirect::to("/admin/monographies").into_response())
}

// ---- a bassin

#[derive(Template)]
#[template(path = "admin/monographie.html")]
struct BassinPage {
    layout: Layout,
    frame: Option<Frame>,
    m: MonographView,
    history: Vec<(String, u32, String)>,
    editions: Vec<EditionLine>,
    error: Option<String>,
}

async fn bassin_response(
    user: &Coordinator,
    app: &App,
    bassin: String,
    preview: Option<(String, String)>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let territory = app.state.territory.clone();
    let for_draft = territory.clone();
    let draft = app.run(move |ctx| monographie::draft(ctx, &actor, &for_draft, &bassin, now())).await?;
    let mut m = view(&draft.monograph, &territory);
    if let Some((key, text)) = preview {
        if let Some(section) = m.sections.iter_mut().find(|s| s.key == key) {
            section.html = to_html(&text, 3);
            section.text = text;
            section.preview = true;
        }
    }
    let title_of = |key: &str| SECTIONS.iter().find(|(k, _)| *k == key).map(|(_, t)| *t).unwrap_or("?").to_owned();
    let history = draft.history.iter().map(|t| (title_of(&t.section), t.version, day(&t.saved_at))).collect();
    let editions = draft.editions.iter().rev().map(edition_line).collect();
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok(render(
        status,
        &BassinPage {
            layout: layout(&format!("Monographie du bassin de {}", m.bassin)),
            frame: Frame::of(user),
            m,
            history,
            editions,
            error,
        },
    ))
}

async fn bassin_page(user: Coordinator, app: App, Path(bassin): Path<String>) -> Result<Response, WebError> {
    bassin_response(&user, &app, bassin, None, None).await
}

#[derive(Deserialize)]
struct SectionForm {
    #[serde(default)]
    texte: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    action: String,
}

async fn section_post(
    user: Coordinator,
    app: App,
    Path((bassin, section)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<SectionForm>,
) -> Result<Response, WebError> {
    if !SECTIONS.iter().any(|(key, _)| *key == section) {
        return Err(WebError::from(maillage_app::AppError::Invalid(vec![maillage_app::FieldError::new(
            "section",
            format!("section inconnue « {section} »"),
        )])));
    }
    let Ok(expected) = form.version.trim().parse::<u32>() else {
        let message = "version : un nombre entier est attendu (rechargez la page)".to_owned();
        return bassin_response(&user, &app, bassin, Some((section, form.texte)), Some(message)).await;
    };
    if form.action == "apercu" {
        return bassin_response(&user, &app, bassin, Some((section, form.texte)), None).await;
    }
    let actor = user.actor.clone();
    let (b, s, text) = (bassin.clone(), section.clone(), form.texte.clone());
    match app.run(move |ctx| monographie::save_section(ctx, &actor, &b, &s, &text, expected, now())).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/admin/monographies/bassin/{}#section-{section}", encode(&bassin)))
                .into_response())
        }
        Err(maillage_app::AppError::Invalid(errors)) => {
            let message = errors.iter().map(|e| format!("{} : {}", e.field, e.message)).collect::<Vec<_>>().join(" ; ");
            bassin_response(&user, &app, bassin, Some((section, form.texte)), Some(message)).await
        }
        Err(err) => Err(err.into()),
    }
}

fn encode(text: &str) -> String {
    crate::query::percent_encode(text, b"")
}

async fn publish_post(
    user: Coordinator,
    app: App,
    Path(bassin): Path<String>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let territory = app.state.territory.clone();
    let edition = app.run(move |ctx| monographie::publish(ctx, &actor, &territory, &bassin, now())).await?;
    Ok(Redirect::to(&format!("/admin/monographies/editions/{}", edition.id)).into_response())
}

// ---- editions

#[derive(Template)]
#[template(path = "admin/monographie_edition.html")]
struct EditionPage {
    layout: Layout,
    frame: Option<Frame>,
    m: MonographView,
    edition: EditionLine,
    /// The team's links (the ODS, the bassin's page); none on the public page.
    team: bool,
}

async fn edition_page(user: Coordinator, app: App, Path(id): Path<String>) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let (edition, monograph) = app.run(move |ctx| monographie::edition(ctx, &actor, &id)).await?;
    let m = view(&monograph, &app.state.territory);
    Ok(render(
        StatusCode::OK,
        &EditionPage {
            layout: layout(&format!("Monographie du bassin de {}, édition {}", m.bassin, edition.number)),
            frame: Frame::of(&user),
            m,
            edition: edition_line(&edition),
            team: true,
        },
    ))
}

async fn public_page(visitor: Visitor, app: App, Path(bassin): Path<String>) -> Result<Response, WebError> {
    let found = app.run(move |ctx| monographie::latest_public(ctx, &bassin)).await?;
    let Some((edition, monograph)) = found else {
        return Err(WebError::from(maillage_app::AppError::Store(maillage_store::StoreError::NotFound(
            "monographie publiée".to_owned(),
        ))));
    };
    let m = view(&monograph, &app.state.territory);
    Ok(render(
        StatusCode::OK,
        &EditionPage {
            layout: layout(&format!("Monographie du bassin de vie de {}", m.bassin)),
            frame: Frame::of(&visitor),
            m,
            edition: edition_line(&edition),
            team: false,
        },
    ))
}

async fn edition_ods(user: Coordinator, app: App, Path(id): Path<String>) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let (edition, monograph) = app.run(move |ctx| monographie::edition(ctx, &actor, &id)).await?;
    let bytes = maillage_app::monographie::ods::workbook(&monograph, &edition)?;
    let name = format!("monographie-{}-edition-{}.ods", encode(&edition.bassin), edition.number);
    Ok(attachment(ODS, &name, bytes))
}

/// The documents of an edition: (file name, media type, writer).
type Writer = fn(&Monograph, &MonographEdition, &maillage_territory::Territory) -> maillage_app::AppResult<Vec<u8>>;

fn document_kind(file: &str) -> Option<(&'static str, &'static str, Writer)> {
    use maillage_app::monographie::document::{odt, pdf};
    match file {
        "monographie.pdf" => Some(("pdf", "application/pdf", pdf)),
        "monographie.odt" => Some(("odt", "application/vnd.oasis.opendocument.text", odt)),
        _ => None,
    }
}

/// The edition written as the asked document, in the app's blocking pool.
async fn document_response(
    app: &App,
    file: &str,
    find: impl FnOnce(&maillage_app::context::Context<'_>) -> maillage_app::AppResult<(MonographEdition, Monograph)>
        + Send
        + 'static,
) -> Result<Response, WebError> {
    let Some((extension, media, write)) = document_kind(file) else {
        return Err(WebError::from(maillage_app::AppError::Store(maillage_store::StoreError::NotFound(format!(
            "document « {file} »"
        )))));
    };
    let territory = app.state.territory.clone();
    let (edition, bytes) = app
        .run(move |ctx| {
            let (edition, monograph) = find(ctx)?;
            let bytes = write(&monograph, &edition, &territory)?;
            Ok((edition, bytes))
        })
        .await?;
    let name = format!("monographie-{}-edition-{}.{extension}", encode(&edition.bassin), edition.number);
    Ok(attachment(media, &name, bytes))
}

async fn edition_document(
    user: Coordinator,
    app: App,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    document_response(&app, &file, move |ctx| monographie::edition(ctx, &actor, &id)).await
}

/// The last published edition's document, when the hub shows editions to the public.
async fn public_document(
    _: Visitor,
    app: App,
    Path((bassin, file)): Path<(String, String)>,
) -> Result<Response, WebError> {
    document_response(&app, &file, move |ctx| {
        monographie::latest_public(ctx, &bassin)?.ok_or_else(|| {
            maillage_app::AppError::Store(maillage_store::StoreError::NotFound("monographie publiée".to_owned()))
        })
    })
    .await
}

#[derive(Deserialize)]
struct CompareQuery {
    #[serde(default)]
    avant: String,
    #[serde(default)]
    apres: String,
}

struct ChangeView {
    section: &'static str,
    label: String,
    text: String,
    changed: bool,
}

#[derive(Template)]
#[template(path = "admin/monographie_comparaison.html")]
struct ComparePage {
    layout: Layout,
    frame: Option<Frame>,
    bassin: String,
    before: EditionLine,
    after: EditionLine,
    changes: Vec<ChangeView>,
    changed: usize,
}

async fn compare_page(
    user: Coordinator,
    app: App,
    Path(bassin): Path<String>,
    Query(query): Query<CompareQuery>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let (a, b, changes) =
        app.run(move |ctx| monographie::compare_editions(ctx, &actor, &query.avant, &query.apres)).await?;
    if a.bassin != bassin {
        return Err(WebError::from(maillage_app::AppError::Store(maillage_store::StoreError::NotFound(format!(
            "édition du bassin {bassin}"
        )))));
    }
    let changes: Vec<ChangeView> = changes
        .iter()
        .map(|c: &FigureChange| ChangeView {
            section: c.section,
            label: c.label.clone(),
            text: c.text(),
            changed: c.changed(),
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &ComparePage {
            layout: layout(&format!("Comparer deux éditions, bassin de {bassin}")),
            frame: Frame::of(&user),
            changed: changes.iter().filter(|c| c.changed).count(),
            bassin,
            before: edition_line(&a),
            after: edition_line(&b),
            changes,
        },
    ))
}
