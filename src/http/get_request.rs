//! The parameters of `GET /graphql`: `query`, `variables` (a JSON object) and `operationName`.

use juniper::InputValue;
use juniper::http::GraphQLRequest;

/// What a GET request asks for.
pub(super) enum GetRequest {
    /// A query to run.
    Query(GraphQLRequest),
    /// No `query` parameter.
    None,
    /// Malformed parameters, with the reason.
    Invalid(String),
}

/// Reads the query string of a GET request.
pub(super) fn parse_get(query_string: &str) -> GetRequest {
    let mut query = None;
    let mut operation_name = None;
    let mut variables = None;
    for (key, value) in url::form_urlencoded::parse(query_string.as_bytes()) {
        let slot = match key.as_ref() {
            "query" => &mut query,
            "operationName" => &mut operation_name,
            "variables" => &mut variables,
            _ => continue,
        };
        if slot.replace(value.into_owned()).is_some() {
            return GetRequest::Invalid(format!("the `{key}` parameter is given twice"));
        }
    }
    let Some(query) = query else {
        return GetRequest::None;
    };
    let variables = match variables.map(|v| serde_json::from_str::<InputValue>(&v)) {
        None => None,
        Some(Ok(variables)) if variables.is_null() || variables.to_object_value().is_some() => {
            Some(variables)
        }
        Some(_) => {
            return GetRequest::Invalid("the `variables` parameter must be a JSON object".into());
        }
    };
    GetRequest::Query(GraphQLRequest::new(query, operation_name, variables))
}
