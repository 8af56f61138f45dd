//! Twilio's Messages list (`GET .../Messages.json`).

#[allow(clippy::wildcard_imports)]
use super::*;

/// Twilio's Messages list: newest first, filtered by `To` and `From`, `PageSize` a page (50 by
/// default), the next page named by `next_page_uri`.
pub(super) fn list_messages(state: &State, path_and_query: &str) -> String {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let params = parse_form(query);
    let param = |name: &str| {
        params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let page_size: usize = param("PageSize")
        .and_then(|size| size.parse().ok())
        .unwrap_or(50)
        .clamp(1, 1000);
    let page: usize = param("Page")
        .and_then(|page| page.parse().ok())
        .unwrap_or(0);
    let matching: Vec<&str> = state
        .messages
        .iter()
        .zip(&state.resources)
        .rev()
        .filter(|(message, _)| param("To").is_none_or(|to| message.to == to))
        .filter(|(message, _)| {
            param("From").is_none_or(|from| message.from.as_deref() == Some(from))
        })
        .map(|(_, resource)| resource.as_str())
        .collect();
    let start = page * page_size;
    let shown: Vec<&str> = matching
        .iter()
        .skip(start)
        .take(page_size)
        .copied()
        .collect();
    let with_page = |page: usize| {
        let mut kept: Vec<String> = query
            .split('&')
            .filter(|pair| {
                !pair.is_empty() && !pair.starts_with("Page=") && !pair.starts_with("PageToken=")
            })
            .map(str::to_owned)
            .collect();
        kept.push(format!("Page={page}"));
        kept.push(format!("PageToken=PA{page}"));
        json_string(&format!("{path}?{}", kept.join("&")))
    };
    let next = if start + page_size < matching.len() {
        with_page(page + 1)
    } else {
        "null".to_owned()
    };
    let previous = if page > 0 {
        with_page(page - 1)
    } else {
        "null".to_owned()
    };
    format!(
        "{{\"end\":{},\"first_page_uri\":{},\"messages\":[{}],\"next_page_uri\":{next},\"page\":{page},\"page_size\":{page_size},\"previous_page_uri\":{previous},\"start\":{start},\"uri\":{}}}",
        (start + shown.len()).saturating_sub(1),
        with_page(0),
        shown.join(","),
        json_string(path_and_query),
    )
}
