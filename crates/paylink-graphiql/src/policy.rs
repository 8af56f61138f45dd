//! The Content-Security-Policy the page is served with.
//!
//! Everything the page needs comes from its own origin: the scripts and styles are asset files
//! (the start-up code too, so no inline script is allowed), GraphiQL's fonts and icons are
//! `data:` URLs inside its stylesheet, and the only requests it makes go to the GraphQL endpoint.
//! Anything else, such as a CDN, a frame or a form posting elsewhere, is refused by the browser.

/// The policy, as one header value.
pub const CONTENT_SECURITY_POLICY: &str = concat!(
    "default-src 'none'; ",
    "script-src 'self'; ",
    "connect-src 'self'; ",
    "img-src 'self' data:; ",
    "style-src 'self'; ",
    "font-src 'self' data:; ",
    "base-uri 'none'; ",
    "form-action 'none'; ",
    "frame-ancestors 'none'",
);
