//! Cookies and CSRF tokens.
//!
//! - The session cookie holds a random token (the store keeps its hash): `HttpOnly`,
//!   `SameSite=Lax`, `Secure` when the hub is served over HTTPS (`MAILLAGE_BASE_URL`).
//! - Every form carries a CSRF token: the session's own for signed-in forms, else a
//!   double-submit token (the same random value in a cookie and in the form).

use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use maillage_app::accounts;

use crate::state::AccountsConfig;

pub const SESSION_COOKIE: &str = "maillage_session";
pub const FORM_COOKIE: &str = "maillage_formulaire";
/// The hidden field of every form.
pub const CSRF_FIELD: &str = "_csrf";

/// A cookie's value from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

pub fn set_cookie(config: &AccountsConfig, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if config.secure_cookies { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"))
        .expect("cookie values are hex")
}

/// Signs the browser in: the session cookie on a response (a redirection).
pub fn with_session(config: &AccountsConfig, mut response: Response, token: &str) -> Response {
    let max_age = accounts::SESSION_HOURS * 3600;
    response.headers_mut().append(header::SET_COOKIE, set_cookie(config, SESSION_COOKIE, token, max_age));
    response
}

pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The double-submit token of a form shown before sign-in: the cookie's value if the
/// browser has one, else a new one (`true`: to be set with [`with_form_cookie`]).
pub fn pre_session_token(headers: &HeaderMap) -> (String, bool) {
    match cookie(headers, FORM_COOKIE).filter(|value| value.len() == 64) {
        Some(value) => (value, false),
        None => (accounts::random_token(), true),
    }
}

/// Whether a pre-session form's double-submit token is the cookie's.
pub fn pre_session_matches(headers: &HeaderMap, given: Option<&str>) -> bool {
    match (cookie(headers, FORM_COOKIE), given) {
        (Some(expected), Some(given)) => expected.len() == 64 && constant_time_eq(&expected, given),
        _ => false,
    }
}

pub fn with_form_cookie(config: &AccountsConfig, mut response: Response, token: &str, new: bool) -> Response {
    if new {
        response.headers_mut().append(header::SET_COOKIE, set_cookie(config, FORM_COOKIE, token, 86_400));
    }
    response
}
