//! The mapping assistant and the hub's saved mappings, for administrators: a file nobody has
//! mapped is uploaded, the assistant's proposal is shown as a form (each field of the standard
//! with the column(s) that fill it, how sure the assistant is and why; each vocabulary rule with
//! the value it sets), the administrator corrects any line and previews (the whole file read as
//! the import would: kept, rejected and why, first rows), then saves the mapping and imports;
//! the next files of that export are recognised from their columns. Saved mappings are listed
//! on the imports page, exported as TOML, deleted.
//!
//! Without JavaScript, a form cannot send a file again: the upload is kept in memory for its
//! administrator ([`crate::state::Drafts`]) while the proposal is corrected, and every step
//! makes the proposal again from it with the corrections sent (`maillage_app::mappings`).

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maillage_app::mappings::assistant::{self, Corrections, FieldLine, Proposal, RuleLine};
use maillage_app::mappings::{self, MappingToSave, SampleFile};
use maillage_app::places::import_file;
use maillage_app::{AppError, ImportOptions};
use maillage_domain::Severity;
use serde::Deserialize;

use super::imports::imports_view;
use super::now;
use crate::extract::{Administrator, App, CsrfForm, CsrfUpload};
use crate::pages::Layout;
use crate::render::{attachment, layout, render, Frame};
use crate::state::Draft;
use crate::{WebError, WebState};

/// The value of a field's option "as proposed", for a field not read from plain columns (a
/// column cut in parts, several columns, converted coordinates…).
const AS_PROPOSED: &str = "=";
/// Rows of the file shown built under the preview.
const SHOWN_ROWS: usize = 8;
/// Reasons of rejection shown, the most frequent first.
const SHOWN_REASONS: usize = 10;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/admin/imports/assistant", post(upload_post))
        .route("/admin/imports/assistant/{key}", get(proposal_page).post(proposal_post))
        .route("/admin/imports/correspondances/{file}", get(export_mapping))
        .route("/admin/imports/correspondances/{name}/supprimer", post(delete_post))
}

/// One option of a select.
struct Choice {
    value: String,
    text: String,
    selected: bool,
}

struct FieldView {
    field: String,
    choices: Vec<Choice>,
    confidence: String,
    reason: String,
    alternatives: String,
}

struct RuleView {
    index: usize,
    /// "services ← colonnes « Statut », « Type lieu » : contient « fablab »".
    what: String,
    /// Every value of the field, for a vocabulary; none for a free-text field (a text box).
    choices: Vec<Choice>,
    /// The values it sets, `|`-separated, for a free-text field's box.
    value: String,
    confidence: String,
    reason: String,
}

struct RowView {
    row: usize,
    kept: bool,
    nom: String,
    adresse: String,
    commune: String,
    services: String,
    /// Why it is rejected, or its warnings.
    problems: String,
}

#[derive(Template)]
#[template(path = "admin/assistant.html")]
struct AssistantPage {
    layout: Layout,
    frame: Option<Frame>,
    key: String,
    file_name: String,
    rows: usize,
    source: String,
    name: String,
    errors: Vec<String>,
    fields: Vec<FieldView>,
    rules: Vec<RuleView>,
    notes: Vec<String>,
    unread: String,
    read: usize,
    kept: usize,
    rejected: usize,
    merged: usize,
    with_services: usize,
    /// (count, field, reason), most frequent first.
    rejections: Vec<(usize, String, String)>,
    preview_rows: Vec<RowView>,
    toml: String,
}

fn field_view(line: &FieldLine, columns: &[String]) -> FieldView {
    let mut choices = Vec::new();
    let plain_one = line.other.is_none() && line.columns.len() == 1;
    let none_selected = line.other.is_none() && line.columns.is_empty();
    // Several columns, or another way (a split, converted coordinates…): a select of one
    // column cannot say it, so an option keeps it as proposed.
    if !plain_one && !none_selected {
        let text = match &line.other {
            Some(other) => format!("tel que proposé : {other}"),
            None => format!(
                "tel que proposé : {}",
                line.columns.iter().map(|column| format!("« {column} »")).collect::<Vec<_>>().join(", ")
            ),
        };
        choices.push(Choice { value: AS_PROPOSED.to_owned(), text, selected: true });
    }
    choices.push(Choice { value: String::new(), text: "(aucune colonne)".to_owned(), selected: none_selected });
    for column in columns {
        let selected = plain_one && line.columns[0] == *column;
        choices.push(Choice { value: column.clone(), text: column.clone(), selected });
    }
    FieldView {
        field: line.field.clone(),
        choices,
        confidence: line.confidence.map_or_else(
            || if line.reason.starts_with("corrigé") { "corrigé".to_owned() } else { String::new() },
            |confidence| confidence.label().to_owned(),
        ),
        reason: line.reason.clone(),
        alternatives: line.alternatives.iter().map(|column| format!("« {column} »")).collect::<Vec<_>>().join(", "),
    }
}

