//! Reading a live endpoint's schema: the introspection query over HTTP POST.

use std::time::Duration;

use serde_json::{Value, json};

use crate::header::Header;
use crate::introspection::{self, CLASSIC_QUERY, FULL_QUERY, sdl_from_introspection};
use crate::load_error::LoadError;

/// How long one introspection request may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The endpoint's schema as SDL text.
///
/// Sends [`FULL_QUERY`] first; a server that refuses it (HTTP 400, or errors without data)
/// gets [`CLASSIC_QUERY`], which every GraphQL server answers.
pub(crate) fn fetch_sdl(url: &str, headers: &[Header]) -> Result<String, LoadError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| LoadError::Http(format!("cannot start an HTTP client: {error}")))?;
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .build()
            .map_err(|error| LoadError::Http(format!("cannot start an HTTP client: {error}")))?;
        let result = match introspect(&client, url, headers, FULL_QUERY).await? {
            Answer::Result(result) => result,
            Answer::Refused(_) => match introspect(&client, url, headers, CLASSIC_QUERY).await? {
                Answer::Result(result) => result,
                Answer::Refused(why) => return Err(LoadError::Http(why)),
            },
        };
        Ok(sdl_from_introspection(&result)?)
    })
}

/// What the server made of one introspection query.
enum Answer {
    /// A result with `data`.
    Result(Value),
    /// The server did not run the query (it does not know some introspection field): why.
    Refused(String),
}

async fn introspect(
    client: &reqwest::Client,
    url: &str,
    headers: &[Header],
    query: &str,
) -> Result<Answer, LoadError> {
    let mut request = client
        .post(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .json(&json!({ "query": query, "operationName": "IntrospectionQuery" }));
    for header in headers {
        request = request.header(header.name.as_str(), header.value.as_str());
    }
    let response = request
        .send()
        .await
        .map_err(|error| LoadError::Http(format!("cannot reach {url}: {}", chain(&error))))?;
    let status = response.status();
    let body = response
        .text()
        .await
        .map_err(|error| LoadError::Http(format!("cannot read the answer of {url}: {error}")))?;
    let json: Option<Value> = serde_json::from_str(&body).ok();
    let graphql_errors = json
        .as_ref()
        .and_then(|json| json.get("errors"))
        .and_then(Value::as_array)
        .filter(|errors| !errors.is_empty())
        .map(|errors| introspection::messages(errors));
    let has_data = json
        .as_ref()
        .and_then(|json| json.get("data"))
        .is_some_and(|data| !data.is_null());
    if status.is_success() && has_data {
        return Ok(Answer::Result(json.unwrap_or_default()));
    }
    let why = match graphql_errors {
        Some(errors) => format!("{url} answered HTTP {status}: {errors}"),
        None => format!("{url} answered HTTP {status}: {}", snippet(&body)),
    };
    if status == reqwest::StatusCode::BAD_REQUEST || (status.is_success() && !has_data) {
        Ok(Answer::Refused(why))
    } else {
        Err(LoadError::Http(why))
    }
}

/// The first line of a body, at most 200 characters.
fn snippet(body: &str) -> String {
    let line = body.trim().lines().next().unwrap_or("(empty body)");
    let mut snippet: String = line.chars().take(200).collect();
    if snippet.len() < line.len() {
        snippet.push('…');
    }
    snippet
}

/// An error and its sources, joined by ": " (reqwest's own message is only the outermost).
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
