//! The activity log's figures as open aggregates (`/api/v1/activite/chiffres`): counts per
//! territory and period, nothing that names anyone (no entry, no actor, no team member).

use axum::extract::RawQuery;
use axum::Json;
use maillage_app::activity::bilan;
use maillage_app::activity::figures::{Figures, Period, Selector};
use maillage_app::activity::parse_day;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::contract;
use crate::extract::App;
use crate::query::Params;
use crate::WebError;

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct Filtres {
    /// hub (par défaut), departement, bassin ou region.
    niveau: Option<String>,
    /// Code du département ou de la région, nom du bassin de vie (sauf pour hub).
    code: Option<String>,
    /// Premier jour (AAAA-MM-JJ) ; par défaut le 1er janvier de l'année en cours.
    du: Option<String>,
    /// Dernier jour (AAAA-MM-JJ) ; par défaut le 31 décembre de l'année en cours.
    au: Option<String>,
}

/// Figures of a period.
#[derive(Serialize, ToSchema)]
pub struct Chiffres {
    /// Premier et dernier jour (AAAA-MM-JJ).
    debut: String,
    fin: String,
    entrees: u32,
    reunions: u32,
    rdv_individuels: u32,
    comites: u32,
    evenements: u32,
    participants_evenements: u32,
    formations: u32,
    partenariats_signes: u32,
    heures: f64,
    /// Acteurs distincts touchés (une organisation rencontrée cinq fois compte une fois).
    acteurs_touches: u32,
    acteurs_en_reunion: u32,
    acteurs_en_rdv: u32,
    /// Personnes non nommées (additionnées, sans dédoublonnage).
    personnes_non_nommees: u32,
}

fn chiffres(period: &Period, f: &Figures) -> Chiffres {
    Chiffres {
        debut: period.start.to_string(),
        fin: period.end.to_string(),
        entrees: f.entries,
        reunions: f.meetings,
        rdv_individuels: f.rdv,
        comites: f.comites,
        evenements: f.events,
        participants_evenements: f.participants,
        formations: f.trainings,
        partenariats_signes: f.partnerships_signed,
        heures: f.hours(),
        acteurs_touches: f.actors,
        acteurs_en_reunion: f.actors_in_meetings,
        acteurs_en_rdv: f.actors_in_rdv,
        personnes_non_nommees: f.headcount,
    }
}

/// The figures of a territory over a period, the period before, and each month.
#[derive(Serialize, ToSchema)]
pub struct ChiffresActivite {
    niveau: &'static str,
    code: Option<String>,
    periode: Chiffres,
    periode_precedente: Chiffres,
    mois: Vec<Chiffres>,
}

#[utoipa::path(
    get,
    path = "/api/v1/activite/chiffres",
    summary = "Chiffres de l'activité du hub",
    description = "Chiffres agrégés du journal d'activité du hub pour un territoire et une période : réunions, RDV individuels, comités, événements et participants, formations, partenariats signés, heures, acteurs distincts touchés (en réunion, en RDV), avec la période précédente et le détail par mois. Aucune donnée personnelle : ni entrée, ni acteur, ni membre de l'équipe.",
    params(Filtres),
    responses(
        (status = 200, description = "Chiffres de la période.", body = ChiffresActivite),
        contract::Refused,
    )
)]
pub async fn figures(app: App, RawQuery(raw): RawQuery) -> Result<Json<ChiffresActivite>, WebError> {
    let mut params = Params::parse(raw.as_deref())?;
    let level = params.get("niveau")?.unwrap_or("hub").to_owned();
    let code = params.get("code")?.map(str::to_owned);
    let mut day = |name: &'static str| -> Result<Option<chrono::NaiveDate>, WebError> {
        params
            .get(name)?
            .map(|text| {
                parse_day(text)
                    .ok_or_else(|| WebError::bad_parameter(name, format!("« {text} » n'est pas une date (AAAA-MM-JJ)")))
            })
            .transpose()
    };
    let (from, to) = (day("du")?, day("au")?);
    params.finish()?;
    let needs = |code: &Option<String>| {
        code.clone().ok_or_else(|| WebError::bad_parameter("code", "indiquez le code ou le nom du territoire"))
    };
    let (niveau, selector) = match level.as_str() {
        "hub" => ("hub", Selector::Hub),
        "departement" => ("departement", Selector::Departement(needs(&code)?.to_uppercase())),
        "bassin" => ("bassin", Selector::Bassin(needs(&code)?)),
        "region" => ("region", Selector::Region(needs(&code)?)),
        _ => return Err(WebError::bad_parameter("niveau", "hub, departement, bassin ou region attendu")),
    };
    let this_year = {
        use chrono::Datelike;
        let today = maillage_domain::hours::paris_local(maillage_store::now()).date();
        Period::year(today.year()).unwrap_or(Period { start: today, end: today })
    };
    let period = Period::new(from.unwrap_or(this_year.start), to.unwrap_or(this_year.end))
        .ok_or_else(|| WebError::bad_parameter("au", "la fin de la période précède son début"))?;
    if period.days() > 366 * 10 {
        return Err(WebError::bad_parameter("du", "dix ans au plus"));
    }
    let chosen = selector.clone();
    let dashboard = app.run(move |ctx| bilan::public_figures(ctx.store, &chosen, &period)).await?;
    Ok(Json(ChiffresActivite {
        niveau,
        code: if niveau == "hub" { None } else { code },
        periode: chiffres(&dashboard.period, &dashboard.figures),
        periode_precedente: chiffres(&dashboard.previous_period, &dashboard.previous),
        mois: dashboard.monthly.iter().map(|(month, f)| chiffres(month, f)).collect(),
    }))
}