fn rule_view(rule: &RuleLine) -> RuleView {
    let current = rule.values.join("|");
    let mut choices = Vec::new();
    if !rule.choices.is_empty() {
        if rule.values.len() > 1 {
            choices.push(Choice { value: current.clone(), text: rule.values.join(" et "), selected: true });
        }
        for value in &rule.choices {
            let selected = rule.values.len() == 1 && rule.values[0] == *value;
            choices.push(Choice { value: (*value).to_owned(), text: (*value).to_owned(), selected });
        }
        choices.push(Choice { value: String::new(), text: "(supprimer la règle)".to_owned(), selected: false });
    }
    let columns = rule.columns.iter().map(|column| format!("« {column} »")).collect::<Vec<_>>().join(", ");
    RuleView {
        index: rule.index,
        what: format!(
            "{} ← {} {columns} : {}",
            rule.field,
            if rule.columns.len() > 1 { "colonnes" } else { "colonne" },
            rule.condition
        ),
        choices,
        value: current,
        confidence: rule.confidence.map_or_else(|| "corrigé".to_owned(), |confidence| confidence.label().to_owned()),
        reason: rule.reason.clone(),
    }
}

fn page(key: &str, draft: &Draft, name: &str, proposal: &Proposal, errors: Vec<String>) -> AssistantPage {
    let preview = &proposal.preview;
    let mut rejections: Vec<(usize, String, String)> =
        preview.rejections.iter().map(|((field, reason), count)| (*count, field.clone(), reason.clone())).collect();
    rejections.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    rejections.truncate(SHOWN_REASONS);
    let preview_rows = preview
        .rows
        .iter()
        .map(|row| {
            let raw = |field: &str| row.raw.fields.get(field).cloned().unwrap_or_default();
            let severity = if row.record.is_some() { Severity::Warning } else { Severity::Error };
            let problems: Vec<String> = row
                .problems
                .iter()
                .filter(|problem| problem.severity == severity)
                .map(|problem| format!("{} : {}", problem.field, problem.reason))
                .collect();
            match &row.record {
                Some(record) => RowView {
                    row: row.row,
                    kept: true,
                    nom: record.nom.clone(),
                    adresse: record.adresse.clone(),
                    commune: format!("{} {}", record.code_postal, record.commune),
                    services: record
                        .services
                        .iter()
                        .map(|service| maillage_domain::vocab::Vocabulary::label(*service))
                        .collect::<Vec<_>>()
                        .join(", "),
                    problems: problems.join(" ; "),
                },
                None => RowView {
                    row: row.row,
                    kept: false,
                    nom: raw("nom"),
                    adresse: raw("adresse"),
                    commune: format!("{} {}", raw("code_postal"), raw("commune")),
                    services: raw("services"),
                    problems: problems.join(" ; "),
                },
            }
        })
        .collect();
    AssistantPage {
        layout: layout("Assistant de correspondance"),
        frame: None,
        key: key.to_owned(),
        file_name: draft.file_name.clone(),
        rows: proposal.rows,
        source: proposal.spec.source.name.clone(),
        name: name.to_owned(),
        errors,
        fields: proposal.fields.iter().map(|line| field_view(line, &proposal.columns)).collect(),
        rules: proposal.rules.iter().map(rule_view).collect(),
        notes: proposal.notes.clone(),
        unread: proposal.spec.source.unread.iter().map(|c| format!("« {c} »")).collect::<Vec<_>>().join(", "),
        read: preview.read,
        kept: preview.kept,
        rejected: preview.rejected,
        merged: preview.merged,
        with_services: preview.with_services,
        rejections,
        preview_rows,
        toml: proposal.toml.clone(),
    }
}

