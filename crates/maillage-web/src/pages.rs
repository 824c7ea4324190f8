//! The public pages, server-rendered in French (askama templates under `templates/`): home,
//! map and list, place sheets with "signaler une erreur", the guided orientation and its
//! printable sheet, territory and coverage pages, and the embeddable map.
//!
//! Every page works without JavaScript: lists are rendered here from the query string, and the
//! scripts (`assets/js/`) only enhance them with the map and live counts through the JSON API.
//! Nothing personal is stored: the orientation sheet echoes its posted form, never cached.
//! Pages ask for the public Content-Security-Policy (tile host and geocoder when configured),
//! which the security middleware writes; only `/embed` may be framed by other sites.

mod agenda;
mod assets;
pub(crate) mod contours;
mod coverage;
mod criteria;
mod listing;
mod orientation;
pub(crate) mod place;
pub mod pnt;
mod site;

use std::sync::Arc;

use askama::Template;
use axum::extract::{Form, Path, Query, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Router};
use maillage_domain::PlaceId;
use maillage_store::PlaceReport;
use serde::Deserialize;

use crate::extract::{App, ClientAddress};
use crate::query;
use crate::security::Policy;
use crate::state::AccountsConfig;
use crate::{WebError, WebState};
pub use assets::url as asset_url;
pub use criteria::{Criteria, FieldError, FilterGroup};
use maillage_app::{moderation, AppError};
pub use site::SiteConfig;

/// The page routes; `site` says which tile server and geocoder the pages may use.
pub fn routes(site: Arc<SiteConfig>) -> Router<WebState> {
    Router::new()
        .route("/", get(home))
        .route("/carte", get(map_page))
        .route("/lieux", get(|RawQuery(query): RawQuery| async move { redirect_with_query("/carte", query) }))
        .route("/lieux/{id}", get(place_page))
        .route("/lieux/{id}/signaler", get(place_redirect).post(report_post))
        .route("/orientation", get(orientation::page))
        .route("/orientation/fiche", get(orientation::fiche_link).post(orientation::fiche_post))
        .route("/territoires", get(territories_index))
        .route("/territoires/{niveau}/{code}", get(territory_page))
        .route("/couverture", get(coverage_page))
        .route("/embed", get(embed_page))
        .route("/embed/aide", get(embed_help))
        .route("/embed/theme.css", get(embed_theme))
        .route("/carte/contours/departements.geojson", get(departement_outlines))
        .route("/carte/contours/communes.geojson", get(commune_outlines))
        .route("/static/{*path}", get(assets::serve))
        .route("/favicon.ico", get(assets::favicon))
        .route("/marque.css", get(crate::branding::stylesheet))
        .route("/marque/logo", get(crate::branding::logo))
        .merge(agenda::routes())
        .merge(pnt::routes())
        .layer(Extension(site))
        .layer(tower_http::compression::CompressionLayer::new())
}

type Site = Extension<Arc<SiteConfig>>;

/// What the layout needs on every page.
pub struct Layout {
    pub title: String,
    /// The navigation entry to mark as current.
    pub current: &'static str,
    pub embed: bool,
    pub tiles_url: String,
    pub tiles_attribution: String,
    pub geocoder_url: String,
    /// The hub's name, colour stylesheet and logo.
    pub branding: std::sync::Arc<maillage_app::hub::branding::Branding>,
}

impl Layout {
    fn new(site: &SiteConfig, title: impl Into<String>, current: &'static str) -> Layout {
        Layout {
            title: title.into(),
            current,
            embed: false,
            tiles_url: site.tiles_url.clone().unwrap_or_default(),
            tiles_attribution: site.tiles_attribution.clone().unwrap_or_default(),
            geocoder_url: site.geocoder_url.clone().unwrap_or_default(),
            branding: site.branding.current(),
        }
    }

    pub fn hub_name(&self) -> &str {
        &self.branding.name
    }

    pub fn brand_stylesheet(&self) -> String {
        crate::branding::stylesheet_url(&self.branding)
    }

    /// The header's logo: the hub's, else the default one.
    pub fn logo(&self) -> String {
        crate::branding::logo_url(&self.branding).unwrap_or_else(|| assets::url("img/logo.svg"))
    }

    pub fn asset(&self, path: &str) -> String {
        assets::url(path)
    }

    pub fn is_current(&self, entry: &str) -> bool {
        self.current == entry
    }
}

