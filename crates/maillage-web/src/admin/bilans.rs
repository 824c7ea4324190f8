//! Dashboards and bilans of the activity log: figures per département, bassin, région, team
//! member or the whole hub and any period, compared with the period before, with charts drawn
//! on the server (each beside the table of its values); the bilan of a département or of the
//! hub as a printable page, a PDF and an ODS workbook, all three built from one report so
//! they say the same; its written introduction; the import of past totals.

use askama::Template;
use axum::extract::RawQuery;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{Datelike, NaiveDate};
use maillage_app::activity::bilan::{self, Bilan, BilanItem, BilanScope, Dashboard};
use maillage_app::activity::figures::{self, Figures, Period, Selector};
use maillage_app::activity::{french_day, parse_day, past};
use maillage_documents::charts::{Chart, ChartKind, Series};
use maillage_documents::report::{Block, Cell, Report, Table};
use maillage_territory::Territory;
use serde::Deserialize;

use super::{file_outcome, no_file, now};
use crate::extract::{App, Coordinator, CsrfForm, CsrfUpload};
use crate::pages::Layout;
use crate::query::Params;
use crate::render::{attachment, layout, render, Frame, CSV, ODS};
use crate::{WebError, WebState};

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/admin/activite/tableau", get(dashboard_page))
        .route("/admin/activite/bilan", get(bilan_page))
        .route("/admin/activite/bilan.pdf", get(bilan_pdf))
        .route("/admin/activite/bilan.ods", get(bilan_ods))
        .route("/admin/activite/bilan/introduction", post(introduction_post))
        .route("/admin/activite/totaux", get(past_page).post(past_post))
        .route("/admin/activite/totaux/modele.csv", get(past_template))
}

// ---- the report, in every format

/// A table as the page shows it: each cell's text and whether it is a number.
pub struct TableView {
    pub caption: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<(String, bool)>>,
}

fn table_view(table: &Table) -> TableView {
    TableView {
        caption: table.name.clone(),
        headers: table.headers.clone(),
        rows: table
            .rows
            .iter()
            .map(|row| row.iter().map(|cell| (cell.display(), matches!(cell, Cell::Number(_)))).collect())
            .collect(),
    }
}

/// A block of the page: `kind` is heading, paragraph, note, table or chart (a chart with the
/// table of its values beside it).
pub struct HtmlBlock {
    pub kind: &'static str,
    pub text: String,
    pub svg: String,
    pub table: Option<TableView>,
}

/// The report's blocks for the page: a chart takes the table that follows it.
pub fn html_blocks(report: &Report) -> Vec<HtmlBlock> {
    let mut blocks = Vec::new();
    let mut iter = report.blocks.iter().enumerate().peekable();
    let block = |kind, text: &str| HtmlBlock { kind, text: text.to_owned(), svg: String::new(), table: None };
    while let Some((index, item)) = iter.next() {
        match item {
            Block::Heading(text) => blocks.push(block("heading", text)),
            Block::Paragraph(text) => blocks.push(block("paragraph", text)),
            Block::Note(text) => blocks.push(block("note", text)),
            Block::Subheading(text) | Block::Bullet(text) => blocks.push(block("paragraph", text)),
            Block::Drawing(drawing) => blocks.push(HtmlBlock {
                svg: drawing.svg(&format!("figure-{index}"), "graphique"),
                ..block("chart", &drawing.title)
            }),
            Block::Table(table) => blocks.push(HtmlBlock { table: Some(table_view(table)), ..block("table", "") }),
            Block::Chart(chart) => {
                let table = match iter.peek() {
                    Some((_, Block::Table(table))) => {
                        let view = table_view(table);
                        iter.next();
                        Some(view)
                    }
                    _ => None,
                };
                blocks.push(HtmlBlock {
                    svg: chart.svg(&format!("graphique-{index}")),
                    table,
                    ..block("chart", &chart.title)
                })
            }
        }
    }
    blocks
}

