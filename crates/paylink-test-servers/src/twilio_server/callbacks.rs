//! Status callbacks as Twilio sends them: the form, `X-Twilio-Signature`, and the POST.

#[allow(clippy::wildcard_imports)]
use super::*;

/// Posts one status change of `message` to its `StatusCallback`, signed; the receiver's status.
pub(super) async fn report(
    shared: &Shared,
    message: &SentMessage,
    status: &str,
    error_code: Option<u32>,
) -> u16 {
    {
        let url = message
            .status_callback
            .clone()
            .unwrap_or_else(|| panic!("message {} has no StatusCallback", message.sid));
        let mut params = vec![
            ("AccountSid".to_owned(), shared.account_sid.clone()),
            ("ApiVersion".to_owned(), "2010-04-01".to_owned()),
            ("MessageSid".to_owned(), message.sid.clone()),
            ("MessageStatus".to_owned(), status.to_owned()),
            ("SmsSid".to_owned(), message.sid.clone()),
            ("SmsStatus".to_owned(), status.to_owned()),
            ("To".to_owned(), message.to.clone()),
        ];
        if let Some(from) = &message.from {
            params.push(("From".to_owned(), from.clone()));
        }
        if let Some(service) = &message.messaging_service_sid {
            params.push(("MessagingServiceSid".to_owned(), service.clone()));
        }
        if let Some(code) = error_code {
            params.push(("ErrorCode".to_owned(), code.to_string()));
        }
        let signature = signature(&shared.auth_token, &url, &params);
        let route = {
            let mut state = shared.lock();
            let routes = state.callback_routes.clone();
            match (routes.len(), state.chaos.as_mut()) {
                (0, _) => None,
                (1, _) | (_, None) => routes.first().copied(),
                (n, Some(chaos)) => {
                    use rand::Rng as _;
                    Some(routes[chaos.rng.random_range(0..n)])
                }
            }
        };
        post_form(&url, route, &params, &[("X-Twilio-Signature", &signature)]).await
    }
}

/// `X-Twilio-Signature` as Twilio computes it: Base64 of HMAC-SHA1, keyed by the auth token, over
/// the full URL followed by each parameter's name and value, sorted by name.
pub fn signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    use base64::Engine as _;
    use hmac::Mac as _;
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(auth_token.as_bytes())
        .expect("HMAC takes a key of any size");
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// POSTs `params` as a form to `url` (over plain HTTP, at `route` when given, else at the URL's
/// own host and port) and returns the response's status; 0 when there was no answer.
pub async fn post_form(
    url: &str,
    route: Option<SocketAddr>,
    params: &[(String, String)],
    headers: &[(&str, &str)],
) -> u16 {
    let (scheme, rest) = url.split_once("://").expect("an absolute URL");
    let (authority, path) = rest.find('/').map_or((rest, "/"), |at| rest.split_at(at));
    let address = match route {
        Some(address) => address.to_string(),
        None if scheme == "http" && authority.contains(':') => authority.to_owned(),
        None if scheme == "http" => format!("{authority}:80"),
        None => panic!("{url}: https callbacks need route_callbacks_to"),
    };
    let body = form_encode(params);
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: TwilioProxy/1.1\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
         Connection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(&body);
    let Ok(mut stream) = TcpStream::connect(&address).await else {
        return 0;
    };
    if stream.write_all(request.as_bytes()).await.is_err() {
        return 0;
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer)
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

/// `application/x-www-form-urlencoded`, as browsers and Twilio write it.
pub(super) fn form_encode(params: &[(String, String)]) -> String {
    fn encode(text: &str) -> String {
        text.bytes()
            .map(|byte| match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                    char::from(byte).to_string()
                }
                b' ' => "+".to_owned(),
                other => format!("%{other:02X}"),
            })
            .collect()
    }
    params
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}
