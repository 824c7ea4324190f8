//! The OpenAPI document (`/api/openapi.json`, generated from the handlers and the contract's
//! types) and a readable page rendered from it (`/api/docs`, no script or external style).

use std::fmt::Write;
use std::sync::Arc;

use axum::extract::RawQuery;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use serde_json::Value;

use crate::query::Params;
use crate::WebError;

/// The document as served, and its page, built once with the router.
pub struct Document {
    json: String,
    page: String,
}

impl Document {
    pub fn new(document: utoipa::openapi::OpenApi) -> Document {
        let json = document.to_pretty_json().expect("the OpenAPI document serialises");
        let value: Value = serde_json::from_str(&json).expect("the OpenAPI document is JSON");
        Document { page: render(&value), json }
    }
}

#[utoipa::path(
    get,
    path = "/api/openapi.json",
    summary = "Ce document",
    description = "La description OpenAPI 3.1 de l'API, produite à partir du code.",
    responses((status = 200, description = "Document OpenAPI.", body = Object))
)]
pub async fn openapi(
    Extension(document): Extension<Arc<Document>>,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    Params::parse(raw.as_deref())?.finish()?;
    Ok(([(header::CONTENT_TYPE, "application/json")], document.json.clone()).into_response())
}

#[utoipa::path(
    get,
    path = "/api/docs",
    summary = "Documentation lisible",
    description = "Cette description présentée en page HTML.",
    responses((status = 200, description = "Page HTML.", content_type = "text/html", body = String))
)]
pub async fn page(
    Extension(document): Extension<Arc<Document>>,
    RawQuery(raw): RawQuery,
) -> Result<Html<String>, WebError> {
    Params::parse(raw.as_deref())?.finish()?;
    Ok(Html(document.page.clone()))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn render(doc: &Value) -> String {
    let text = |v: &Value| escape(v.as_str().unwrap_or(""));
    let mut html = String::new();
    let _ = write!(
        html,
        "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><link rel=\"stylesheet\" href=\"{css}\"></head><body class=\"api-docs\"><div class=\"page-etroite\">\
         <header><h1>{title}</h1><p>{description}</p>\
         <p>Document OpenAPI 3.1 : <a href=\"/api/openapi.json\">/api/openapi.json</a></p></header><main>",
        // The site's stylesheet: long parameter tables scroll inside their box on a phone.
        css = crate::pages::asset_url("css/app.css"),
        title = text(&doc["info"]["title"]),
        description = text(&doc["info"]["description"]),
    );
    let _ = write!(html, "<nav aria-label=\"Routes\"><ul>");
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    for (path, _) in &paths {
        let _ = write!(
            html,
            "<li><a href=\"#{anchor}\"><code>GET {p}</code></a></li>",
            anchor = anchor(path),
            p = escape(path)
        );
    }
    let _ = write!(html, "</ul></nav>");
    for (path, item) in &paths {
        let Some(operation) = item.get("get") else { continue };
        let _ = write!(
            html,
            "<section id=\"{anchor}\"><h2><code>GET {p}</code> — {summary}</h2><p>{description}</p>",
            anchor = anchor(path),
            p = escape(path),
            summary = text(&operation["summary"]),
            description = text(&operation["description"]),
        );
        if let Some(parameters) = operation["parameters"].as_array().filter(|p| !p.is_empty()) {
            let _ = write!(
                html,
                // Focusable, so that a keyboard can scroll the table on a narrow screen.
                "<div class=\"tableau-defilant\" tabindex=\"0\" role=\"region\" aria-label=\"Paramètres de GET {p}\">\
                 <table><caption>Paramètres</caption><thead><tr><th scope=\"col\">Nom</th><th scope=\"col\">Où</th>\
                 <th scope=\"col\">Obligatoire</th><th scope=\"col\">Description</th></tr></thead><tbody>",
                p = escape(path)
            );
            for parameter in parameters {
                let _ = write!(
                    html,
                    "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    text(&parameter["name"]),
                    if parameter["in"] == "path" { "chemin" } else { "requête" },
                    if parameter["required"] == true { "oui" } else { "non" },
                    text(&parameter["description"]),
                );
            }
            let _ = write!(html, "</tbody></table></div>");
        }
        if let Some(responses) = operation["responses"].as_object() {
            let _ = write!(html, "<h3>Réponses</h3><ul>");
            for (status, response) in responses {
                let _ =
                    write!(html, "<li><strong>{}</strong> : {}</li>", escape(status), text(&response["description"]));
            }
            let _ = write!(html, "</ul>");
        }
        let _ = write!(html, "</section>");
    }
    let _ = write!(html, "</main></div></body></html>");
    html
}

fn anchor(path: &str) -> String {
    path.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect()
}