fn percent(change: &figures::Change) -> Cell {
    match change.percent() {
        Some(value) => Cell::Text(format!(
            "{}{} %",
            if value > 0.0 { "+" } else { "" },
            maillage_documents::charts::french_number(value)
        )),
        None => Cell::Empty,
    }
}

fn period_label(period: &Period) -> String {
    format!("du {} au {}", french_day(period.start), french_day(period.end))
}

/// The figures of a dashboard as blocks: the comparison table, then two charts by month,
/// each followed by its values.
fn dashboard_blocks(dashboard: &Dashboard) -> Vec<Block> {
    let mut blocks = Vec::new();
    let rows = figures::compare(&dashboard.figures, &dashboard.previous)
        .iter()
        .map(|change| {
            vec![
                Cell::Text(change.label.to_owned()),
                Cell::Number(change.current),
                Cell::Number(change.previous),
                percent(change),
            ]
        })
        .collect();
    blocks.push(Block::Table(Table {
        name: "Chiffres de la période".to_owned(),
        headers: vec![
            "Indicateur".to_owned(),
            format!("Période ({})", period_label(&dashboard.period)),
            format!("Période précédente ({})", period_label(&dashboard.previous_period)),
            "Évolution".to_owned(),
        ],
        rows,
    }));
    blocks.push(Block::Note(
        "Acteurs touchés : chaque organisation, élu·e ou lieu rencontré compte une fois sur la période, quel que soit le nombre de rencontres (fiches fusionnées comprises) ; les personnes non nommées s'ajoutent sans dédoublonnage.".to_owned(),
    ));
    let months: Vec<String> = dashboard.monthly.iter().map(|(month, _)| figures::month_label(month)).collect();
    let series = |name: &str, value: fn(&Figures) -> f64| Series {
        name: name.to_owned(),
        values: dashboard.monthly.iter().map(|(_, f)| value(f)).collect(),
    };
    blocks.push(Block::Chart(Chart {
        title: "Réunions et RDV individuels par mois".to_owned(),
        kind: ChartKind::Bar,
        labels: months.clone(),
        series: vec![series("Réunions", |f| f.meetings.into()), series("RDV individuels", |f| f.rdv.into())],
    }));
    // A chart's values by month, as a table: the month, then one figure a column.
    let by_month = |name: &str, headers: &[&str], columns: &[fn(&Figures) -> f64]| {
        Block::Table(Table {
            name: name.to_owned(),
            headers: headers.iter().map(|header| (*header).to_owned()).collect(),
            rows: dashboard
                .monthly
                .iter()
                .map(|(month, f)| {
                    std::iter::once(Cell::Text(figures::month_label(month)))
                        .chain(columns.iter().map(|value| Cell::Number(value(f))))
                        .collect()
                })
                .collect(),
        })
    };
    blocks.push(by_month(
        "Activité par mois",
        &["Mois", "Réunions", "RDV individuels", "Comités", "Événements", "Formations", "Heures"],
        &[
            |f| f.meetings.into(),
            |f| f.rdv.into(),
            |f| f.comites.into(),
            |f| f.events.into(),
            |f| f.trainings.into(),
            Figures::hours,
        ],
    ));
    blocks.push(Block::Chart(Chart {
        title: "Acteurs touchés par mois (distincts dans le mois)".to_owned(),
        kind: ChartKind::Line,
        labels: months,
        series: vec![
            series("En réunion", |f| f.actors_in_meetings.into()),
            series("En RDV", |f| f.actors_in_rdv.into()),
        ],
    }));
    blocks.push(by_month(
        "Acteurs touchés par mois",
        &["Mois", "Acteurs touchés", "En réunion", "En RDV", "Personnes non nommées"],
        &[|f| f.actors.into(), |f| f.actors_in_meetings.into(), |f| f.actors_in_rdv.into(), |f| f.headcount.into()],
    ));
    blocks
}

fn scope_name(territory: &Territory, scope: &BilanScope) -> String {
    match scope {
        BilanScope::Hub => "le hub".to_owned(),
        BilanScope::Departement(code) => match territory.departement(code) {
            Some(departement) => format!("{} ({code})", departement.name),
            None => format!("département {code}"),
        },
    }
}

