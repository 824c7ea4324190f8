//! Middleware every response goes through, each named for what it guarantees: a request id
//! (generated, echoed in `x-request-id` and in the logs), security headers, tracing.

use axum::http::{header, HeaderName, HeaderValue, Request};
use axum::Router;
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Request ids are ULIDs: sortable by time, unique without coordination between servers.
#[derive(Clone, Copy, Default)]
struct UlidRequestId;

impl MakeRequestId for UlidRequestId {
    fn make_request_id<B>(&mut self, _request: &Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&ulid::Ulid::new().to_string()).ok().map(RequestId::new)
    }
}

/// `X-Frame-Options: DENY` unless the response's own policy lets other sites frame it (the
/// embed routes say `frame-ancestors *`): the old header must not contradict the CSP.
fn frame_options<B>(response: &axum::http::Response<B>) -> Option<HeaderValue> {
    let policy = response.headers().get(header::CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok()).unwrap_or("");
    let allows_framing = policy
        .split(';')
        .filter_map(|directive| directive.trim().strip_prefix("frame-ancestors"))
        .any(|sources| sources.trim() != "'none'");
    (!allows_framing).then(|| HeaderValue::from_static("DENY"))
}

pub fn wrap(router: Router) -> Router {
    router
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, frame_options))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
            let id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
            tracing::info_span!("requete", id = %id, method = %request.method(), path = %request.uri().path())
        }))
        .layer(SetRequestIdLayer::new(REQUEST_ID, UlidRequestId))
}
