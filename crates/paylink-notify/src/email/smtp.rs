//! Email over SMTP with lettre: URL checks at start, one SMTP conversation per attempt.

use std::{fmt, net::IpAddr, time::Duration};

use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor, transport::smtp};
use paylink_provider_kit::{chain, clean, redact};
use url::Url;

use super::Prepared;
use crate::{ConfigError, Delivered, Field, Secret, SendError};

/// An SMTP relay, without a connection pool: each attempt opens its own connection, so a
/// failure belongs to that attempt alone and nothing stale is reused after a relay restart.
pub(crate) struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    /// `host:port`, for Debug and logs only: merchants see `lastError`, not our relay's name.
    endpoint: String,
    security: &'static str,
    user: Option<String>,
    /// Kept only to scrub it from any text that might echo it.
    password: Secret,
    timeout: Duration,
}

impl SmtpSender {
    pub(crate) fn new(url: &Secret, timeout: Duration) -> Result<Self, ConfigError> {
        let raw = url.expose().trim();
        let parsed = Url::parse(raw).map_err(|error| err(format!("not a URL ({error})")))?;
        let scheme = parsed.scheme();
        if scheme != "smtp" && scheme != "smtps" {
            return Err(err(format!(
                "unsupported scheme {scheme} (use smtp:// or smtps://)"
            )));
        }
        let host = match parsed.host_str() {
            Some(host) if !host.is_empty() => host.to_owned(),
            _ => {
                return Err(err(
                    "missing host (e.g. smtp://mail.example.com:587?tls=required)",
                ));
            }
        };
        let mut tls = None;
        for (key, value) in parsed.query_pairs() {
            match key.as_ref() {
                "tls" if tls.is_none() => tls = Some(value.into_owned()),
                "tls" => return Err(err("tls is given twice")),
                other => {
                    return Err(err(format!(
                        "unknown parameter {other} (only tls is supported)"
                    )));
                }
            }
        }
        let security = match (scheme, tls.as_deref()) {
            ("smtp", None) => "none",
            ("smtp", Some("required")) => "starttls-required",
            ("smtp", Some("opportunistic")) => "starttls-opportunistic",
            ("smtps", None | Some("required")) => "implicit-tls",
            ("smtps", Some(other)) => {
                return Err(err(format!(
                    "smtps:// always uses TLS, tls={other} does not apply (use smtp://…?tls={other})"
                )));
            }
            (_, Some(other)) => {
                return Err(err(format!(
                    "tls must be required or opportunistic, not {other}"
                )));
            }
            _ => unreachable!("scheme checked above"),
        };
        let user = (!parsed.username().is_empty()).then(|| parsed.username().to_owned());
        let password = parsed.password().unwrap_or_default();
        match (&user, password.is_empty()) {
            // lettre silently drops a user without password; an unauthenticated relay would
            // then refuse every message, so say so now.
            (Some(_), true) => return Err(err("a user needs a password (smtp://user:pass@host)")),
            (None, false) => return Err(err("a password needs a user (smtp://user:pass@host)")),
            _ => {}
        }
        let password = Secret::new(password);
        let port = parsed.port();

        let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(raw)
            .map_err(|error| err(redact(chain(&error), &[password.expose()])))?;
        let transport = builder.timeout(Some(timeout)).build();
        let default_port = match security {
            "none" => smtp::SMTP_PORT,
            "implicit-tls" => smtp::SUBMISSIONS_PORT,
            _ => smtp::SUBMISSION_PORT,
        };
        let endpoint = format!("{host}:{}", port.unwrap_or(default_port));

        if user.is_some() && security == "none" && !is_loopback(&host) {
            tracing::warn!(
                endpoint,
                "the SMTP URL sends the password without TLS; add ?tls=required or use smtps://"
            );
        }
        Ok(SmtpSender {
            transport,
            endpoint,
            security,
            user,
            password,
            timeout,
        })
    }

    pub(crate) async fn send(&self, prepared: Prepared) -> Result<Delivered, SendError> {
        // lettre's own timeout covers connecting only; a relay that accepts and then stalls
        // would hold the dispatcher's worker forever without this outer bound.
        let attempt = self.transport.send(prepared.message);
        match tokio::time::timeout(self.timeout, attempt).await {
            Ok(Ok(_response)) => Ok(Delivered {
                provider_message_id: Some(prepared.message_id),
            }),
            Ok(Err(error)) => {
                let classified = self.classify(&error);
                // Not the reason: a server's reply text can echo the recipient's address, and
                // the dispatcher logs the reason with contact details redacted.
                tracing::debug!(
                    endpoint = %self.endpoint,
                    code = error.status().map(|code| code.to_string()).as_deref(),
                    transient = classified.is_transient(),
                    "SMTP attempt failed"
                );
                Err(classified)
            }
            // The attempt may have stalled after the message data went out.
            Err(_elapsed) => {
                tracing::debug!(endpoint = %self.endpoint, "SMTP attempt timed out");
                Err(SendError::Unknown(format!(
                    "SMTP server did not answer within {:?}",
                    self.timeout
                )))
            }
        }
    }

    fn classify(&self, error: &smtp::Error) -> SendError {
        let secrets = [self.password.expose()];
        if let Some(code) = error.status() {
            // The source of a reply error is the server's own text, which is the reason a
            // merchant can act on (e.g. "5.1.1 <bob@example.com>: Recipient address rejected").
            let text = std::error::Error::source(error)
                .map(|source| source.to_string())
                .unwrap_or_default();
            let reason = clean(&format!("SMTP {code} {text}"), &secrets);
            return if error.is_permanent() {
                SendError::Permanent(reason)
            } else {
                SendError::Transient(reason)
            };
        }
        // Everything without a reply code is about the relay or our set-up, not this message.
        // The library's words go to the log only; merchants read `lastError`, where only a
        // server's own reply belongs. Which step a broken conversation was at is not reported:
        // a connection that closes or fails once established may have done so after the
        // message data, with the relay holding the message, so that outcome is unknown. Only
        // failing to connect (lettre's connect timeout and connection errors) or to set up TLS
        // certainly sent nothing.
        let detail = clean(&chain(error), &secrets);
        tracing::warn!(endpoint = %self.endpoint, error = %detail, "SMTP attempt failed");
        let connecting = error.is_timeout()
            || error.is_tls()
            || error.is_client()
            || error.is_transport_shutdown()
            // lettre has no `is_connection`; its Display names the kind.
            || error.to_string().starts_with("Connection error");
        if connecting {
            SendError::Transient("could not reach the SMTP server".into())
        } else {
            SendError::Unknown("the connection to the SMTP server broke before it answered".into())
        }
    }
}

fn err(message: impl Into<String>) -> ConfigError {
    ConfigError::new(Field::SmtpUrl, message)
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl fmt::Debug for SmtpSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Smtp")
            .field("endpoint", &self.endpoint)
            .field("tls", &self.security)
            .field("user", &self.user)
            .field("password", &self.password)
            .finish()
    }
}
