//! The check of a provider's API root: https, or http for a loopback host (tests), with a host,
//! without credentials, query or fragment.

use url::{Host, Url};

/// The words a provider's base-URL messages use, since each sends other credentials.
#[derive(Debug, Clone, Copy)]
pub struct BaseUrlRule {
    /// The credential sent with every request, as in "since the *secret key* travels in every
    /// request".
    pub credential: &'static str,
    /// Where credentials go instead of the URL, as in "must not carry credentials (give *the
    /// secret key as its own setting*)".
    pub credentials_elsewhere: &'static str,
    /// The provider's own API root, as in "must be an https:// URL such as
    /// *https://api.stripe.com*".
    pub example: &'static str,
}

/// Whether `url` may be a provider's API root; Err is what is wrong, one line without the
/// setting's name (the caller puts it in its configuration error).
///
/// `https://` is required, except `http://` for a loopback host (`localhost`, `127.0.0.0/8`,
/// `::1`), since the credential travels in every request. The URL must have a host and
/// must carry no user, password, query or fragment; a path is allowed.
pub fn check_base_url(url: &Url, rule: &BaseUrlRule) -> Result<(), String> {
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(url) => {}
        "http" => {
            return Err(format!(
                "http:// is only allowed for a loopback host, since the {} travels in every request",
                rule.credential
            ));
        }
        _ => return Err(format!("must be an https:// URL such as {}", rule.example)),
    }
    if url.host().is_none() {
        return Err("missing host".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "must not carry credentials (give {})",
            rule.credentials_elsewhere
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must not have a query or fragment".into());
    }
    Ok(())
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: BaseUrlRule = BaseUrlRule {
        credential: "secret key",
        credentials_elsewhere: "the secret key as its own setting",
        example: "https://api.example.com",
    };

    fn check(url: &str) -> Result<(), String> {
        check_base_url(&url.parse().expect("a URL"), &RULE)
    }

    #[test]
    fn https_with_or_without_a_path_passes() {
        assert_eq!(check("https://api.example.com"), Ok(()));
        assert_eq!(check("https://proxy.example.com:8443/provider/"), Ok(()));
    }

    #[test]
    fn http_passes_only_for_a_loopback_host() {
        for url in [
            "http://localhost:8080",
            "http://LOCALHOST",
            "http://127.0.0.1:1",
            "http://127.8.9.10",
            "http://[::1]:9000/x",
        ] {
            assert_eq!(check(url), Ok(()), "{url}");
        }
        for url in [
            "http://api.example.com",
            "http://10.0.0.1",
            "http://localhost.example.com",
        ] {
            assert_eq!(
                check(url),
                Err("http:// is only allowed for a loopback host, since the secret key travels in every request".into()),
                "{url}"
            );
        }
    }

    #[test]
    fn another_scheme_names_the_example() {
        for url in [
            "ftp://api.example.com",
            "unix:/run/api.sock",
            "data:text/plain,x",
        ] {
            assert_eq!(
                check(url),
                Err("must be an https:// URL such as https://api.example.com".into()),
                "{url}"
            );
        }
    }

    #[test]
    fn credentials_query_and_fragment_are_refused() {
        let credentials =
            Err("must not carry credentials (give the secret key as its own setting)".into());
        assert_eq!(check("https://user@api.example.com"), credentials);
        assert_eq!(check("https://:pass@api.example.com"), credentials);
        let extra = Err("must not have a query or fragment".into());
        assert_eq!(check("https://api.example.com/?a=1"), extra);
        assert_eq!(check("https://api.example.com/#top"), extra);
    }
}
