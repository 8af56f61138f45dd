//! Cross-origin requests from browser pages (CORS), for the GraphQL endpoint only.
//!
//! Off unless `PAYLINK_CORS_ORIGINS` names origins: a browser then lets pages of those origins
//! call the API with a key their user gave them. Preflights are answered before, and without,
//! the API key, as browsers send them without credentials. No response ever allows credentials:
//! paylink takes its key from the `Authorization` header, never from a cookie, so there is none
//! for a browser to attach on a page's behalf, and `*` stays safe.
//!
//! Hand-written rather than taken from tower-http: the server is a plain hyper service, and the
//! rules below are the whole of what it needs.

use http::{HeaderMap, HeaderValue, Method, Response, StatusCode, header};

use super::responses::{self, Body};
use crate::config::CorsOrigins;

/// Request headers a page may send: those GraphQL clients set (Apollo Client's own included).
const ALLOWED_HEADERS: &str = "authorization, content-type, idempotency-key, x-request-id, \
                               apollographql-client-name, apollographql-client-version, \
                               apollo-require-preflight";
/// Response headers a page may read besides the safelisted ones.
const EXPOSED_HEADERS: &str = "x-request-id, retry-after, idempotency-replayed";
/// How long a browser may keep a preflight's answer, in seconds.
const MAX_AGE_SECS: &str = "600";

/// Whether `method` and `headers` make a CORS preflight.
pub(super) fn is_preflight(method: &Method, headers: &HeaderMap) -> bool {
    method == Method::OPTIONS
        && headers.contains_key(header::ORIGIN)
        && headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
}

/// Answers a preflight: allowed for a configured origin asking for GET or POST, else 403 with
/// the reason (a browser shows the status in its console).
pub(super) fn preflight(origins: &CorsOrigins, headers: &HeaderMap) -> Response<Body> {
    let Some(allow_origin) = allowed_origin(origins, headers.get(header::ORIGIN)) else {
        let mut response = responses::text(
            StatusCode::FORBIDDEN,
            "this origin may not call the API from a browser (see PAYLINK_CORS_ORIGINS)\n",
        );
        vary(origins, &mut response);
        return response;
    };
    let method_allowed = headers
        .get(header::ACCESS_CONTROL_REQUEST_METHOD)
        .is_some_and(|method| method == "GET" || method == "POST");
    if !method_allowed {
        return responses::text(StatusCode::FORBIDDEN, "only GET and POST are allowed\n");
    }
    let mut response = responses::text(StatusCode::NO_CONTENT, "");
    let out = response.headers_mut();
    out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin);
    out.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST"),
    );
    out.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(ALLOWED_HEADERS),
    );
    out.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static(MAX_AGE_SECS),
    );
    out.remove(header::CONTENT_TYPE);
    vary(origins, &mut response);
    response
}

/// Lets the page of `origin`, when configured, read `response`.
pub(super) fn allow(
    origins: &CorsOrigins,
    origin: Option<&HeaderValue>,
    response: &mut Response<Body>,
) {
    if let Some(allow_origin) = allowed_origin(origins, origin) {
        let out = response.headers_mut();
        out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin);
        out.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSED_HEADERS),
        );
    }
    vary(origins, response);
}

/// The `Access-Control-Allow-Origin` for the request's `Origin`, when it is allowed.
fn allowed_origin(origins: &CorsOrigins, origin: Option<&HeaderValue>) -> Option<HeaderValue> {
    let origin = origin?;
    match origins {
        CorsOrigins::None => None,
        CorsOrigins::Any => Some(HeaderValue::from_static("*")),
        CorsOrigins::Exact(list) => list
            .iter()
            .any(|allowed| origin.as_bytes() == allowed.as_bytes())
            .then(|| origin.clone()),
    }
}

/// Answers that depend on `Origin` say so, so that shared caches keep them apart.
fn vary(origins: &CorsOrigins, response: &mut Response<Body>) {
    if matches!(origins, CorsOrigins::Exact(_)) {
        response
            .headers_mut()
            .append(header::VARY, HeaderValue::from_static("Origin"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(origin: &str, method: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ORIGIN, HeaderValue::from_str(origin).unwrap());
        headers.insert(
            header::ACCESS_CONTROL_REQUEST_METHOD,
            HeaderValue::from_str(method).unwrap(),
        );
        headers
    }

    fn exact() -> CorsOrigins {
        CorsOrigins::Exact(vec!["https://app.example.com".to_owned()])
    }

    #[test]
    fn preflights_are_allowed_for_listed_origins_only() {
        let allowed = preflight(&exact(), &request("https://app.example.com", "POST"));
        assert_eq!(allowed.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            allowed.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
            "https://app.example.com"
        );
        assert!(
            !allowed
                .headers()
                .contains_key(header::ACCESS_CONTROL_ALLOW_CREDENTIALS)
        );
        let other = preflight(&exact(), &request("https://evil.example", "POST"));
        assert_eq!(other.status(), StatusCode::FORBIDDEN);
        let put = preflight(&exact(), &request("https://app.example.com", "PUT"));
        assert_eq!(put.status(), StatusCode::FORBIDDEN);
        let off = preflight(
            &CorsOrigins::None,
            &request("https://app.example.com", "POST"),
        );
        assert_eq!(off.status(), StatusCode::FORBIDDEN);
        let any = preflight(&CorsOrigins::Any, &request("https://any.example", "GET"));
        assert_eq!(any.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    }
}
