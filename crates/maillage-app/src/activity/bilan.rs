//! Dashboards and bilans: the log's figures for a territory or a team member and a period,
//! compared with the period before, month by month for the charts; and the bilan of a
//! département or of the hub (figures, notable actions, events, partnerships, the past
//! totals imported for the period, the written introduction).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use maillage_store::{ActivityEntry, ActivityKind, ActivityQuery, BilanIntroduction, PastTotals, Store};
use serde::Serialize;

use super::figures::{self, Figures, Period, Selector};
use super::past::HUB;
use crate::accounts::{Actor, Permission};
use crate::context::Context;
use crate::{AppError, AppResult, FieldError};

/// Longest introduction kept, in characters.
const MAX_INTRODUCTION: usize = 10_000;

/// The figures of a dashboard.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Dashboard {
    pub period: Period,
    pub figures: Figures,
    pub previous_period: Period,
    pub previous: Figures,
    pub monthly: Vec<(Period, Figures)>,
}

/// The entries of the period and of the one before it (what a dashboard reads).
fn read(store: &dyn Store, selector: &Selector, period: &Period) -> AppResult<(Vec<ActivityEntry>, Period)> {
    let previous = period.previous();
    let departement = match selector {
        Selector::Departement(code) => Some(code.clone()),
        _ => None,
    };
    let query = ActivityQuery { from: Some(previous.start), to: Some(period.end), departement };
    Ok((store.activities(&query)?, previous))
}

fn compute(store: &dyn Store, selector: &Selector, period: &Period) -> AppResult<Dashboard> {
    let (entries, previous_period) = read(store, selector, period)?;
    let canonical = crate::actors::canonical_ids(store)?;
    Ok(Dashboard {
        period: *period,
        figures: figures::figures(&entries, &canonical, selector, period),
        previous_period,
        previous: figures::figures(&entries, &canonical, selector, &previous_period),
        monthly: figures::monthly(&entries, &canonical, selector, period),
    })
}

/// A dashboard for the hub's team: any territory (figures are aggregates); a member's own
/// figures, and an administrator any member's.
pub fn dashboard(ctx: &Context<'_>, actor: &Actor, selector: &Selector, period: &Period) -> AppResult<Dashboard> {
    actor.require(ctx, Permission::Team)?;
    if let Selector::Member(id) = selector {
        if actor.id() != Some(id.as_str()) {
            actor.require(ctx, Permission::Administer)?;
        }
    }
    compute(ctx.store, selector, period)
}

/// The aggregate figures of a territory, for the public API: counts only, nothing that
/// names anyone. A member's figures are not public.
pub fn public_figures(store: &dyn Store, selector: &Selector, period: &Period) -> AppResult<Dashboard> {
    if matches!(selector, Selector::Member(_)) {
        return Err(AppError::Input("Les chiffres d'un membre de l'équipe ne sont pas publics.".to_owned()));
    }
    compute(store, selector, period)
}

/// What a bilan is about: a département, or the whole hub.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BilanScope {
    Departement(String),
    Hub,
}

impl BilanScope {
    /// The key introductions and past totals are stored under.
    pub fn key(&self) -> &str {
        match self {
            BilanScope::Departement(code) => code,
            BilanScope::Hub => HUB,
        }
    }

    pub fn parse(text: &str) -> BilanScope {
        match text.trim() {
            "" | HUB => BilanScope::Hub,
            code => BilanScope::Departement(code.to_uppercase()),
        }
    }

    fn selector(&self) -> Selector {
        match self {
            BilanScope::Departement(code) => Selector::Departement(code.clone()),
            BilanScope::Hub => Selector::Hub,
        }
    }
}

/// One line of a bilan's lists (a notable action, an event, a partnership).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BilanItem {
    pub date: chrono::NaiveDate,
    pub kind: String,
    pub departement: Option<String>,
    /// The notable text, the event's notes' first line, the partnership's nature.
    pub text: String,
    /// Organisations' names (people as their kind only, never by name).
    pub actors: Vec<String>,
    pub participants: u32,
    pub status: Option<String>,
    pub amount_cents: Option<i64>,
}

/// A bilan: everything its page, PDF and workbook show.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Bilan {
    pub scope_key: String,
    pub dashboard: Dashboard,
    pub notable: Vec<BilanItem>,
    pub events: Vec<BilanItem>,
    pub partnerships: Vec<BilanItem>,
    /// Totals imported for periods overlapping this one (clearly marked as such).
    pub past: Vec<PastTotals>,
    pub introduction: Option<BilanIntroduction>,
    /// Figures per département of the hub (a hub's bilan only), by code.
    pub departements: BTreeMap<String, Figures>,
}

fn check_scope(ctx: &Context<'_>, actor: &Actor, scope: &BilanScope) -> AppResult<()> {
    actor.require(ctx, Permission::Team)?;
    let covered = match scope {
        BilanScope::Departement(code) => actor.covers_departement(ctx, code),
        BilanScope::Hub => true,
    };
    if !covered {
        return Err(AppError::Forbidden("Action refusée : ce département n'est pas le vôtre.".to_owned()));
    }
    Ok(())
}

