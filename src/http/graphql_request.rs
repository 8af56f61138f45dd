//! The GraphQL request as a client sends it: a POST body (one request or a batch) or the
//! parameters of a GET. Besides `query`, `operationName` and `variables` it takes `extensions`,
//! whose `persistedQuery` (Apollo's automatic persisted queries) lets a client send a hash in
//! place of the document, and `documentId`, the persisted-document parameter of GraphQL over
//! HTTP. juniper's own request type requires `query` and drops `extensions`, hence this one.

use juniper::InputValue;
use serde::Deserialize;
use serde_json::Value;

/// One operation of a request.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ClientRequest {
    /// The document; absent when the client names a persisted one.
    #[serde(default)]
    pub(super) query: Option<String>,
    /// The operation to run, for a document of several.
    #[serde(default)]
    pub(super) operation_name: Option<String>,
    /// The variables: a JSON object, or null.
    #[serde(default)]
    pub(super) variables: Option<InputValue>,
    /// Protocol extensions: a JSON object, or null.
    #[serde(default)]
    pub(super) extensions: Option<Value>,
    /// The id of a persisted document (GraphQL over HTTP: `sha256:<hex>` or an allow-list id).
    #[serde(default)]
    pub(super) document_id: Option<String>,
}

impl ClientRequest {
    /// Why the request is malformed, if it is: `variables` and `extensions` must be objects
    /// (or null) by the specification, and juniper would otherwise ignore wrong ones silently.
    pub(super) fn malformed(&self) -> Option<&'static str> {
        if self
            .variables
            .as_ref()
            .is_some_and(|v| !v.is_null() && v.to_object_value().is_none())
        {
            return Some("`variables` must be a JSON object (or null)");
        }
        if self
            .extensions
            .as_ref()
            .is_some_and(|e| !e.is_null() && !e.is_object())
        {
            return Some("`extensions` must be a JSON object (or null)");
        }
        None
    }

    /// The variables to run with (none given: empty).
    pub(super) fn variables(&self) -> juniper::Variables {
        self.variables
            .as_ref()
            .and_then(InputValue::to_object_value)
            .map(|object| {
                object
                    .into_iter()
                    .map(|(name, value)| (name.to_owned(), value.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A POST body: one request, or a batch of them.
#[derive(Debug)]
pub(super) enum ClientBatch {
    /// Several, answered in order as a JSON array.
    Batch(Vec<ClientRequest>),
    /// One operation.
    Single(ClientRequest),
}

impl ClientBatch {
    /// Reads a POST body: a batch when it is a JSON array, else one request. Told apart by the
    /// first byte rather than by serde's untagged enums, which buffer the whole document and
    /// then parse it a second time for the variant that fits.
    pub(super) fn from_json(body: &[u8]) -> serde_json::Result<Self> {
        let is_array = body
            .iter()
            .find(|byte| !byte.is_ascii_whitespace())
            .is_some_and(|first| *first == b'[');
        if is_array {
            serde_json::from_slice(body).map(Self::Batch)
        } else {
            serde_json::from_slice(body).map(Self::Single)
        }
    }

    /// The operations of the request, in order.
    pub(super) fn requests(&self) -> &[ClientRequest] {
        match self {
            Self::Single(request) => std::slice::from_ref(request),
            Self::Batch(requests) => requests,
        }
    }
}

/// What a GET request asks for.
pub(super) enum GetRequest {
    /// An operation to run.
    Operation(ClientRequest),
    /// Nothing: no `query`, `extensions` or `documentId` parameter.
    None,
    /// Malformed parameters, with the reason.
    Invalid(String),
}

/// Reads the query string of a GET request.
pub(super) fn parse_get(query_string: &str) -> GetRequest {
    let mut query = None;
    let mut operation_name = None;
    let mut variables = None;
    let mut extensions = None;
    let mut document_id = None;
    for (key, value) in url::form_urlencoded::parse(query_string.as_bytes()) {
        let slot = match key.as_ref() {
            "query" => &mut query,
            "operationName" => &mut operation_name,
            "variables" => &mut variables,
            "extensions" => &mut extensions,
            "documentId" => &mut document_id,
            _ => continue,
        };
        if slot.replace(value.into_owned()).is_some() {
            return GetRequest::Invalid(format!("the `{key}` parameter is given twice"));
        }
    }
    if query.is_none() && extensions.is_none() && document_id.is_none() {
        return GetRequest::None;
    }
    let variables = match variables.map(|v| serde_json::from_str::<InputValue>(&v)) {
        None => None,
        Some(Ok(variables)) => Some(variables),
        Some(Err(_)) => {
            return GetRequest::Invalid("the `variables` parameter must be a JSON object".into());
        }
    };
    let extensions = match extensions.map(|e| serde_json::from_str::<Value>(&e)) {
        None => None,
        Some(Ok(extensions)) => Some(extensions),
        Some(Err(_)) => {
            return GetRequest::Invalid("the `extensions` parameter must be a JSON object".into());
        }
    };
    let request = ClientRequest {
        query,
        operation_name,
        variables,
        extensions,
        document_id,
    };
    match request.malformed() {
        Some(reason) => GetRequest::Invalid(reason.to_owned()),
        None => GetRequest::Operation(request),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_get_with_a_persisted_query_needs_no_query_parameter() {
        let GetRequest::Operation(request) = parse_get(
            "operationName=Q&extensions=%7B%22persistedQuery%22%3A%7B%22version%22%3A1%7D%7D",
        ) else {
            panic!("an operation");
        };
        assert_eq!(request.query, None);
        assert_eq!(request.operation_name.as_deref(), Some("Q"));
        assert!(request.extensions.is_some());
        assert!(matches!(parse_get("operationName=Q"), GetRequest::None));
    }

    #[test]
    fn a_body_is_a_batch_when_it_is_an_array() {
        let batch =
            ClientBatch::from_json(b" \n [{\"query\": \"{a}\"}, {\"query\": \"{b}\"}]").unwrap();
        assert!(matches!(&batch, ClientBatch::Batch(requests) if requests.len() == 2));
        let single = ClientBatch::from_json(br#"{"query": "{a}"}"#).unwrap();
        assert!(matches!(single, ClientBatch::Single(_)));
        assert!(ClientBatch::from_json(b"3").is_err());
        assert!(ClientBatch::from_json(b"[3]").is_err());
    }

    #[test]
    fn variables_and_extensions_must_be_objects() {
        assert!(matches!(
            parse_get("query=%7Ba%7D&variables=%5B1%5D"),
            GetRequest::Invalid(_)
        ));
        assert!(matches!(
            parse_get("query=%7Ba%7D&extensions=3"),
            GetRequest::Invalid(_)
        ));
        assert!(matches!(
            parse_get("query=%7Ba%7D&query=%7Bb%7D"),
            GetRequest::Invalid(_)
        ));
        let body = ClientBatch::from_json(br#"{"query": "{a}", "extensions": "x"}"#).unwrap();
        assert!(body.requests()[0].malformed().is_some());
    }
}
