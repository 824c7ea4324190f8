//! Rendering of the account and administration pages: their layout (the public base with
//! the signed-in navigation), the message page, and the dates as they show them.

use askama::Template;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::extract::Visitor;
use crate::pages::Layout;
use crate::security::Policy;

tokio::task_local! {
    /// The hub's name, colour and logo while a request is answered (the error-rendering
    /// middleware sets it around every request), so account and admin pages carry them
    /// without each handler reading the state.
    pub static BRANDING: std::sync::Arc<maillage_app::hub::branding::Branding>;
}

/// The layout of account and admin pages: the public base with the hub's branding, without
/// the map's settings.
pub fn layout(title: &str) -> Layout {
    Layout {
        title: title.to_owned(),
        current: "",
        embed: false,
        tiles_url: String::new(),
        tiles_attribution: String::new(),
        geocoder_url: String::new(),
        branding: BRANDING.try_with(std::sync::Arc::clone).unwrap_or_default(),
    }
}

/// Who is signed in, for the admin navigation.
#[derive(Clone, Debug)]
pub struct Frame {
    pub user_name: String,
    pub role: String,
    pub csrf: String,
    pub administrator: bool,
    pub moderator: bool,
}

impl Frame {
    pub fn of(visitor: &Visitor) -> Option<Frame> {
        let user = visitor.user()?;
        Some(Frame {
            user_name: user.name.clone(),
            role: user.role.label().to_owned(),
            csrf: visitor.session.as_ref().map(|s| s.csrf_token.clone()).unwrap_or_default(),
            administrator: matches!(user.role, maillage_store::Role::Administrateur),
            moderator: !matches!(user.role, maillage_store::Role::Gestionnaire { .. }),
        })
    }
}

/// An account or admin page: forms, tokens and personal data, so the strict policy and no
/// caching (the security middleware reads the policy).
pub fn render<T: Template>(status: StatusCode, template: &T) -> Response {
    match template.render() {
        Ok(body) => {
            let mut response = (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response();
            response.extensions_mut().insert(Policy::Private);
            response
        }
        Err(err) => crate::WebError::internal(err).into_response(),
    }
}

/// The media type of the CSV files handed to people.
pub const CSV: &str = "text/csv; charset=utf-8";
/// The media type of OpenDocument workbooks.
pub const ODS: &str = "application/vnd.oasis.opendocument.spreadsheet";

/// A file to download: its media type, the name a browser saves it under, its bytes.
pub fn attachment(content_type: &str, file_name: &str, body: impl IntoResponse) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")),
        ],
        body,
    )
        .into_response()
}

/// An [`attachment`] of personal data (names, e-mails): no cache keeps a copy.
pub fn private_attachment(content_type: &str, file_name: &str, body: impl IntoResponse) -> Response {
    ([(header::CACHE_CONTROL, "no-store")], attachment(content_type, file_name, body)).into_response()
}

#[derive(Template)]
#[template(path = "admin/message.html")]
struct MessagePage {
    layout: crate::pages::Layout,
    frame: Option<Frame>,
    heading: String,
    message: String,
}

pub fn message_page(status: StatusCode, frame: Option<Frame>, heading: &str, message: &str) -> Response {
    render(
        status,
        &MessagePage { layout: layout(heading), frame, heading: heading.to_owned(), message: message.to_owned() },
    )
}

/// A moment as the pages show it: Paris local time, to the minute.
pub fn day(at: &chrono::DateTime<chrono::Utc>) -> String {
    maillage_domain::hours::paris_local(*at).format("%d/%m/%Y %H:%M").to_string()
}