/// The corrections a form sends: `source`, `champ:<field>` (a column, none, or as proposed),
/// `regle:<n>` (values of the standard, `|`-separated, or none to drop the rule).
fn corrections_of(form: &BTreeMap<String, String>) -> Corrections {
    let mut corrections = Corrections {
        source: form.get("source").map(|source| source.trim().to_owned()).filter(|source| !source.is_empty()),
        ..Corrections::default()
    };
    for (key, value) in form {
        if let Some(field) = key.strip_prefix("champ:") {
            if value != AS_PROPOSED {
                let columns = if value.is_empty() { Vec::new() } else { vec![value.clone()] };
                corrections.fields.insert(field.to_owned(), columns);
            }
        } else if let Some(index) = key.strip_prefix("regle:").and_then(|index| index.parse::<usize>().ok()) {
            corrections.rules.insert(index, value.clone());
        }
    }
    corrections
}

/// The corrections without those the errors name (so that the page shows the rest).
fn without_refused(mut corrections: Corrections, errors: &[maillage_app::FieldError]) -> Corrections {
    for error in errors {
        if error.field == "source" {
            corrections.source = None;
        } else if let Some(field) = error.field.strip_prefix("champ:") {
            corrections.fields.remove(field);
        } else if let Some(index) = error.field.strip_prefix("regle:").and_then(|index| index.parse().ok()) {
            corrections.rules.remove(&index);
        } else {
            return Corrections { source: corrections.source, ..Corrections::default() };
        }
    }
    corrections
}

/// The proposal for a kept file with `corrections`; when some are refused, the proposal with
/// the others and the refusals in French.
async fn propose(
    user: &Administrator,
    app: &App,
    draft: &Draft,
    corrections: Corrections,
) -> Result<(Proposal, Vec<String>), AppError> {
    let (actor, territory, bytes, name) =
        (user.actor.clone(), app.state.territory.clone(), draft.bytes.clone(), draft.file_name.clone());
    app.run(move |ctx| {
        let file = SampleFile { bytes: &bytes, file_name: &name };
        match assistant::propose(ctx, &actor, &file, &corrections, Some(&territory), SHOWN_ROWS) {
            Err(AppError::Invalid(errors)) => {
                let kept = without_refused(corrections, &errors);
                let proposal = assistant::propose(ctx, &actor, &file, &kept, Some(&territory), SHOWN_ROWS)?;
                Ok((proposal, errors.into_iter().map(|error| error.message).collect()))
            }
            other => other.map(|proposal| (proposal, Vec::new())),
        }
    })
    .await
}

fn show(
    user: &Administrator,
    key: &str,
    draft: &Draft,
    name: &str,
    proposal: &Proposal,
    errors: Vec<String>,
) -> Response {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut view = page(key, draft, name, proposal, errors);
    view.frame = Frame::of(user);
    render(status, &view)
}

/// An upload: refused on the imports page when the file cannot be read, else kept and proposed.
async fn upload_post(user: Administrator, app: App, upload: CsrfUpload) -> Result<Response, WebError> {
    let Some((file_name, _, bytes)) = upload.file else {
        let message = "Aucun fichier : choisissez le fichier de l'export à analyser.".to_owned();
        return imports_view(&user, &app, StatusCode::BAD_REQUEST, Some(message)).await;
    };
    let user_id = user.user().map(|user| user.id.clone()).unwrap_or_default();
    let source = upload.fields.get("source").map(|source| source.trim().to_owned()).filter(|s| !s.is_empty());
    let file_name = file_name.rsplit(['/', '\\']).next().unwrap_or(&file_name).to_owned();
    let key = app.state.drafts.keep(&user_id, &file_name, bytes, source.clone());
    let draft = app.state.drafts.get(&key, &user_id).ok_or_else(|| WebError::internal("fichier perdu"))?;
    match propose(&user, &app, &draft, Corrections { source, ..Corrections::default() }).await {
        Ok((proposal, errors)) => Ok(show(&user, &key, &draft, "", &proposal, errors)),
        // A file that cannot be read: nothing kept, the imports page says why.
        Err(err @ (AppError::Input(_) | AppError::Format(_))) => {
            app.state.drafts.forget(&key);
            let message = format!("Fichier refusé, rien n'a été enregistré : {err}");
            imports_view(&user, &app, StatusCode::UNPROCESSABLE_ENTITY, Some(message)).await
        }
        Err(err) => Err(err.into()),
    }
}

