//! Behind a reverse proxy: the client a trusted proxy names keys the rate limits, its
//! `X-Forwarded-Proto: https` makes cookies `Secure` and sends HSTS; the same headers from
//! anyone else change nothing.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use maillage_web::{router_with_accounts, AccountsConfig, SiteConfig, TrustedProxies};
use tower::ServiceExt;

use super::common::hub::{Hub, KEY};
use super::common::Page;

/// One request as it reaches the server from `peer`, with forwarding headers.
async fn from(
    hub: &Hub,
    config: &Arc<AccountsConfig>,
    peer: &str,
    forwarded: &[(&str, &str)],
    request: axum::http::request::Builder,
    body: Body,
) -> Page {
    let mut request = request.extension(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
    for (name, value) in forwarded {
        request = request.header(*name, *value);
    }
    let response = router_with_accounts(hub.state.clone(), SiteConfig::default(), config.clone())
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 24).await.unwrap();
    Page { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

/// Six sign-in attempts: the first five refused for the password, the sixth by the limit
/// unless the limit is per some other key.
async fn attempts(hub: &Hub, config: &Arc<AccountsConfig>, peer: &str, forwarded: &[(&str, &str)]) -> Vec<StatusCode> {
    let token = "a".repeat(64);
    let form = format!("_csrf={token}&courriel=admin%40hub.example&mot_de_passe=faux&suite=%2Fadmin");
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let request = Request::post("/connexion")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("maillage_formulaire={token}"));
        statuses.push(from(hub, config, peer, forwarded, request, Body::from(form.clone())).await.status);
    }
    statuses
}

#[tokio::test]
async fn rate_limits_key_the_client_a_trusted_proxy_names_and_only_then() {
    let mut hub = Hub::new();
    let mut state = hub.state.clone();
    state.trusted_proxies = Arc::new(TrustedProxies::parse("10.0.0.0/8").unwrap());
    hub.state = state;
    let config = Arc::new(AccountsConfig::with_outbox(hub.folder.path(), "http://hub.example", KEY));
    let refused = StatusCode::UNAUTHORIZED;
    let limited = StatusCode::TOO_MANY_REQUESTS;
    // Through the proxy, two clients: each has its own allowance.
    let first = attempts(&hub, &config, "10.0.0.1:4000", &[("x-forwarded-for", "203.0.113.7")]).await;
    assert_eq!(first, [refused, refused, refused, refused, refused, limited]);
    let second = attempts(&hub, &config, "10.0.0.1:4000", &[("x-forwarded-for", "203.0.113.8")]).await;
    assert_eq!(second[0], refused, "another client behind the proxy is not limited by the first");
    // A client writing the header itself, not through a trusted proxy, is keyed by its own
    // address: changing the header does not buy attempts.
    let direct = attempts(&hub, &config, "198.51.100.1:5000", &[("x-forwarded-for", "192.0.2.1")]).await;
    assert_eq!(direct[5], limited);
    let forged = attempts(&hub, &config, "198.51.100.1:5000", &[("x-forwarded-for", "192.0.2.2")]).await;
    assert_eq!(forged[0], limited, "{forged:?}");
    // Nor does prepending a fake client before the proxy's own entry.
    let prepended = attempts(&hub, &config, "10.0.0.1:4000", &[("x-forwarded-for", "192.0.2.99, 203.0.113.7")]).await;
    assert_eq!(prepended[0], limited, "{prepended:?}");
}

#[tokio::test]
async fn https_through_a_trusted_proxy_means_secure_cookies_and_hsts() {
    let mut hub = Hub::new();
    let mut state = hub.state.clone();
    state.trusted_proxies = Arc::new(TrustedProxies::parse("10.0.0.1").unwrap());
    hub.state = state;
    // A hub whose public address was left at http: the proxy's word decides.
    let config = Arc::new(AccountsConfig::with_outbox(hub.folder.path(), "http://hub.example", KEY));
    let https = [("x-forwarded-proto", "https"), ("x-forwarded-for", "203.0.113.7")];
    let page = from(&hub, &config, "10.0.0.1:4000", &https, Request::get("/connexion"), Body::empty()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.headers[header::STRICT_TRANSPORT_SECURITY], "max-age=31536000");
    let cookie = page.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("maillage_formulaire=") && cookie.ends_with("; Secure"), "{cookie}");
    let api = from(&hub, &config, "10.0.0.1:4000", &https, Request::get("/api/v1/sante"), Body::empty()).await;
    assert!(api.headers.contains_key(header::STRICT_TRANSPORT_SECURITY));
    // The same headers from an untrusted peer, or plain HTTP from the proxy: neither.
    for (peer, forwarded) in
        [("198.51.100.1:5000", &https[..]), ("10.0.0.1:4000", &[("x-forwarded-proto", "http")][..])]
    {
        let page = from(&hub, &config, peer, forwarded, Request::get("/connexion"), Body::empty()).await;
        assert!(!page.headers.contains_key(header::STRICT_TRANSPORT_SECURITY), "{peer}");
        let cookie = page.headers[header::SET_COOKIE].to_str().unwrap();
        assert!(!cookie.contains("Secure"), "{peer}: {cookie}");
    }
}