fn item(entry: &ActivityEntry, names: &BTreeMap<String, String>, text: String) -> BilanItem {
    BilanItem {
        date: entry.date,
        kind: match (entry.animation, entry.event) {
            (Some(animation), _) => format!("{} ({})", entry.kind.label(), animation.label()),
            (_, Some(event)) => format!("{} ({})", entry.kind.label(), event.label()),
            _ => entry.kind.label().to_owned(),
        },
        departement: entry.departement.clone(),
        text,
        actors: entry.actors.iter().filter_map(|id| names.get(id).cloned()).collect(),
        participants: (entry.actors.len() as u32).saturating_add(entry.headcount),
        status: entry.partnership.as_ref().map(|p| p.status.label().to_owned()),
        amount_cents: entry.partnership.as_ref().and_then(|p| p.amount_cents),
    }
}

/// The bilan of a département (its coordinators, administrators) or of the hub (the team).
pub fn bilan(ctx: &Context<'_>, actor: &Actor, scope: &BilanScope, period: &Period) -> AppResult<Bilan> {
    check_scope(ctx, actor, scope)?;
    let selector = scope.selector();
    let dashboard = compute(ctx.store, &selector, period)?;
    let query = ActivityQuery {
        from: Some(period.start),
        to: Some(period.end),
        departement: match scope {
            BilanScope::Departement(code) => Some(code.clone()),
            BilanScope::Hub => None,
        },
    };
    let entries = ctx.store.activities(&query)?;
    let ids: Vec<String> = entries.iter().flat_map(|entry| entry.actors.iter().cloned()).collect();
    let names = crate::actors::public_names(ctx.store, &ids)?;
    let first_line = |text: &str| text.lines().next().unwrap_or_default().chars().take(200).collect::<String>();
    let notable = entries
        .iter()
        .filter_map(|entry| entry.notable.as_ref().map(|text| item(entry, &names, text.clone())))
        .collect();
    let events = entries
        .iter()
        .filter(|entry| entry.kind == ActivityKind::Evenement)
        .map(|entry| item(entry, &names, first_line(&entry.notes)))
        .collect();
    let partnerships = entries
        .iter()
        .filter(|entry| entry.kind == ActivityKind::Partenariat)
        .map(|entry| {
            let nature = entry.partnership.as_ref().map(|p| p.nature.clone()).unwrap_or_default();
            let text = if nature.is_empty() { first_line(&entry.notes) } else { nature };
            item(entry, &names, text)
        })
        .collect();
    let past = ctx
        .store
        .past_totals()?
        .into_iter()
        .filter(|row| match scope {
            BilanScope::Departement(code) => &row.departement == code,
            BilanScope::Hub => true,
        })
        .filter(|row| Period { start: row.start, end: row.end }.overlaps(period))
        .collect();
    let introduction = ctx.store.bilan_introduction(scope.key(), period.start, period.end)?;
    let mut departements = BTreeMap::new();
    if *scope == BilanScope::Hub {
        let canonical = crate::actors::canonical_ids(ctx.store)?;
        let codes: std::collections::BTreeSet<String> =
            entries.iter().filter_map(|entry| entry.departement.clone()).collect();
        for code in codes {
            let figures = figures::figures(&entries, &canonical, &Selector::Departement(code.clone()), period);
            departements.insert(code, figures);
        }
    }
    Ok(Bilan {
        scope_key: scope.key().to_owned(),
        dashboard,
        notable,
        events,
        partnerships,
        past,
        introduction,
        departements,
    })
}

/// Writes a bilan's introduction for a département (its coordinators, administrators) or the
/// hub (administrators), replacing the version read (0 when there was none).
pub fn save_introduction(
    ctx: &Context<'_>,
    actor: &Actor,
    scope: &BilanScope,
    period: &Period,
    text: &str,
    version: u32,
    at: DateTime<Utc>,
) -> AppResult<BilanIntroduction> {
    check_scope(ctx, actor, scope)?;
    if *scope == BilanScope::Hub {
        actor.require(ctx, Permission::Administer)?;
    }
    let text = text.trim().replace('\0', "").replace("\r\n", "\n");
    if text.chars().count() > MAX_INTRODUCTION {
        return Err(AppError::Invalid(vec![FieldError::new(
            "introduction",
            format!("{MAX_INTRODUCTION} caractères au plus"),
        )]));
    }
    let introduction = BilanIntroduction {
        scope: scope.key().to_owned(),
        start: period.start,
        end: period.end,
        text,
        updated_by: actor.id().map(str::to_owned),
        updated_at: at,
        version: version + 1,
    };
    ctx.store.save_bilan_introduction(&introduction)?;
    ctx.audit(
        actor.id(),
        "bilan_introduction",
        Some(format!("bilan:{}", scope.key())),
        format!("introduction du bilan du {} au {}", super::french_day(period.start), super::french_day(period.end)),
        at,
    )?;
    Ok(introduction)
}
