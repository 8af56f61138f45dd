//! Header values clients choose as identifiers (`X-Request-Id`, `Idempotency-Key`): taken only
//! when short and printable, so that they are safe to log, store and echo.

use http::HeaderValue;

/// `value` as text when it is 1 to `max_len` printable ASCII characters.
pub(super) fn header_token(value: &HeaderValue, max_len: usize) -> Option<&str> {
    value.to_str().ok().filter(|token| {
        !token.is_empty() && token.len() <= max_len && token.bytes().all(|b| b.is_ascii_graphic())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_printable_tokens_are_taken() {
        let token =
            |text: &str| header_token(&HeaderValue::from_str(text).unwrap(), 8).map(str::to_owned);
        assert_eq!(token("abc-123").as_deref(), Some("abc-123"));
        assert_eq!(token(""), None);
        assert_eq!(token("has space"), None);
        assert_eq!(token("123456789"), None);
    }
}
