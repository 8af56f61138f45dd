//! The merchant-wide listings `payments`, `paymentPlanSessions` and `contacts` over real HTTP:
//! keyset paging to the end and back through ties and NULLs in every order, each kind of
//! filter, the keys each type spells its own way, bad input named by its path, and never a row
//! of another merchant.

mod contacts;
mod payments;
mod sessions;

use serde_json::{Value, json};

use crate::support::{Merchant, TestApp, error_code, only_error};

/// One listing: its root field and a document taking every paging argument and a `query`.
pub(super) struct Listing {
    /// The root field.
    pub(super) field: &'static str,
    /// The document, with `$direction`, `$limit`, `$offset`, `$offset_id` and `$query`.
    pub(super) document: &'static str,
}

impl Listing {
    /// The listing's answer to `variables`, which must have no errors.
    pub(super) async fn page(&self, app: &TestApp, merchant: &Merchant, variables: Value) -> Value {
        let body = app.gql(merchant, self.document, variables.clone()).await;
        assert!(body.get("errors").is_none(), "{variables}: {body}");
        body["data"][self.field].clone()
    }

    /// The error of a request that must be refused as bad input: its `extensions.field` and
    /// message.
    pub(super) async fn refused(
        &self,
        app: &TestApp,
        merchant: &Merchant,
        variables: Value,
    ) -> (String, String) {
        let body = app.gql(merchant, self.document, variables.clone()).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{variables}: {body}");
        let error = only_error(&body);
        (
            error["extensions"]["field"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            error["message"].as_str().unwrap_or_default().to_owned(),
        )
    }

    /// Pages through everything `query` lists, `limit` at a time: forward from the start to the
    /// end, then backward from the last page's first item to the start; each page's boundary is
    /// the previous one's edge item as the API returned it (its `sort_key` value, or `offset_id`
    /// alone when that is null). Returns both sequences of ids and checks `total_row_count` on
    /// every page.
    pub(super) async fn walk(
        &self,
        app: &TestApp,
        merchant: &Merchant,
        query: Value,
        sort_key: &str,
        limit: usize,
        total: usize,
    ) -> (Vec<String>, Vec<String>) {
        let mut forward = Vec::new();
        let mut last_page: Vec<Value> = Vec::new();
        let mut variables = json!({ "limit": limit, "query": query });
        loop {
            let page = self.page(app, merchant, variables.clone()).await;
            assert_eq!(page["total_row_count"], total, "{variables}: {page}");
            let items = page["items"].as_array().expect("items").clone();
            assert!(items.len() <= limit);
            if items.is_empty() {
                break;
            }
            forward.extend(ids(&page));
            variables = boundary(items.last().unwrap(), sort_key);
            variables["limit"] = json!(limit);
            variables["query"] = query.clone();
            variables["direction"] = json!("FORWARD");
            last_page = items;
            assert!(forward.len() <= total, "paged past the end: {forward:?}");
        }
        let mut backward: Vec<String> = last_page
            .iter()
            .map(|item| item["id"].as_str().unwrap().to_owned())
            .collect();
        let mut first = last_page.first().cloned();
        while let Some(item) = first {
            let mut variables = boundary(&item, sort_key);
            variables["limit"] = json!(limit);
            variables["query"] = query.clone();
            variables["direction"] = json!("BACKWARD");
            let page = self.page(app, merchant, variables).await;
            let items = page["items"].as_array().expect("items").clone();
            first = items.first().cloned();
            let mut combined = ids(&page);
            combined.extend(backward);
            backward = combined;
            assert!(
                backward.len() <= total,
                "paged past the start: {backward:?}"
            );
        }
        (forward, backward)
    }
}

/// The ids of a page's items.
pub(super) fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {page}"))
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The paging arguments of a page that starts after `item` in the order of `sort_key`.
fn boundary(item: &Value, sort_key: &str) -> Value {
    let mut variables = json!({ "offset_id": item["id"] });
    match &item[sort_key] {
        Value::Null => {}
        Value::String(text) => variables["offset"] = json!(text),
        Value::Number(number) => variables["offset"] = json!(number.to_string()),
        other => panic!("{sort_key} is {other}"),
    }
    variables
}

/// The ids of `rows` (sort value, id) in display order: by the value in its direction with
/// NULLs last, then by id in the same direction; strings compare by bytes, as the API's do.
pub(super) fn display_order<K: Ord>(
    mut rows: Vec<(Option<K>, String)>,
    descending: bool,
) -> Vec<String> {
    use std::cmp::Ordering;
    let directed = |ordering: Ordering| {
        if descending {
            ordering.reverse()
        } else {
            ordering
        }
    };
    rows.sort_by(|(a, a_id), (b, b_id)| match (a, b) {
        (Some(a), Some(b)) => directed((a, a_id).cmp(&(b, b_id))),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => directed(a_id.cmp(b_id)),
    });
    rows.into_iter().map(|(_, id)| id).collect()
}

/// One `QueryPair`.
pub(super) fn pair(key: &str, operator: &str, value: &str) -> Value {
    json!({ "key": key, "operator": operator, "value": value })
}

/// One `QueryPair` that takes no value.
pub(super) fn test(key: &str, operator: &str) -> Value {
    json!({ "key": key, "operator": operator })
}

/// One `QueryPair` with `in_values`.
pub(super) fn listed(key: &str, operator: &str, values: &[&str]) -> Value {
    json!({ "key": key, "operator": operator, "in_values": values })
}

/// A `SqlQuery` of one condition.
pub(super) fn only(item: Value) -> Value {
    json!({ "query_list": [item] })
}

/// A `SqlQuery` of items all joined by `conjunctive` (`AND_NEXT` or `OR_NEXT`).
pub(super) fn all_of(conjunctive: &str, mut items: Vec<Value>) -> Value {
    let last = items.len() - 1;
    for item in &mut items[..last] {
        item["conjunctive_operator"] = json!(conjunctive);
    }
    json!({ "query_list": items })
}

/// A `SqlQuery` that only sorts.
pub(super) fn sorted(key: &str, direction: &str) -> Value {
    json!({ "sort_list": [{ "key": key, "direction": direction }] })
}

/// The ids of `rows` that `keep` keeps, in the default order (newest first, then id
/// descending), given each row's creation time and id.
pub(super) fn newest_first<R>(
    rows: &[R],
    created: impl Fn(&R) -> chrono::DateTime<chrono::Utc>,
    id: impl Fn(&R) -> &str,
    keep: impl Fn(&R) -> bool,
) -> Vec<String> {
    display_order(
        rows.iter()
            .filter(|row| keep(row))
            .map(|row| (Some(created(row)), id(row).to_owned()))
            .collect(),
        true,
    )
}