/// One figure of imported totals.
type PastFigure = fn(&maillage_store::PastFigures) -> Option<u32>;

/// A section of the bilan: its heading, then its table, or the sentence saying the period
/// has nothing of it.
fn listed(blocks: &mut Vec<Block>, (heading, empty): (&str, &str), name: &str, headers: &[&str], rows: Vec<Vec<Cell>>) {
    blocks.push(Block::Heading(heading.to_owned()));
    if rows.is_empty() {
        blocks.push(Block::Paragraph(empty.to_owned()));
    } else {
        let headers = headers.iter().map(|header| (*header).to_owned()).collect();
        blocks.push(Block::Table(Table { name: name.to_owned(), headers, rows }));
    }
}

fn optional(value: Option<u32>) -> Cell {
    value.map(|v| Cell::Number(v.into())).unwrap_or(Cell::Empty)
}

/// The bilan as one report: the page, the PDF and the workbook all come from it.
pub fn bilan_report(territory: &Territory, scope: &BilanScope, period: &Period, bilan: &Bilan) -> Report {
    let mut blocks = Vec::new();
    if let Some(introduction) = &bilan.introduction {
        blocks.push(Block::Heading("Introduction".to_owned()));
        for paragraph in introduction.text.split("\n\n").filter(|p| !p.trim().is_empty()) {
            blocks.push(Block::Paragraph(paragraph.trim().to_owned()));
        }
    }
    blocks.push(Block::Heading("Chiffres du journal d'activité".to_owned()));
    blocks.extend(dashboard_blocks(&bilan.dashboard));
    if !bilan.departements.is_empty() {
        blocks.push(Block::Table(Table {
            name: "Par département".to_owned(),
            headers: [
                "Département",
                "Réunions",
                "RDV individuels",
                "Acteurs touchés",
                "En réunion",
                "En RDV",
                "Heures",
            ]
            .map(str::to_owned)
            .to_vec(),
            rows: bilan
                .departements
                .iter()
                .map(|(code, f)| {
                    vec![
                        Cell::Text(scope_name(territory, &BilanScope::Departement(code.clone()))),
                        Cell::Number(f.meetings.into()),
                        Cell::Number(f.rdv.into()),
                        Cell::Number(f.actors.into()),
                        Cell::Number(f.actors_in_meetings.into()),
                        Cell::Number(f.actors_in_rdv.into()),
                        Cell::Number(f.hours()),
                    ]
                })
                .collect(),
        }));
    }
    // An action or an event a line: its date, kind, département and text, then `last`.
    let dated = |items: &[BilanItem], last: fn(&BilanItem) -> Cell| -> Vec<Vec<Cell>> {
        let departement = |code: &Option<String>| Cell::Text(code.clone().unwrap_or_else(|| "—".to_owned()));
        items
            .iter()
            .map(|item| {
                vec![
                    Cell::Date(item.date),
                    Cell::Text(item.kind.clone()),
                    departement(&item.departement),
                    Cell::Text(item.text.clone()),
                    last(item),
                ]
            })
            .collect()
    };
    listed(
        &mut blocks,
        ("Actions notables", "Aucune action signalée comme notable sur la période."),
        "Actions notables",
        &["Date", "Type", "Département", "Action", "Acteurs"],
        dated(&bilan.notable, |item| Cell::Text(item.actors.join(", "))),
    );
    listed(
        &mut blocks,
        ("Événements (co)organisés", "Aucun événement noté sur la période."),
        "Événements",
        &["Date", "Type", "Département", "Intitulé", "Participants"],
        dated(&bilan.events, |item| Cell::Number(item.participants.into())),
    );
    listed(
        &mut blocks,
        ("Partenariats", "Aucun partenariat noté sur la période."),
        "Partenariats",
        &["Date", "Statut", "Nature", "Partenaires", "Montant (€)"],
        bilan
            .partnerships
            .iter()
            .map(|item| {
                vec![
                    Cell::Date(item.date),
                    Cell::Text(item.status.clone().unwrap_or_default()),
                    Cell::Text(item.text.clone()),
                    Cell::Text(item.actors.join(", ")),
                    item.amount_cents.map(|c| Cell::Euros(c as f64 / 100.0)).unwrap_or(Cell::Empty),
                ]
            })
            .collect(),
    );
    if !bilan.past.is_empty() {
        blocks.push(Block::Heading("Chiffres passés importés".to_owned()));
        blocks.push(Block::Note(
            "Totaux importés tels que le hub les a tenus avant le journal d'activité (tableurs, rapports) : ils ne sont pas recalculés, ne sont pas dédoublonnés et ne s'ajoutent pas aux chiffres ci-dessus.".to_owned(),
        ));
        // One column per imported period (a bilan has one or a few), one row per figure, so the
        // table stays readable on a page; each source's words follow as notes.
        let label = |row: &maillage_store::PastTotals| {
            let place = if row.departement == past::HUB {
                "Hub".to_owned()
            } else {
                scope_name(territory, &BilanScope::Departement(row.departement.clone()))
            };
            format!("{place}, {}", period_label(&Period { start: row.start, end: row.end }))
        };
        let mut headers = vec!["Indicateur".to_owned()];
        headers.extend(bilan.past.iter().map(label));
        let figure_rows: [(&str, PastFigure); 10] = [
            ("Réunions", |f| f.meetings),
            ("RDV individuels", |f| f.rdv),
            ("Comités", |f| f.comites),
            ("Événements", |f| f.events),
            ("Participants", |f| f.participants),
            ("Formations", |f| f.trainings),
            ("Partenariats", |f| f.partnerships),
            ("Acteurs en réunion", |f| f.actors_in_meetings),
            ("Acteurs en RDV", |f| f.actors_in_rdv),
            ("Heures", |f| f.hours),
        ];
        let mut rows = vec![
            std::iter::once(Cell::Text("Début".to_owned()))
                .chain(bilan.past.iter().map(|row| Cell::Date(row.start)))
                .collect(),
            std::iter::once(Cell::Text("Fin".to_owned()))
                .chain(bilan.past.iter().map(|row| Cell::Date(row.end)))
                .collect(),
        ];
        for (name, value) in figure_rows {
            rows.push(
                std::iter::once(Cell::Text(name.to_owned()))
                    .chain(bilan.past.iter().map(|row| optional(value(&row.figures))))
                    .collect(),
            );
        }
        blocks.push(Block::Table(Table { name: "Chiffres importés".to_owned(), headers, rows }));
        for row in &bilan.past {
            if !row.note.is_empty() {
                blocks.push(Block::Note(format!("Source ({}) : {}", label(row), row.note)));
            }
        }
    }
    Report {
        title: format!("Bilan d'activité : {}", scope_name(territory, scope)),
        subtitle: format!("Période {}", period_label(period)),
        blocks,
    }
}

