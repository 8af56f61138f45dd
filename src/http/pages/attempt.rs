//! A payer's attempt at a link: a random token in a cookie scoped to the link pages, so that a
//! second tab, or the payer coming back, goes on with the checkout they already opened instead
//! of opening another. It identifies nothing but the browser's attempt: it is not a session and
//! carries no authority (a forged one finds no checkout, or one that only its holder can pay).

use http::{HeaderMap, HeaderValue, header};

use super::super::App;
use crate::domain::ids;

/// The cookie's name.
const COOKIE: &str = "paylink_attempt";
/// How long a browser keeps it: as long as the longest checkout takes a payment.
const MAX_AGE_SECS: u32 = 24 * 3600;

/// The attempt a request carries, if its cookie holds one of ours.
pub(super) fn of_request(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|value| ids::is_attempt_key(value))
}

/// A new attempt, and the `Set-Cookie` that gives it to the browser for the link pages.
pub(super) fn new(app: &App) -> (String, Option<HeaderValue>) {
    let key = ids::new_attempt_key();
    let secure = if app.links.public_link_base_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{COOKIE}={key}; Path={}; Max-Age={MAX_AGE_SECS}; HttpOnly; SameSite=Lax{secure}",
        if app.page_paths.link.is_empty() {
            "/"
        } else {
            &app.page_paths.link
        }
    );
    (key, HeaderValue::from_str(&cookie).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_cookie_with_a_well_formed_key_counts() {
        let key = ids::new_attempt_key();
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("theme=dark; {COOKIE}={key}")).unwrap(),
        );
        assert_eq!(of_request(&headers), Some(key));
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("paylink_attempt=../../etc; x=1"),
        );
        assert_eq!(of_request(&headers), None);
        assert_eq!(of_request(&HeaderMap::new()), None);
    }
}
