//! The URLs merchants give (redirects, callbacks, success and cancel pages): absolute http(s)
//! URLs, taken exactly as typed. A control character or a space is refused rather than left to
//! the URL parser, which drops or escapes it: the URL stored would not be the one given, and a
//! stray newline would break the `Location` header a payer is sent with.

/// Why `text` is not an absolute http(s) URL as given, if it is not.
pub fn absolute_http(text: &str) -> Result<(), &'static str> {
    if text.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("must not contain spaces or control characters");
    }
    match url::Url::parse(text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(()),
        _ => Err("must be an absolute http:// or https:// URL"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_absolute_http_urls_as_typed_pass() {
        for good in [
            "https://example.com",
            "http://example.com/ok?x=1#y",
            "https://shop.example/%20encoded",
        ] {
            assert_eq!(absolute_http(good), Ok(()), "{good}");
        }
        for bad in [
            "https://x/ok\n",
            "https://x/ok\r\nSet-Cookie: a=b",
            "https://x/o k",
            " https://x/ok",
            "https://x/ok\t",
            "https://x/\u{7f}",
            "https://x/\u{85}",
            "example.com",
            "ftp://example.com",
            "javascript:alert(1)",
        ] {
            assert!(absolute_http(bad).is_err(), "{bad:?}");
        }
    }
}