/// Tables as an ODS workbook, one sheet each, French number and date formats.
pub fn ods_of(tables: &[Table]) -> Result<Vec<u8>, WebError> {
    maillage_documents::report::workbook(tables).to_bytes().map_err(WebError::internal)
}

// ---- reading a request

fn year_of_today() -> Period {
    let today = maillage_domain::hours::paris_local(now()).date();
    Period::year(today.year()).unwrap_or(Period { start: today, end: today })
}

fn read_period(params: &mut Params) -> Result<Period, WebError> {
    let mut day = |name: &'static str| -> Result<Option<NaiveDate>, WebError> {
        params
            .get(name)?
            .map(|text| {
                parse_day(text).ok_or_else(|| WebError::bad_parameter(name, "date attendue au format AAAA-MM-JJ"))
            })
            .transpose()
    };
    let (start, end) = (day("du")?, day("au")?);
    let default = year_of_today();
    Period::new(start.unwrap_or(default.start), end.unwrap_or(default.end))
        .ok_or_else(|| WebError::bad_parameter("au", "la fin de la période précède son début"))
}

fn first_departement(user: &Coordinator) -> Option<String> {
    match user.user().map(|u| &u.role) {
        Some(maillage_store::Role::Coordinateur { departements, .. }) => departements.first().cloned(),
        _ => None,
    }
}

