//! The API's contract as types, for the OpenAPI document generated from the handlers
//! (`utoipa`): the query and path parameters each route reads, and the shapes it answers.
//!
//! The handlers read their parameters strictly through `crate::query` (so that an unknown,
//! repeated or invalid one is a 400 naming it); these types say the same in the document
//! (so most are never built: the document reads them).
//! The web tests check that every parameter named here is one the route reads, and that an
//! unknown one is refused, so the two cannot drift apart.

#![allow(dead_code)]

use serde::Serialize;
use utoipa::{IntoParams, IntoResponses, OpenApi, ToSchema};

/// The document's root: its title, description and the shared schemas; the paths come from
/// the handlers' annotations, added with the routes (`api::documented`).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "API de Maillage",
        version = "1",
        description = "Les lieux de médiation numérique du registre (standard national v1.0.2), le territoire et la couverture. Toutes les routes répondent en JSON, acceptent les requêtes GET d'autres origines (CORS) et signalent les erreurs sous la forme {\"erreur\": {\"code\", \"message\", \"champ\"}}. Un paramètre inconnu, répété ou invalide est refusé (400) en nommant le paramètre ; une valeur vide vaut une valeur absente."
    ),
    servers((url = "/")),
    components(schemas(Erreur, Niveau, NiveauCarte, Tri, Perimetre, TriCouverture, Format))
)]
pub struct ApiDoc;

