//! Content negotiation of GraphQL over HTTP: which response media type a client accepts.

use http::HeaderMap;
use http::header::ACCEPT;

/// The response media types the server speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ResponseMedia {
    /// `application/graphql-response+json`: status codes tell request errors apart.
    GraphqlResponseJson,
    /// `application/json`: the legacy type, 200 for every well-formed request.
    Json,
}

impl ResponseMedia {
    /// The `Content-Type` value.
    pub(crate) fn content_type(self) -> &'static str {
        match self {
            Self::GraphqlResponseJson => "application/graphql-response+json; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        }
    }
}

/// The media type to answer with, or `None` when the client accepts neither (406). Without an
/// `Accept` header, and for a wildcard, the answer is `application/json`: GraphQL over HTTP asks
/// servers to keep legacy clients working, and a client that names no type is taken to be one.
pub(crate) fn negotiate(headers: &HeaderMap) -> Option<ResponseMedia> {
    let accept: Vec<&str> = headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect();
    if accept.is_empty() {
        return Some(ResponseMedia::Json);
    }
    let mut best: Option<(f32, u8, ResponseMedia)> = None;
    for range in accept.iter().flat_map(|value| value.split(',')) {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let quality = parts
            .filter_map(|param| param.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if quality <= 0.0 {
            continue;
        }
        // Exact types outrank wildcards at equal quality; the newer type wins a tie.
        let candidate = match media.as_str() {
            "application/graphql-response+json" => Some((2, ResponseMedia::GraphqlResponseJson)),
            "application/json" => Some((1, ResponseMedia::Json)),
            "application/*" | "*/*" => Some((0, ResponseMedia::Json)),
            _ => None,
        };
        if let Some((rank, media)) = candidate
            && best.is_none_or(|(q, r, _)| (quality, rank) > (q, r))
        {
            best = Some((quality, rank, media));
        }
    }
    best.map(|(_, _, media)| media)
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn accept(value: &str) -> Option<ResponseMedia> {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_str(value).unwrap());
        negotiate(&headers)
    }

    #[test]
    fn picks_the_best_accepted_type() {
        assert_eq!(negotiate(&HeaderMap::new()), Some(ResponseMedia::Json));
        assert_eq!(accept("application/json"), Some(ResponseMedia::Json));
        assert_eq!(
            accept("application/graphql-response+json, application/json;q=0.9"),
            Some(ResponseMedia::GraphqlResponseJson)
        );
        assert_eq!(
            accept("application/graphql-response+json;q=0.5, application/json"),
            Some(ResponseMedia::Json)
        );
        assert_eq!(accept("*/*"), Some(ResponseMedia::Json));
        assert_eq!(accept("application/*"), Some(ResponseMedia::Json));
        assert_eq!(
            accept("*/*;q=0.8, application/graphql-response+json"),
            Some(ResponseMedia::GraphqlResponseJson)
        );
        assert_eq!(accept("text/html"), None);
        assert_eq!(accept("application/json;q=0"), None);
    }
}
