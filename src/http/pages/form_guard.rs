//! The guards of the pages' form posts: a limit per client address, a bound on size, and the
//! form media type.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use bytes::Bytes;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use http::{Request, header};
use hyper::body::Incoming;

use super::super::App;
use super::super::body::{discard_body, read_body};
use super::super::refusal::Refusal;
use super::respond::Page;
use crate::config::payments::PageRateLimit;

/// The largest form any page posts: a few short fields. Far below the API's body limit.
const MAX_FORM_BYTES: usize = 16 * 1024;

/// Form posts per client address, in this process's memory.
pub struct PageRateLimiter {
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
}

impl std::fmt::Debug for PageRateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageRateLimiter")
            .field("enabled", &self.limiter.is_some())
            .finish()
    }
}

impl PageRateLimiter {
    /// A limiter for `limit`; 0 per minute lets everything through.
    pub fn new(limit: PageRateLimit) -> Self {
        let limiter = NonZeroU32::new(limit.per_minute).map(|rate| {
            let burst = NonZeroU32::new(limit.burst).unwrap_or(rate);
            RateLimiter::keyed(Quota::per_minute(rate).allow_burst(burst))
        });
        Self { limiter }
    }

    fn check(&self, client: IpAddr) -> Result<(), Duration> {
        match &self.limiter {
            None => Ok(()),
            Some(limiter) => limiter
                .check_key(&client)
                .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now())),
        }
    }

    /// Forgets addresses not seen for a while, so memory stays bounded.
    pub fn forget_idle(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

/// The body of a form post from `client`, or the page that refuses it.
pub(super) async fn form(
    app: &App,
    client: IpAddr,
    request: Request<Incoming>,
) -> Result<Bytes, Page> {
    if let Err(wait) = app.page_limiter.check(client) {
        discard_body(request.into_body()).await;
        return Err(Page::rate_limited(app, wait));
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| {
            media
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !is_form {
        discard_body(request.into_body()).await;
        return Err(Page::not_a_form(app));
    }
    read_body(request.into_body(), MAX_FORM_BYTES.min(app.max_body_bytes))
        .await
        .map_err(|refusal| match refusal {
            Refusal::PayloadTooLarge { .. } => Page::too_large(app),
            _ => Page::not_a_form(app),
        })
}