/// The error object of every refusal (this type is what the server writes).
#[derive(Serialize, ToSchema)]
pub struct Erreur {
    pub erreur: ErreurDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErreurDetail {
    /// Code stable : parametre_invalide, introuvable, interdit, conflit, trop_de_requetes, erreur_interne…
    pub code: &'static str,
    /// Explication en français.
    pub message: String,
    /// Le paramètre ou le champ en cause.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub champ: Option<String>,
}

/// The refusal of a route's parameters.
#[derive(IntoResponses)]
pub enum Refused {
    /// Paramètre invalide : « champ » nomme le paramètre en cause.
    #[response(status = 400)]
    Parametre(Erreur),
}

/// The refusals of a route that names a place or a territory.
#[derive(IntoResponses)]
pub enum RefusedOrMissing {
    /// Paramètre invalide : « champ » nomme le paramètre en cause.
    #[response(status = 400)]
    Parametre(Erreur),
    /// Introuvable.
    #[response(status = 404)]
    Introuvable(Erreur),
}

/// One page of a search (written by hand for speed, in this shape).
#[derive(ToSchema)]
pub struct PageDeLieux {
    /// Tous les lieux trouvés, toutes pages comprises.
    total: usize,
    lieux: Vec<super::lieux::LieuCompact>,
    /// La page suivante ; absent (null) à la dernière page.
    curseur_suivant: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Niveau {
    Commune,
    Epci,
    Bassin,
    Departement,
    Region,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum NiveauCarte {
    Region,
    Departement,
}

/// The parameters of a directory search (places, the map's GeoJSON, bubbles).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Recherche {
    /// Rectangle minlon,minlat,maxlon,maxlat (degrés WGS84).
    bbox: Option<String>,
    /// Latitude du point de recherche (avec lon) : distances et tri du plus proche au plus loin.
    #[param(minimum = -90, maximum = 90)]
    lat: Option<f64>,
    /// Longitude du point de recherche (avec lat).
    #[param(minimum = -180, maximum = 180)]
    lon: Option<f64>,
    /// Ne garder que les lieux à moins de ce nombre de kilomètres du point (lat, lon).
    #[param(minimum = 0, maximum = 1000)]
    rayon_km: Option<f64>,
    /// Territoires, séparés par des virgules : « 18 » (département), « commune:18033 », « epci:241800507 », « bassin:Bourges », « departement:36 », « region:24 ».
    territoire: Option<String>,
    /// Filtres séparés par « ; », tous exigés : service=…, public=…, prise_en_charge=…, gratuit, frais=…, acces=…, accompagnement=…, label=…, typologie=…, jour=mardi, weekend, itinerant, fixe (libellés du standard).
    filtres: Option<String>,
    /// « maintenant » (heure de Paris) ou une date et heure locales AAAA-MM-JJTHH:MM ; les jours fériés comptent (un lieu dont les horaires ne parlent pas des jours fériés est fermé ces jours-là).
    ouvert: Option<String>,
    /// Mots à trouver dans le nom, la commune ou le code postal (sans accents ni majuscules), 200 caractères au plus.
    #[param(max_length = 200)]
    q: Option<String>,
    /// Ne garder que les lieux de cette source de données.
    source: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Tri {
    Distance,
    Nom,
}

/// Order and paging of `/api/v1/lieux`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Pagination {
    /// « distance » (demande lat et lon ; par défaut quand il y a un point) ou « nom » (par défaut sinon).
    tri: Option<Tri>,
    /// Nombre de lieux par page.
    #[param(minimum = 1, maximum = 200, default = 20)]
    limite: Option<usize>,
    /// Le « curseur_suivant » de la page précédente : la page suivante commence juste après le dernier lieu reçu, sans répétition ni oubli.
    curseur: Option<String>,
}

/// The level of `/api/v1/regroupements`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Regroupement {
    /// region (par défaut) ou departement.
    niveau: Option<NiveauCarte>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Communes {
    /// Début du nom ou du code postal.
    q: String,
    /// Nombre de communes.
    #[param(minimum = 1, maximum = 50, default = 10)]
    limite: Option<usize>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Perimetre {
    Hub,
    France,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TriCouverture {
    Code,
    Priorite,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Couverture {
    /// commune (par défaut), epci, bassin, departement ou region.
    niveau: Option<Niveau>,
    /// Filtres séparés par « ; », tous exigés, comme pour la recherche de lieux.
    filtres: Option<String>,
    /// hub (par défaut) ou france.
    perimetre: Option<Perimetre>,
    /// Distances en km (de 0 exclu à 1000), séparées par des virgules (10 au plus).
    seuils: Option<String>,
    /// code (par défaut) ou priorite.
    tri: Option<TriCouverture>,
    /// Nombre de lignes.
    #[param(minimum = 1, maximum = 100000)]
    limite: Option<usize>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct Lieu {
    /// Identifiant du lieu dans le registre.
    id: String,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct Territoire {
    /// commune, epci, bassin, departement ou region.
    niveau: Niveau,
    /// Code INSEE, SIREN, nom du bassin, code du département ou de la région.
    code: String,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filtres {
    /// Filtres séparés par « ; », tous exigés, comme pour la recherche de lieux.
    filtres: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Json,
    Geojson,
    #[serde(rename = "data-inclusion-structures")]
    DataInclusionStructures,
    #[serde(rename = "data-inclusion-services")]
    DataInclusionServices,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Export {
    /// csv, json ou geojson (le standard) ; data-inclusion-structures ou data-inclusion-services
    /// (data·inclusion v1 : une structure par lieu, un service par lieu et type d'aide).
    format: Format,
    /// Territoires, séparés par des virgules, comme pour la recherche de lieux.
    territoire: Option<String>,
    /// Ne garder que les lieux de cette source de données.
    source: Option<String>,
}

/// The parameters of `/api/v1/lieux/changements`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Changements {
    /// Date et heure RFC 3339 (2026-12-01T00:00:00Z) : les changements à partir de cet instant. Pour suivre le registre, redemander avec le « jusqu_a » de la réponse précédente.
    depuis: String,
    /// Territoires, séparés par des virgules, comme pour la recherche de lieux.
    territoire: Option<String>,
    /// Nombre de changements par page.
    #[param(minimum = 1, maximum = 1000, default = 200)]
    limite: Option<usize>,
    /// Le « curseur_suivant » de la page précédente.
    curseur: Option<String>,
}

/// The parameters of `/api/v1/lieux/changements.atom`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FluxAtom {
    /// Territoires, séparés par des virgules, comme pour la recherche de lieux (par défaut : tout le registre).
    territoire: Option<String>,
    /// Date et heure RFC 3339 ; par défaut, les 30 derniers jours.
    depuis: Option<String>,
}