/// A selector's query-string form (`niveau`, `code`).
fn selector_query(selector: &Selector) -> (&'static str, String) {
    match selector {
        Selector::Hub => ("hub", String::new()),
        Selector::Departement(code) => ("departement", code.clone()),
        Selector::Bassin(name) => ("bassin", name.clone()),
        Selector::Region(code) => ("region", code.clone()),
        Selector::Member(id) => ("membre", id.clone()),
    }
}

fn read_selector(params: &mut Params, user: &Coordinator) -> Result<Selector, WebError> {
    let level = params.get("niveau")?.map(str::to_owned);
    let code = params.get("code")?.map(str::to_owned);
    let needs = |code: Option<String>| {
        code.ok_or_else(|| WebError::bad_parameter("code", "indiquez le code ou le nom du territoire"))
    };
    Ok(match level.as_deref() {
        None => match first_departement(user) {
            Some(code) => Selector::Departement(code),
            None => Selector::Hub,
        },
        Some("hub") => Selector::Hub,
        Some("departement") => Selector::Departement(needs(code)?.to_uppercase()),
        Some("bassin") => Selector::Bassin(needs(code)?),
        Some("region") => Selector::Region(needs(code)?),
        Some("membre") => Selector::Member(code.or_else(|| user.actor.id().map(str::to_owned)).unwrap_or_default()),
        Some(_) => return Err(WebError::bad_parameter("niveau", "hub, departement, bassin, region ou membre attendu")),
    })
}

// ---- dashboard

#[derive(Template)]
#[template(path = "admin/activite_tableau.html")]
struct DashboardPage {
    layout: Layout,
    frame: Option<Frame>,
    heading: String,
    level: &'static str,
    code: String,
    from: String,
    to: String,
    blocks: Vec<HtmlBlock>,
}

fn selector_name(territory: &Territory, selector: &Selector, own: bool) -> String {
    match selector {
        Selector::Hub => "tout le hub".to_owned(),
        Selector::Departement(code) => scope_name(territory, &BilanScope::Departement(code.clone())),
        Selector::Bassin(name) => format!("bassin de vie {name}"),
        Selector::Region(code) => {
            territory.region(code).map(|r| r.name.clone()).unwrap_or_else(|| format!("région {code}"))
        }
        Selector::Member(_) if own => "vos entrées".to_owned(),
        Selector::Member(id) => format!("les entrées du compte {id}"),
    }
}

async fn dashboard_page(user: Coordinator, app: App, RawQuery(raw): RawQuery) -> Result<Response, WebError> {
    let mut params = Params::parse(raw.as_deref())?;
    let selector = read_selector(&mut params, &user)?;
    let period = read_period(&mut params)?;
    let actor = user.actor.clone();
    let chosen = selector.clone();
    let dashboard = app.run(move |ctx| bilan::dashboard(ctx, &actor, &chosen, &period)).await?;
    let own = matches!(&selector, Selector::Member(id) if Some(id.as_str()) == user.actor.id());
    let heading = format!("Tableau de bord : {}", selector_name(&app.state.territory, &selector, own));
    let mut blocks =
        vec![Block::Paragraph(format!("{} entrée(s) {}.", dashboard.figures.entries, period_label(&period)))];
    blocks.extend(dashboard_blocks(&dashboard));
    let report = Report { title: heading.clone(), subtitle: String::new(), blocks };
    let (level, code) = selector_query(&selector);
    Ok(render(
        StatusCode::OK,
        &DashboardPage {
            layout: layout(&heading),
            frame: Frame::of(&user),
            heading,
            level,
            code,
            from: period.start.to_string(),
            to: period.end.to_string(),
            blocks: html_blocks(&report),
        },
    ))
}

// ---- bilan

fn read_scope(params: &mut Params, user: &Coordinator) -> Result<BilanScope, WebError> {
    Ok(match params.get("perimetre")? {
        Some(text) => BilanScope::parse(text),
        None => first_departement(user).map(BilanScope::Departement).unwrap_or(BilanScope::Hub),
    })
}

