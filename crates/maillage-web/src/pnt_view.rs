//! How a territorial project and a vote are shown, shared by the administration and the
//! public pages: amounts in French, parties by their public names, the timeline of stages and
//! the incubator's steps.

use std::collections::BTreeMap;

use maillage_app::pnt::{self, votes::VoteSummary};
use maillage_store::{Need, Project, Vote, VoteMode};

use crate::render::day;

/// Euros with a narrow space between thousands: `30 000 €`.
pub fn euros(amount: u64) -> String {
    let digits = amount.to_string();
    let mut out = String::new();
    for (n, digit) in digits.chars().enumerate() {
        if n > 0 && (digits.len() - n).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(digit);
    }
    format!("{out}\u{a0}€")
}

pub fn need_text(need: &Need) -> String {
    let mut parts = Vec::new();
    if let Some(etp) = need.etp {
        parts.push(format!("{} ETP", etp.to_string().replace('.', ",")));
    }
    if let Some(amount) = need.amount {
        parts.push(euros(amount));
    }
    let figures = if parts.is_empty() { String::new() } else { format!(" : {}", parts.join(", ")) };
    let description = if need.description.is_empty() { String::new() } else { format!(" — {}", need.description) };
    format!("{}{figures}{description}", need.kind.label())
}

pub struct TimelineRow {
    pub at: String,
    /// `AAAA-MM-JJ` for `<time datetime>`.
    pub datetime: String,
    pub stage: &'static str,
    pub by: String,
    pub reason: String,
}

pub struct StepRow {
    pub label: &'static str,
    pub purpose: &'static str,
    pub date: String,
    pub participants: String,
    pub notes: String,
    pub outputs: String,
    pub budget: String,
}

pub struct ProjectView {
    pub id: String,
    pub title: String,
    pub description: String,
    pub progress: String,
    pub stage_label: &'static str,
    pub axe: String,
    pub territories: Vec<String>,
    pub carriers: Vec<String>,
    pub partners: Vec<String>,
    pub needs: Vec<String>,
    pub funding: Vec<String>,
    /// (label, address of the agenda's page or "").
    pub events: Vec<(String, String)>,
    pub timeline: Vec<TimelineRow>,
    pub incubator: Vec<StepRow>,
    pub published: bool,
    pub updated: String,
}

impl ProjectView {
    pub fn of(project: &Project, names: &BTreeMap<String, String>) -> ProjectView {
        ProjectView {
            id: project.id.clone(),
            title: project.title.clone(),
            description: project.description.clone(),
            progress: project.progress.clone(),
            stage_label: project.stage.label(),
            axe: project.axe.clone().unwrap_or_default(),
            territories: project.territories.iter().map(pnt::territory_label).collect(),
            carriers: project.carriers.iter().map(|p| pnt::party_name(p, names)).collect(),
            partners: project.partners.iter().map(|p| pnt::party_name(p, names)).collect(),
            needs: project.needs.iter().map(need_text).collect(),
            funding: project
                .funding
                .iter()
                .map(|f| format!("{} : {} ({})", pnt::party_name(&f.funder, names), euros(f.amount), f.status.label()))
                .collect(),
            events: project
                .events
                .iter()
                .map(|line| match (line.strip_prefix("evenement:"), names.get(line)) {
                    (Some(id), Some(label)) => (label.clone(), format!("/agenda/{id}")),
                    (Some(_), None) => ("un évènement de l'agenda".to_owned(), String::new()),
                    (None, _) => (line.clone(), String::new()),
                })
                .collect(),
            timeline: project
                .stages
                .iter()
                .map(|change| TimelineRow {
                    at: day(&change.at),
                    datetime: change.at.format("%Y-%m-%d").to_string(),
                    stage: change.stage.label(),
                    by: change.by_name.clone(),
                    reason: change.reason.clone().unwrap_or_default(),
                })
                .collect(),
            incubator: project
                .incubator
                .iter()
                .map(|step| StepRow {
                    label: step.stage.label(),
                    purpose: step.stage.purpose(),
                    date: step.date.format("%d/%m/%Y").to_string(),
                    participants: step
                        .participants
                        .iter()
                        .map(|p| pnt::party_name(p, names))
                        .collect::<Vec<_>>()
                        .join(", "),
                    notes: step.notes.clone(),
                    outputs: step.outputs.clone(),
                    budget: step.seed_budget.map(euros).unwrap_or_default(),
                })
                .collect(),
            published: project.published,
            updated: day(&project.updated_at),
        }
    }
}

pub struct ItemResult {
    pub label: String,
    pub points: u64,
    /// Width of the bar, percent of the highest count.
    pub percent: u64,
}

pub struct VoteView {
    pub id: String,
    pub title: String,
    pub mode: VoteMode,
    pub territory: String,
    pub meeting: String,
    pub held_on: String,
    pub closed: bool,
    pub closed_at: String,
    pub rules: String,
    pub items: Vec<String>,
    pub results: Vec<ItemResult>,
    pub ballots: Option<u32>,
    pub invited: usize,
    pub cast: usize,
    pub closes_at: String,
    pub provenance: String,
    pub version: u32,
}

pub fn results(vote: &Vote, points: Option<&[u64]>) -> Vec<ItemResult> {
    let Some(points) = points else { return Vec::new() };
    let max = points.iter().copied().max().unwrap_or(0).max(1);
    vote.items
        .iter()
        .zip(points)
        .map(|(item, points)| ItemResult { label: item.label.clone(), points: *points, percent: points * 100 / max })
        .collect()
}

impl VoteView {
    pub fn of(summary: &VoteSummary) -> VoteView {
        let mut view = VoteView::of_vote(&summary.vote);
        view.results = results(&summary.vote, summary.results.as_ref().map(|r| r.points.as_slice()));
        view.ballots = summary.results.as_ref().map(|r| r.ballots);
        view.invited = summary.invited;
        view.cast = summary.ballots;
        view
    }

    pub fn of_vote(vote: &Vote) -> VoteView {
        VoteView {
            id: vote.id.clone(),
            title: vote.title.clone(),
            mode: vote.mode,
            territory: pnt::territory_label(&vote.territory),
            meeting: vote.meeting.clone().unwrap_or_default(),
            held_on: vote.held_on.map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_default(),
            closed: vote.closed_at.is_some(),
            closed_at: vote.closed_at.as_ref().map(day).unwrap_or_default(),
            rules: if vote.mode == VoteMode::EnLigne { pnt::votes::rules_sentence(vote) } else { String::new() },
            items: vote.items.iter().map(|i| i.label.clone()).collect(),
            results: results(vote, vote.results.as_ref().map(|r| r.points.as_slice())),
            ballots: vote.results.as_ref().map(|r| r.ballots),
            invited: 0,
            cast: 0,
            closes_at: vote.closes_at.as_ref().map(day).unwrap_or_default(),
            provenance: vote.provenance.clone().unwrap_or_default(),
            version: vote.version,
        }
    }

    pub fn is_room(&self) -> bool {
        self.mode == VoteMode::Salle
    }

    pub fn mode_label(&self) -> &'static str {
        match self.mode {
            VoteMode::Salle => "En salle",
            VoteMode::EnLigne => "En ligne",
        }
    }
}

/// A path segment or query value, percent-encoded (territory keys hold accents and spaces).
pub fn urlencode(text: &str) -> String {
    crate::query::percent_encode(text, b":")
}