pub(super) fn draft_of(user: &Administrator, app: &App, key: &str) -> Result<Draft, WebError> {
    let user_id = user.user().map(|user| user.id.as_str()).unwrap_or_default();
    app.state.drafts.get(key, user_id).ok_or_else(|| {
        WebError::not_found(
            "Ce fichier n'est plus là (gardé une heure, oublié au redémarrage du serveur) : téléversez-le à nouveau \
             depuis la page des imports.",
        )
    })
}

async fn proposal_page(user: Administrator, app: App, Path(key): Path<String>) -> Result<Response, WebError> {
    let draft = draft_of(&user, &app, &key)?;
    let corrections = Corrections { source: draft.source.clone(), ..Corrections::default() };
    let (proposal, errors) = propose(&user, &app, &draft, corrections).await?;
    Ok(show(&user, &key, &draft, "", &proposal, errors))
}

/// A corrected form: previewed again, or saved and imported.
async fn proposal_post(
    user: Administrator,
    app: App,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    let draft = draft_of(&user, &app, &key)?;
    let corrections = corrections_of(&form);
    let name = form.get("nom").map(|name| name.trim().to_owned()).unwrap_or_default();
    if form.get("action").map(String::as_str) != Some("enregistrer") {
        let (proposal, errors) = propose(&user, &app, &draft, corrections).await?;
        return Ok(show(&user, &key, &draft, &name, &proposal, errors));
    }
    let (actor, territory, bytes, file_name) =
        (user.actor.clone(), app.state.territory.clone(), draft.bytes.clone(), draft.file_name.clone());
    let (chosen, sent) = (name.clone(), corrections.clone());
    let imported = app
        .run(move |ctx| {
            let file = SampleFile { bytes: &bytes, file_name: &file_name };
            let proposal = assistant::propose(ctx, &actor, &file, &sent, Some(&territory), 0)?;
            let request = MappingToSave {
                toml: &proposal.toml,
                name: Some(chosen.as_str()).filter(|name| !name.is_empty()),
                sample: Some(file),
                replaces: None,
            };
            mappings::save_mapping(ctx, &actor, &request, now())?;
            // Read as every next file of the export will be: recognised from its columns.
            let candidates = maillage_formats::mapping::shipped::all();
            let options =
                ImportOptions { candidates: &candidates, territory: Some(&territory), ..ImportOptions::default() };
            Ok(import_file(ctx, &actor, &bytes, &file_name, &options)?.batch.id)
        })
        .await;
    match imported {
        Ok(batch) => {
            app.state.drafts.forget(&key);
            Ok(Redirect::to(&format!("/admin/imports/{batch}")).into_response())
        }
        Err(err @ (AppError::Invalid(_) | AppError::Input(_) | AppError::Format(_) | AppError::Store(_))) => {
            let refusal = match &err {
                AppError::Invalid(errors) => errors.iter().map(|error| error.message.clone()).collect(),
                AppError::Store(maillage_store::StoreError::Backend(_)) => return Err(err.into()),
                other => vec![other.to_string()],
            };
            let (proposal, mut errors) = propose(&user, &app, &draft, corrections).await?;
            errors.retain(|error| !refusal.contains(error));
            let mut shown = vec!["Rien n'a été enregistré ni importé.".to_owned()];
            shown.extend(refusal);
            shown.extend(errors);
            let mut view = page(&key, &draft, &name, &proposal, shown);
            view.frame = Frame::of(&user);
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &view))
        }
        Err(err) => Err(err.into()),
    }
}

/// `/admin/imports/correspondances/NAME.toml`: a saved mapping as saved (or a shipped one).
async fn export_mapping(user: Administrator, app: App, Path(file): Path<String>) -> Result<Response, WebError> {
    let Some(name) = file.strip_suffix(".toml").map(str::to_owned) else {
        return Err(WebError::not_found("Correspondance introuvable : l'adresse finit par .toml."));
    };
    let actor = user.actor.clone();
    let (name_for, text) = (name.clone(), app.run(move |ctx| mappings::export_mapping(ctx, &actor, &name)).await?);
    let file_name = format!("{}.toml", name_for.replace(['"', '\\'], ""));
    Ok(attachment("text/plain; charset=utf-8", &file_name, text))
}

#[derive(Deserialize)]
struct Delete {
    version: u32,
}

async fn delete_post(
    user: Administrator,
    app: App,
    Path(name): Path<String>,
    CsrfForm(form): CsrfForm<Delete>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    app.run(move |ctx| mappings::delete_mapping(ctx, &actor, &name, form.version)).await?;
    Ok(Redirect::to("/admin/imports").into_response())
}