async fn load_bilan(
    user: &Coordinator,
    app: &App,
    raw: Option<&str>,
) -> Result<(BilanScope, Period, Bilan, Report), WebError> {
    let mut params = Params::parse(raw)?;
    let scope = read_scope(&mut params, user)?;
    let period = read_period(&mut params)?;
    let actor = user.actor.clone();
    let chosen = scope.clone();
    let found = app.run(move |ctx| bilan::bilan(ctx, &actor, &chosen, &period)).await?;
    let report = bilan_report(&app.state.territory, &scope, &period, &found);
    Ok((scope, period, found, report))
}

#[derive(Template)]
#[template(path = "admin/activite_bilan.html")]
struct BilanPage {
    layout: Layout,
    frame: Option<Frame>,
    title: String,
    subtitle: String,
    scope: String,
    from: String,
    to: String,
    query: String,
    introduction: String,
    version: u32,
    blocks: Vec<HtmlBlock>,
    /// The past periods imported for this scope, as (label, query) links.
    periods: Vec<(String, String)>,
}

async fn bilan_page(user: Coordinator, app: App, RawQuery(raw): RawQuery) -> Result<Response, WebError> {
    let (scope, period, found, report) = load_bilan(&user, &app, raw.as_deref()).await?;
    let key = scope.key().to_owned();
    let query = serde_urlencoded::to_string([
        ("perimetre", key.as_str()),
        ("du", &period.start.to_string()),
        ("au", &period.end.to_string()),
    ])
    .unwrap_or_default();
    let actor = user.actor.clone();
    // Every past period imported, whatever the period shown, to open its bilan.
    let all_past = app
        .run(move |ctx| {
            maillage_app::accounts::Actor::require(&actor, ctx, maillage_app::accounts::Permission::Team)?;
            Ok(ctx.store.past_totals()?)
        })
        .await?;
    let mut periods: Vec<(String, String)> = all_past
        .iter()
        .filter(|row| row.departement == key || scope == BilanScope::Hub)
        .map(|row| {
            let label = format!("du {} au {}", french_day(row.start), french_day(row.end));
            let link = serde_urlencoded::to_string([
                ("perimetre", key.as_str()),
                ("du", &row.start.to_string()),
                ("au", &row.end.to_string()),
            ])
            .unwrap_or_default();
            (label, link)
        })
        .collect();
    periods.dedup();
    let page = BilanPage {
        layout: layout(&report.title),
        frame: Frame::of(&user),
        title: report.title.clone(),
        subtitle: report.subtitle.clone(),
        scope: key,
        from: period.start.to_string(),
        to: period.end.to_string(),
        query,
        introduction: found.introduction.as_ref().map(|i| i.text.clone()).unwrap_or_default(),
        version: found.introduction.as_ref().map(|i| i.version).unwrap_or(0),
        blocks: html_blocks(&report),
        periods,
    };
    Ok(render(StatusCode::OK, &page))
}

fn file_name(scope: &BilanScope, period: &Period, extension: &str) -> String {
    format!("bilan-{}-{}-{}.{extension}", scope.key(), period.start, period.end)
}

async fn bilan_pdf(user: Coordinator, app: App, RawQuery(raw): RawQuery) -> Result<Response, WebError> {
    let (scope, period, _, report) = load_bilan(&user, &app, raw.as_deref()).await?;
    let bytes = tokio::task::spawn_blocking(move || maillage_documents::pdf::write(&report))
        .await?
        .map_err(WebError::internal)?;
    Ok(attachment("application/pdf", &file_name(&scope, &period, "pdf"), bytes))
}

async fn bilan_ods(user: Coordinator, app: App, RawQuery(raw): RawQuery) -> Result<Response, WebError> {
    let (scope, period, _, report) = load_bilan(&user, &app, raw.as_deref()).await?;
    let tables: Vec<Table> = report.tables().cloned().collect();
    let bytes = ods_of(&tables)?;
    Ok(attachment(ODS, &file_name(&scope, &period, "ods"), bytes))
}

