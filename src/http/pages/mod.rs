//! The payer's pages, served without an API key at the paths of the public link and session
//! base URLs (`/pay/{link_id}`, `/plan/{session_id}` by default):
//!
//! - `GET {base}/{id}`: the link's or session's page; `POST` the same path opens a checkout and
//!   redirects (303) to the provider's page, or to the test-mode card page.
//! - `GET {base}/{id}/checkout/{checkout}`: the test-mode card page; `POST` pays with a test card.
//! - `GET {base}/{id}/checkout/{checkout}/done`: where the payer lands after paying: the
//!   merchant's message, a redirect to its URL, or "processing" (with a link to look again)
//!   until the provider confirms.
//! - `GET {base}/_assets/pages.css`: the stylesheet.
//!
//! Guards, since anyone may call these: GET and HEAD never change anything; form posts are
//! bounded in size and limited per client address (behind trusted proxies, the forwarded one);
//! an unknown id and a state that cannot be paid get pages that say so and nothing more (ids
//! are random, and no page names another link); errors inside reach the log, never the page.
//! Every page carries a Content-Security-Policy that allows only this server's stylesheet.

mod attempt;
mod checkout;
mod form_guard;
mod link;
mod plan;
mod respond;
mod views;

use std::net::IpAddr;

use http::{Method, Request, Response};
use hyper::body::Incoming;

pub use form_guard::PageRateLimiter;

use super::App;
use super::responses::Body;
use respond::Page;

/// The stylesheet's path under each base.
const STYLESHEET_PATH: &str = "/_assets/pages.css";

/// Which base a page path is under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Base {
    Link,
    Session,
}

/// The path of a base URL (`/pay` of `http://127.0.0.1:8080/pay`).
pub(crate) fn base_path(base_url: &str) -> String {
    url::Url::parse(base_url)
        .map(|url| url.path().trim_end_matches('/').to_owned())
        .unwrap_or_default()
}

/// The base a path is under, and the rest of it.
fn split<'p>(app: &App, path: &'p str) -> Option<(Base, &'p str)> {
    let under = |base: &str| {
        path.strip_prefix(base)
            .and_then(|rest| rest.strip_prefix('/'))
            .filter(|rest| !rest.is_empty())
    };
    under(&app.page_paths.link)
        .map(|rest| (Base::Link, rest))
        .or_else(|| under(&app.page_paths.session).map(|rest| (Base::Session, rest)))
}

/// Whether `path` is one of the pages'.
pub(crate) fn handles(app: &App, path: &str) -> bool {
    split(app, path).is_some()
}

/// Serves one page request.
pub(crate) async fn handle(
    app: &App,
    client: IpAddr,
    request: Request<Incoming>,
) -> Response<Body> {
    let path = request.uri().path().to_owned();
    let Some((base, rest)) = split(app, &path) else {
        return Page::not_found(app).respond();
    };
    if rest == STYLESHEET_PATH.trim_start_matches('/') {
        return match *request.method() {
            Method::GET | Method::HEAD => respond::stylesheet(request.method()),
            _ => Page::method_not_allowed(app).respond(),
        };
    }
    let segments: Vec<&str> = rest.split('/').collect();
    let method = request.method().clone();
    // A link's page and form carry the payer's attempt, given when the browser has none.
    let (attempt, set_attempt) = match (base, segments.as_slice()) {
        (Base::Link, [_]) => match attempt::of_request(request.headers()) {
            Some(key) => (Some(key), None),
            None => {
                let (key, cookie) = attempt::new(app);
                (Some(key), cookie)
            }
        },
        _ => (None, None),
    };
    let page = match (base, segments.as_slice(), &method) {
        (_, [_, ..], m) if !matches!(*m, Method::GET | Method::HEAD | Method::POST) => {
            Page::method_not_allowed(app)
        }
        (Base::Link, [link_id], &Method::POST) => {
            match form_guard::form(app, client, request).await {
                Ok(body) => link::submit(app, link_id, &body, attempt.as_deref()).await,
                Err(page) => page,
            }
        }
        (Base::Link, [link_id], _) => link::show(app, link_id).await,
        (Base::Session, [session_id], &Method::POST) => {
            match form_guard::form(app, client, request).await {
                Ok(body) => plan::submit(app, session_id, &body).await,
                Err(page) => page,
            }
        }
        (Base::Session, [session_id], _) => plan::show(app, session_id).await,
        (base, [owner, "checkout", checkout_id], &Method::POST) => {
            match form_guard::form(app, client, request).await {
                Ok(body) => checkout::pay_test_card(app, base, owner, checkout_id, &body).await,
                Err(page) => page,
            }
        }
        (base, [owner, "checkout", checkout_id], _) => {
            checkout::show_test_card(app, base, owner, checkout_id).await
        }
        (_, [_, "checkout", _, "done"], &Method::POST) => Page::method_not_allowed(app),
        (base, [owner, "checkout", checkout_id, "done"], _) => {
            checkout::done(app, base, owner, checkout_id).await
        }
        _ => Page::not_found(app),
    };
    let mut response = page.respond();
    if let Some(cookie) = set_attempt {
        response
            .headers_mut()
            .append(http::header::SET_COOKIE, cookie);
    }
    if method == Method::HEAD {
        *response.body_mut() = Body::default();
    }
    response
}