/// Renders a public page; it asks for the public security policy (`embed`: framed anywhere).
fn render<T: Template>(status: StatusCode, template: &T, embed: bool) -> Response {
    match template.render() {
        Ok(body) => {
            let mut response = (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response();
            response.extensions_mut().insert(Policy::Public { embed });
            response
        }
        Err(err) => {
            tracing::error!(%err, "échec du rendu d'une page");
            (StatusCode::INTERNAL_SERVER_ERROR, "Erreur interne : la page n'a pas pu être affichée.").into_response()
        }
    }
}

fn request_id(headers: &HeaderMap) -> &str {
    headers.get(crate::middleware::REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("")
}

fn redirect_with_query(path: &str, query: Option<String>) -> Redirect {
    match query.filter(|q| !q.is_empty()) {
        Some(query) => Redirect::to(&format!("{path}?{query}")),
        None => Redirect::to(path),
    }
}

#[derive(Template)]
#[template(path = "erreur.html")]
struct ErrorPage {
    layout: Layout,
    heading: String,
    message: String,
    request_id: String,
}

/// A French error page naming the request id, so a person can quote it to the hub (the
/// error middleware renders every public page's errors with it).
pub fn error_page(site: &SiteConfig, request_id: &str, status: StatusCode, heading: &str, message: &str) -> Response {
    let page = ErrorPage {
        layout: Layout::new(site, heading, ""),
        heading: heading.to_owned(),
        message: message.to_owned(),
        request_id: request_id.to_owned(),
    };
    render(status, &page, false)
}

/// A missing page or place: 404 with what to do instead.
fn not_found(message: &str) -> WebError {
    WebError::not_found(message).titled("Page introuvable")
}

/// Unknown paths: the API's JSON error under `/api/`, the French 404 page elsewhere.
pub async fn fallback(uri: Uri) -> WebError {
    if uri.path().starts_with("/api/") || uri.path().starts_with("/ogc/") {
        return WebError::not_found("aucune ressource à cette adresse");
    }
    not_found("Cette adresse ne correspond à aucune page. Vérifiez le lien ou repartez de l'accueil.")
}

// ---------------------------------------------------------------------------------------
// Home

#[derive(Template)]
#[template(path = "accueil.html")]
struct HomePage {
    layout: Layout,
    /// The places of the hub's territory, and its départements' names (none: the registry).
    places: usize,
    departements: String,
}

async fn home(State(state): State<WebState>, Extension(site): Site) -> Response {
    let (places, departements) = state.directory.current().hub_count();
    let layout = Layout::new(&site, "Accueil", "accueil");
    render(StatusCode::OK, &HomePage { layout, places, departements: departements.join(", ") }, false)
}

// ---------------------------------------------------------------------------------------
// Place sheet and "signaler une erreur"

#[derive(Template)]
#[template(path = "lieu.html")]
struct PlacePage {
    layout: Layout,
    place: place::PlaceView,
    categories: &'static [(&'static str, &'static str)],
    form: ReportForm,
    errors: Vec<maillage_app::FieldError>,
    sent: bool,
    /// The report form's double-submit token (its cookie is set with the page).
    csrf: String,
}

impl PlacePage {
    fn category_is(&self, key: &str) -> bool {
        self.form.categorie == key
    }
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    categorie: String,
    #[serde(default)]
    message: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

#[derive(Deserialize)]
struct PlaceQueryString {
    signalement: Option<String>,
}

/// An active place of the registry, else 404 (a withdrawn place's sheet is gone).
async fn load_place(state: &WebState, id: &str) -> Result<maillage_domain::Place, WebError> {
    let store = state.store.clone();
    let id = PlaceId(id.to_owned());
    match tokio::task::spawn_blocking(move || store.place(&id)).await?? {
        Some(place) if place.status == maillage_domain::PlaceStatus::Active => Ok(place),
        _ => Err(not_found(UNKNOWN_PLACE)),
    }
}

const UNKNOWN_PLACE: &str =
    "Ce lieu n'existe pas ou n'est plus référencé. Il a peut-être fermé : cherchez un autre lieu sur la carte.";

async fn place_page(
    State(state): State<WebState>,
    Extension(site): Site,
    Extension(accounts): Extension<Arc<AccountsConfig>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<PlaceQueryString>,
) -> Result<Response, WebError> {
    let mut place = load_place(&state, &id).await?;
    // A merged place is one sheet: its record as published, under one id.
    let directory = state.directory.current();
    if let Some(published) = directory.merges().published_id(&id) {
        if published != id {
            return Ok(Redirect::to(&format!("/lieux/{published}")).into_response());
        }
        if let Some(entry) = directory.get(&id) {
            place = (*entry.place).clone();
        }
    }
    // The report form's token travels with the page, so the form works without JavaScript
    // and without a session.
    let (csrf, new) = crate::session::pre_session_token(&headers);
    let page = PlacePage {
        layout: Layout::new(&site, place.record.nom.clone(), "carte"),
        place: place::place_view(&place, maillage_store::now()),
        categories: PlaceReport::CATEGORIES,
        form: ReportForm::default(),
        errors: Vec::new(),
        sent: query.signalement.as_deref() == Some("envoye"),
        csrf: csrf.clone(),
    };
    Ok(crate::session::with_form_cookie(&accounts, render(StatusCode::OK, &page, false), &csrf, new))
}

async fn place_redirect(Path(id): Path<String>) -> Redirect {
    Redirect::to(&format!("/lieux/{id}#signaler"))
}

/// "Signaler une erreur": the public's report goes through `moderation::report_problem`,
/// which bounds its fields and throttles each client; the form's double-submit token (issued
/// with the place page) is checked first.
async fn report_post(
    app: App,
    Extension(site): Site,
    client: ClientAddress,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<ReportForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, WebError> {
    let form = form.map(|Form(form)| form).unwrap_or_default();
    if !crate::session::pre_session_matches(&headers, Some(&form.csrf)) {
        return Ok(crate::extract::csrf_refused());
    }
    let key = client.key();
    let report = {
        let (throttle, key) = (app.state.report_throttle.clone(), key.clone());
        let (place_id, category, message) = (PlaceId(id.clone()), form.categorie.clone(), form.message.clone());
        app.run(move |ctx| {
            moderation::report_problem(ctx, &throttle, &key, &place_id, &category, &message, maillage_store::now())
        })
        .await
    };
    match report {
        // Post/redirect/get: reloading the confirmation does not send the report twice.
        Ok(report) => {
            Ok(Redirect::to(&format!("/lieux/{}?signalement=envoye#signaler", report.place_id)).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let place = load_place(&app.state, &id).await?;
            let page = PlacePage {
                layout: Layout::new(&site, format!("Erreur dans le signalement — {}", place.record.nom), "carte"),
                place: place::place_view(&place, maillage_store::now()),
                categories: PlaceReport::CATEGORIES,
                csrf: form.csrf.clone(),
                form,
                errors,
                sent: false,
            };
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page, false))
        }
        Err(AppError::Refused(message)) => {
            let wait = app.state.report_throttle.retry_after(&key, maillage_store::now());
            let seconds = wait.map(|wait| wait.num_seconds().max(1) as u64);
            Err(WebError::too_many("Trop de signalements", message, seconds))
        }
        Err(AppError::Store(maillage_store::StoreError::NotFound(_))) => Err(not_found(UNKNOWN_PLACE)),
        Err(err) => Err(err.into()),
    }
}

// ---------------------------------------------------------------------------------------
// Map and list

#[derive(Template)]
#[template(path = "carte.html")]
struct MapPage {
    layout: Layout,
    criteria: Criteria,
    groups: Vec<FilterGroup>,
    errors: Vec<FieldError>,
    weekdays: &'static [&'static str],
    distances: &'static [u32],
    listing: listing::Listing,
}

impl MapPage {
    /// Whether any filter beyond the search text is set (the filter panel then opens).
    fn any_filter(&self) -> bool {
        let c = &self.criteria;
        !c.filters.is_empty()
            || c.jour.is_some()
            || c.ouvert_maintenant
            || c.itinerant
            || c.rayon_km.is_some()
            || !self.errors.is_empty()
    }
    fn rayon_is(&self, km: u32) -> bool {
        self.criteria.rayon_km == Some(f64::from(km))
    }
    fn jour_is(&self, day: &str) -> bool {
        self.criteria.jour == Some(day)
    }
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

async fn map_page(
    State(state): State<WebState>,
    Extension(site): Site,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    let (criteria, errors) = Criteria::parse(query.as_deref());
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    let listing = if errors.is_empty() {
        listing::search(&state, &criteria, listing::PAGE_SIZE).await.map_err(WebError::internal)?
    } else {
        listing::Listing::default()
    };
    let page = MapPage {
        layout: Layout::new(&site, "Carte et liste des lieux", "carte"),
        groups: criteria.groups("f"),
        criteria,
        errors,
        weekdays: &place::WEEKDAYS,
        distances: &[5, 10, 20, 30, 50, 100],
        listing,
    };
    Ok(render(status, &page, false))
}

// ---------------------------------------------------------------------------------------
// Territories and coverage

#[derive(Template)]
#[template(path = "territoires.html")]
struct TerritoriesPage {
    layout: Layout,
    regions: Vec<listing::TerritoryLink>,
    /// The places of the hub's territory, and its départements' names (none: the registry).
    places: usize,
    departements: String,
}

async fn territories_index(State(state): State<WebState>, Extension(site): Site) -> Result<Response, WebError> {
    let regions = listing::territory_index(&state).await.map_err(WebError::internal)?;
    let (places, departements) = state.directory.current().hub_count();
    let layout = Layout::new(&site, "Territoires", "territoires");
    let page = TerritoriesPage { layout, regions, places, departements: departements.join(", ") };
    Ok(render(StatusCode::OK, &page, false))
}

#[derive(Template)]
#[template(path = "territoire.html")]
struct TerritoryPage {
    layout: Layout,
    territory: listing::TerritorySummary,
    listing: listing::Listing,
    /// A bassin de vie's coverage, IFN and population.
    coverage: Option<coverage::BassinCoverage>,
}

async fn territory_page(
    State(state): State<WebState>,
    Extension(site): Site,
    Path((niveau, code)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    // A wrong page number shows the first page: the territory is what was asked for.
    let page_number = Criteria::parse(query.as_deref()).0.page;
    let found = listing::territory(&state, &niveau, &code, page_number).await.map_err(WebError::internal)?;
    let Some(mut territory) = found else {
        return Err(not_found(
            "Ce territoire est inconnu. Les niveaux possibles sont région, département, EPCI (code SIREN) et bassin de vie.",
        ));
    };
    let title = territory.title.clone();
    let listing = std::mem::take(&mut territory.listing);
    let coverage = if niveau == "bassin" { coverage::bassin(&state, &code).await? } else { None };
    let page = TerritoryPage { layout: Layout::new(&site, title, "territoires"), territory, listing, coverage };
    Ok(render(StatusCode::OK, &page, false))
}

#[derive(Template)]
#[template(path = "couverture.html")]
struct CoveragePage {
    layout: Layout,
    coverage: listing::CoverageTable,
    ranking: coverage::CoverageView,
}

async fn coverage_page(
    State(state): State<WebState>,
    Extension(site): Site,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    let ranking = coverage::view(&state, query.as_deref()).await?;
    let coverage = listing::coverage_table(&state).await.map_err(WebError::internal)?;
    let page = CoveragePage { layout: Layout::new(&site, "Couverture du territoire", "couverture"), coverage, ranking };
    Ok(render(StatusCode::OK, &page, false))
}

fn geojson_response(headers: &HeaderMap, bytes: Vec<u8>) -> Response {
    use sha2::Digest;
    let etag =
        format!("\"{}\"", sha2::Sha256::digest(&bytes).iter().take(8).map(|b| format!("{b:02x}")).collect::<String>());
    let cache = [
        (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400")),
        (header::ETAG, HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"\""))),
    ];
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    (cache, [(header::CONTENT_TYPE, HeaderValue::from_static("application/geo+json"))], bytes).into_response()
}

async fn departement_outlines(State(state): State<WebState>, headers: HeaderMap) -> Result<Response, WebError> {
    let territory = state.territory.clone();
    let bytes = tokio::task::spawn_blocking(move || contours::departements(&territory).to_vec())
        .await
        .map_err(|err| WebError::from(err).json())?;
    Ok(geojson_response(&headers, bytes))
}

#[derive(Deserialize)]
struct CommuneOutlineQuery {
    departement: Option<String>,
}

async fn commune_outlines(
    State(state): State<WebState>,
    headers: HeaderMap,
    Query(query): Query<CommuneOutlineQuery>,
) -> Result<Response, WebError> {
    let Some(code) = query.departement.filter(|c| !c.trim().is_empty()) else {
        return Err(WebError::bad_parameter("departement", "indiquez le code d'un département (18, 2A…)").json());
    };
    let territory = state.territory.clone();
    match tokio::task::spawn_blocking(move || contours::communes_of(&territory, code.trim()))
        .await
        .map_err(|err| WebError::from(err).json())?
    {
        Some(bytes) => Ok(geojson_response(&headers, bytes)),
        None => Err(WebError::bad_parameter("departement", "département inconnu").json()),
    }
}

// ---------------------------------------------------------------------------------------
// Embedding

#[derive(Template)]
#[template(path = "embed.html")]
struct EmbedPage {
    layout: Layout,
    titre: String,
    couleur: String,
    criteria: Criteria,
    listing: listing::Listing,
}

/// A colour for the embed's branding: `#rgb` or `#rrggbb` only, so nothing else can reach the
/// page's style.
pub fn parse_colour(text: &str) -> Option<String> {
    let hex = text.trim().strip_prefix('#').unwrap_or(text.trim());
    ((hex.len() == 3 || hex.len() == 6) && hex.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| format!("#{}", hex.to_ascii_lowercase()))
}

async fn embed_page(
    State(state): State<WebState>,
    Extension(site): Site,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    let mut params = query::Params::parse(query.as_deref())?;
    let (criteria, mut errors) = Criteria::read(&mut params);
    let mut value = |key: &'static str| match params.get(key) {
        Ok(value) => value.map(str::to_owned),
        Err(err) => {
            errors.push(FieldError { field: key, message: err.message });
            None
        }
    };
    let titre = value("titre")
        .map(|t| t.chars().take(80).collect())
        .unwrap_or_else(|| "Où trouver de l'aide avec le numérique ?".to_owned());
    let couleur = match value("couleur") {
        None => "#005a9c".to_owned(),
        Some(text) => parse_colour(&text).unwrap_or_else(|| {
            errors.push(FieldError {
                field: "couleur",
                message: format!("« {text} » n'est pas une couleur : attendu #rrggbb (ex. #005a9c)"),
            });
            String::new()
        }),
    };
    if !errors.is_empty() {
        let message = errors.iter().map(|e| format!("{} : {}", e.field, e.message)).collect::<Vec<_>>().join(" ; ");
        let mut response = error_page(
            &site,
            request_id(&headers),
            StatusCode::BAD_REQUEST,
            "Paramètres de la carte invalides",
            &message,
        );
        // Said inside the partner's frame.
        response.extensions_mut().insert(Policy::Public { embed: true });
        return Ok(response);
    }
    let listing = listing::search(&state, &criteria, listing::PAGE_SIZE).await.map_err(WebError::internal)?;
    let mut layout = Layout::new(&site, titre.clone(), "");
    layout.embed = true;
    let page = EmbedPage { layout, titre, couleur, criteria, listing };
    Ok(render(StatusCode::OK, &page, true))
}

#[derive(Template)]
#[template(path = "embed_aide.html")]
struct EmbedHelpPage {
    layout: Layout,
    origin: String,
}

async fn embed_help(
    Extension(site): Site,
    headers: HeaderMap,
    client: Option<Extension<crate::proxy::Client>>,
) -> Response {
    // The snippet names this server as the partner's browser reaches it: over plain HTTP on
    // an install without TLS (an `https://` frame would stay blank there), over HTTPS when the
    // request came so (directly or through a trusted proxy).
    let scheme = if client.is_some_and(|Extension(client)| client.https) { "https" } else { "http" };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
    let origin = if host.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c)) {
        format!("{scheme}://{host}")
    } else {
        format!("{scheme}://votre-hub.example")
    };
    render(StatusCode::OK, &EmbedHelpPage { layout: Layout::new(&site, "Intégrer la carte", "embed"), origin }, false)
}

#[derive(Deserialize)]
struct ThemeQuery {
    couleur: Option<String>,
}

/// The partner's colour as a stylesheet: the page's policy allows no inline style, and a
/// validated hex colour is all that reaches it.
async fn embed_theme(Query(query): Query<ThemeQuery>) -> Response {
    let colour = query.couleur.as_deref().and_then(parse_colour).unwrap_or_else(|| "#005a9c".to_owned());
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=86400")],
        format!(":root {{ --couleur-marque: {colour}; }}\n"),
    )
        .into_response()
}