#[derive(Deserialize)]
struct Introduction {
    perimetre: String,
    du: String,
    au: String,
    version: u32,
    #[serde(default)]
    texte: String,
}

async fn introduction_post(
    user: Coordinator,
    app: App,
    CsrfForm(form): CsrfForm<Introduction>,
) -> Result<Response, WebError> {
    let scope = BilanScope::parse(&form.perimetre);
    let day = |name: &str, text: &str| {
        parse_day(text).ok_or_else(|| WebError::bad_parameter(name, "date attendue au format AAAA-MM-JJ"))
    };
    let period = Period::new(day("du", &form.du)?, day("au", &form.au)?)
        .ok_or_else(|| WebError::bad_parameter("au", "la fin de la période précède son début"))?;
    let actor = user.actor.clone();
    let chosen = scope.clone();
    app.run(move |ctx| bilan::save_introduction(ctx, &actor, &chosen, &period, &form.texte, form.version, now()))
        .await?;
    let query = serde_urlencoded::to_string([
        ("perimetre", scope.key()),
        ("du", &period.start.to_string()),
        ("au", &period.end.to_string()),
    ])
    .unwrap_or_default();
    Ok(Redirect::to(&format!("/admin/activite/bilan?{query}")).into_response())
}

// ---- past totals

#[derive(Template)]
#[template(path = "admin/activite_totaux.html")]
struct PastPage {
    layout: Layout,
    frame: Option<Frame>,
    columns: String,
    problems: Vec<String>,
    imported: Option<usize>,
    rows: Vec<(String, String, String, String)>,
}

async fn past_view(
    user: &Coordinator,
    app: &App,
    status: StatusCode,
    problems: Vec<String>,
    imported: Option<usize>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let totals = app
        .run(move |ctx| {
            maillage_app::accounts::Actor::require(&actor, ctx, maillage_app::accounts::Permission::Team)?;
            Ok(ctx.store.past_totals()?)
        })
        .await?;
    let rows = totals
        .iter()
        .map(|row| {
            let link = serde_urlencoded::to_string([
                ("perimetre", row.departement.as_str()),
                ("du", &row.start.to_string()),
                ("au", &row.end.to_string()),
            ])
            .unwrap_or_default();
            (row.departement.clone(), period_label(&Period { start: row.start, end: row.end }), row.note.clone(), link)
        })
        .collect();
    Ok(render(
        status,
        &PastPage {
            layout: layout("Chiffres passés"),
            frame: Frame::of(user),
            columns: past::COLUMNS.join(";"),
            problems,
            imported,
            rows,
        },
    ))
}

async fn past_page(user: Coordinator, app: App) -> Result<Response, WebError> {
    past_view(&user, &app, StatusCode::OK, Vec::new(), None).await
}

async fn past_post(user: Coordinator, app: App, upload: CsrfUpload) -> Result<Response, WebError> {
    let (status, problems, imported) = match upload.file {
        None => no_file("Aucun fichier : choisissez un fichier CSV ou ODS de totaux."),
        Some((_, _, bytes)) => {
            let actor = user.actor.clone();
            let result = app.run(move |ctx| past::import_past(ctx, &actor, &bytes, now())).await;
            file_outcome(result, past::FILE_FIELD)?
        }
    };
    past_view(&user, &app, status, problems, imported).await
}

async fn past_template(_user: Coordinator) -> Response {
    attachment(CSV, "chiffres-passes.csv", past::template())
}

/// This month's figures of the actor's territory, for the coordinator's desk.
pub fn desk_selector(user: &crate::extract::Visitor) -> Selector {
    match user.user().map(|u| &u.role) {
        Some(maillage_store::Role::Coordinateur { departements, .. }) if departements.len() == 1 => {
            Selector::Departement(departements[0].clone())
        }
        _ => Selector::Hub,
    }
}

/// The desk's blocks: this month's figures and charts.
pub fn desk_blocks(dashboard: &Dashboard) -> Vec<HtmlBlock> {
    let report = Report { title: String::new(), subtitle: String::new(), blocks: dashboard_blocks(dashboard) };
    html_blocks(&report)
}
