//! The outbound guard, as the service uses it: every request to a URL a merchant gave goes
//! through `paylink-outbound` (the address rules, resolve once, connect to the vetted address,
//! no redirects), which `paylink-notify` applies to each callback. Here: the check when a
//! merchant sets such a URL, and the warnings at start when the operator loosened the policy.

use paylink_outbound::{OutboundPolicy, Refusal};

use crate::config::settings;
use crate::domain::InvalidField;

/// Checks a URL a merchant sets (`field` names it as the client spelled it) without DNS: the
/// scheme, an IP address written in it, `localhost` names. A name is checked again, resolved,
/// at each send, since what it resolves to may change.
pub fn check_merchant_url(
    policy: &OutboundPolicy,
    field: &str,
    url: &str,
) -> Result<(), InvalidField> {
    policy.check_url(url).map(drop).map_err(|refusal| {
        let message = match refusal {
            Refusal::Scheme => "must be an https URL".to_owned(),
            Refusal::NotAUrl => "must be an absolute URL with a host".to_owned(),
            Refusal::Address { .. } | Refusal::Localhost => {
                "must point at a public address: loopback, private, link-local and other \
                 internal addresses are refused"
                    .to_owned()
            }
        };
        InvalidField::new(field, message)
    })
}

/// Logs a warning for each way the operator loosened the policy; call once at start.
pub fn warn_if_loosened(policy: &OutboundPolicy) {
    if policy.allow_http {
        tracing::warn!(
            "{} is on: merchants' callbacks may use plain http (a development setting)",
            settings::OUTBOUND_ALLOW_HTTP.env
        );
    }
    if !policy.allowed_networks.is_empty() {
        let networks: Vec<String> = policy
            .allowed_networks
            .iter()
            .map(ToString::to_string)
            .collect();
        tracing::warn!(
            networks = %networks.join(","),
            "{} is set: merchants' callbacks may reach these networks despite the outbound rules",
            settings::OUTBOUND_ALLOWED_NETWORKS.env
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_url_names_its_field_and_not_what_is_behind_it() {
        let strict = OutboundPolicy::default();
        let error = check_merchant_url(&strict, "callbackUrl", "https://10.0.0.1/").unwrap_err();
        assert_eq!(error.field, "callbackUrl");
        assert!(!error.message.contains("10.0.0.1"), "{error}");
        let error = check_merchant_url(&strict, "callbackUrl", "http://hooks.example.com/");
        assert_eq!(error.unwrap_err().message, "must be an https URL");
        assert!(check_merchant_url(&strict, "callbackUrl", "https://localhost/").is_err());
        assert!(check_merchant_url(&strict, "callbackUrl", "https://hooks.example.com/").is_ok());
    }
}
