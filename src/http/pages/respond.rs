//! A page's response: its status, HTML and the headers every page carries.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method, Response, StatusCode, header};
use http_body_util::Full;
use paylink_pages::{Back, MessagePage};

use super::super::App;
use super::super::responses::Body;
use super::views;

/// Allows this server's stylesheet and nothing else: no script, frame, image or font from
/// anywhere. `form-action` is left out on purpose: a form's own target is this server, but its
/// answer redirects to the provider's page or the merchant's site, and Chrome applies
/// `form-action` to every redirect that follows a submission.
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'self'; base-uri 'none'; frame-ancestors 'none'";

/// What a page request answers.
pub(super) enum Page {
    /// An HTML page.
    Html {
        status: StatusCode,
        html: String,
        headers: Vec<(HeaderName, HeaderValue)>,
    },
    /// 303 See Other: after a form post, and to the merchant's URLs.
    Redirect(String),
}

impl Page {
    /// An HTML page with `status`.
    pub(super) fn html(status: StatusCode, html: String) -> Self {
        Self::Html {
            status,
            html,
            headers: Vec::new(),
        }
    }

    /// A page rendered from a template; a rendering failure becomes the generic error page.
    pub(super) fn render(
        app: &App,
        status: StatusCode,
        page: &impl paylink_pages::Template,
    ) -> Self {
        match paylink_pages::render(page) {
            Ok(html) => Self::html(status, html),
            Err(error) => {
                tracing::error!(%error, "a page could not be rendered");
                Self::internal(app)
            }
        }
    }

    fn message(
        app: &App,
        status: StatusCode,
        merchant_name: Option<&str>,
        heading: &str,
        message: &str,
        back: Option<Back>,
    ) -> Self {
        let page = MessagePage {
            chrome: views::chrome(app, heading, merchant_name),
            heading: heading.to_owned(),
            message: message.to_owned(),
            back,
        };
        match paylink_pages::render(&page) {
            Ok(html) => Self::html(status, html),
            Err(error) => {
                tracing::error!(%error, "a message page could not be rendered");
                Self::html(status, heading.to_owned())
            }
        }
    }

    /// A page about a link, session or checkout that cannot be used (410 Gone).
    pub(super) fn gone(
        app: &App,
        merchant_name: &str,
        heading: &str,
        message: &str,
        back: Option<Back>,
    ) -> Self {
        Self::message(
            app,
            StatusCode::GONE,
            Some(merchant_name),
            heading,
            message,
            back,
        )
    }

    /// No such page: the same for an id that never existed and one that is not for this path.
    pub(super) fn not_found(app: &App) -> Self {
        Self::message(
            app,
            StatusCode::NOT_FOUND,
            None,
            "Page not found",
            "This link does not lead to a payment. Check that it was copied whole, or ask the sender for a new one.",
            None,
        )
    }

    /// A method the pages do not take.
    pub(super) fn method_not_allowed(app: &App) -> Self {
        let mut page = Self::message(
            app,
            StatusCode::METHOD_NOT_ALLOWED,
            None,
            "Not allowed",
            "This page can only be opened or its form sent.",
            None,
        );
        page.add_header(header::ALLOW, HeaderValue::from_static("GET, HEAD, POST"));
        page
    }

    /// Too many form posts from one address.
    pub(super) fn rate_limited(app: &App, wait: Duration) -> Self {
        let seconds = wait.as_secs().max(1);
        let mut page = Self::message(
            app,
            StatusCode::TOO_MANY_REQUESTS,
            None,
            "Please wait a moment",
            &format!("Too many attempts from your connection. Try again in {seconds} seconds."),
            None,
        );
        if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
            page.add_header(header::RETRY_AFTER, value);
        }
        page
    }

    /// A form post larger than any form of the pages.
    pub(super) fn too_large(app: &App) -> Self {
        Self::message(
            app,
            StatusCode::PAYLOAD_TOO_LARGE,
            None,
            "Form too large",
            "What was sent is larger than this form can take.",
            None,
        )
    }

    /// A post that is not a form.
    pub(super) fn not_a_form(app: &App) -> Self {
        Self::message(
            app,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            None,
            "Not a form",
            "This page takes its own form only.",
            None,
        )
    }

    /// The database or the provider could not be reached; nothing was charged.
    pub(super) fn unavailable(app: &App, merchant_name: Option<&str>, back: Option<Back>) -> Self {
        Self::message(
            app,
            StatusCode::SERVICE_UNAVAILABLE,
            merchant_name,
            "Please try again",
            "The payment could not be started just now, and nothing was charged. Please try again in a moment.",
            back,
        )
    }

    /// Something went wrong inside; the log has the detail.
    pub(super) fn internal(app: &App) -> Self {
        Self::message(
            app,
            StatusCode::INTERNAL_SERVER_ERROR,
            None,
            "Something went wrong",
            "This page could not be shown, and nothing was charged. Please try again later.",
            None,
        )
    }

    fn add_header(&mut self, name: HeaderName, value: HeaderValue) {
        if let Self::Html { headers, .. } = self {
            headers.push((name, value));
        }
    }

    /// The HTTP response, with the headers every page carries.
    pub(super) fn respond(self) -> Response<Body> {
        let mut response = match self {
            Self::Html {
                status,
                html,
                headers,
            } => {
                let mut response = Response::new(Full::new(Bytes::from(html)));
                *response.status_mut() = status;
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                );
                for (name, value) in headers {
                    response.headers_mut().insert(name, value);
                }
                response
            }
            Self::Redirect(location) => {
                let mut response = Response::new(Body::default());
                *response.status_mut() = StatusCode::SEE_OTHER;
                match HeaderValue::from_str(&location) {
                    Ok(value) => {
                        response.headers_mut().insert(header::LOCATION, value);
                    }
                    Err(_) => {
                        tracing::error!("a redirect target is not a valid header value");
                        *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                    }
                }
                response
            }
        };
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        // A page shows the state of a link or payment now; a back button must not show an old one.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

/// The stylesheet, cacheable for a day.
pub(super) fn stylesheet(method: &Method) -> Response<Body> {
    let body = if *method == Method::HEAD {
        Body::default()
    } else {
        Full::new(Bytes::from_static(paylink_pages::STYLESHEET.as_bytes()))
    };
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}
