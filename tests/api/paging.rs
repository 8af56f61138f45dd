//! Keyset paging of paymentLinks through many links that share creation times.

use chrono::{Duration, TimeZone, Utc};
use serde_json::{Value, json};

use crate::support::*;

/// Stores `count` links for the merchant directly, in groups of up to 7 sharing one
/// `created_date`, and returns their ids in display order.
async fn seed(app: &TestApp, merchant: &Merchant, count: usize) -> Vec<String> {
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let mut rows: Vec<_> = (0..count)
        .map(|i| {
            // Groups of varying size: 1..=7 links per timestamp, microsecond steps between.
            let group = (i * 3 / 7) as i64;
            let created_date = start + Duration::microseconds(group * 1_000_001);
            let mut row = link_row(
                &merchant.uid,
                &paylink::domain::ids::new_link_id(),
                created_date,
            );
            row.link_name = format!("link {i}");
            row
        })
        .collect();
    rows.sort_by(|a, b| (b.created_date, &b.link_id).cmp(&(a.created_date, &a.link_id)));
    let ids = rows.iter().map(|row| row.link_id.clone()).collect();
    insert_links(app, rows).await;
    ids
}

fn ids(page: &Value) -> Vec<String> {
    page["data"]["paymentLinks"]["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {page}"))
        .iter()
        .map(|item| item["link_id"].as_str().unwrap().to_owned())
        .collect()
}

fn boundary(page: &Value, index: usize) -> Value {
    let item = &page["data"]["paymentLinks"]["items"][index];
    json!({ "offset": item["created_date"], "offset_id": item["link_id"] })
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_forward_then_backward_through_250_links_with_shared_timestamps() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let other = app.merchant("Other").await;
    let expected = seed(&app, &merchant, 250).await;
    seed(&app, &other, 30).await;
    let limit = 9;

    // FORWARD from the first page to the end.
    let mut seen = Vec::new();
    let mut pages = Vec::new();
    let mut created_dates = std::collections::HashMap::new();
    let mut variables = json!({ "limit": limit });
    loop {
        let page = app.gql(&merchant, LIST, variables.clone()).await;
        assert_eq!(
            page["data"]["paymentLinks"]["total_row_count"], 250,
            "{page}"
        );
        let page_ids = ids(&page);
        if page_ids.is_empty() {
            break;
        }
        assert!(page_ids.len() <= limit);
        for item in page["data"]["paymentLinks"]["items"].as_array().unwrap() {
            created_dates.insert(
                item["link_id"].as_str().unwrap().to_owned(),
                item["created_date"].clone(),
            );
        }
        seen.extend(page_ids.iter().cloned());
        variables = boundary(&page, page_ids.len() - 1);
        variables["limit"] = json!(limit);
        variables["direction"] = json!("FORWARD");
        pages.push(page_ids);
    }
    assert_eq!(
        seen, expected,
        "forward paging saw every link once, in order"
    );

    // BACKWARD from the last page's first item to the start.
    let last = pages.last().unwrap();
    let mut backward: Vec<String> = last.clone();
    let mut first_item = last[0].clone();
    let mut first_date = created_dates[&first_item].clone();
    loop {
        let page = app
            .gql(
                &merchant,
                LIST,
                json!({ "direction": "BACKWARD", "limit": limit, "offset": first_date, "offset_id": first_item }),
            )
            .await;
        let page_ids = ids(&page);
        if page_ids.is_empty() {
            break;
        }
        first_item = page_ids[0].clone();
        first_date = page["data"]["paymentLinks"]["items"][0]["created_date"].clone();
        let mut combined = page_ids;
        combined.extend(backward);
        backward = combined;
    }
    assert_eq!(
        backward, expected,
        "backward paging saw every link once, in display order"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn offset_id_alone_reads_the_boundary_from_the_link() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let expected = seed(&app, &merchant, 40).await;
    let page = app
        .gql(
            &merchant,
            LIST,
            json!({ "limit": 5, "offset_id": expected[12] }),
        )
        .await;
    assert_eq!(ids(&page), expected[13..18].to_vec(), "{page}");
    let page = app
        .gql(
            &merchant,
            LIST,
            json!({ "limit": 5, "offset_id": expected[12], "direction": "BACKWARD" }),
        )
        .await;
    assert_eq!(ids(&page), expected[7..12].to_vec(), "{page}");
}

#[tokio::test(flavor = "multi_thread")]
async fn backward_without_a_boundary_is_the_last_page() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let expected = seed(&app, &merchant, 23).await;
    let page = app
        .gql(
            &merchant,
            LIST,
            json!({ "limit": 5, "direction": "BACKWARD" }),
        )
        .await;
    assert_eq!(ids(&page), expected[18..].to_vec(), "{page}");
}

#[tokio::test(flavor = "multi_thread")]
async fn limit_defaults_to_10_and_is_bounded() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    seed(&app, &merchant, 120).await;
    let page = app.gql(&merchant, LIST, json!({})).await;
    assert_eq!(ids(&page).len(), 10);
    let page = app.gql(&merchant, LIST, json!({ "limit": 1 })).await;
    assert_eq!(ids(&page).len(), 1);
    let page = app.gql(&merchant, LIST, json!({ "limit": 100 })).await;
    assert_eq!(ids(&page).len(), 100);
    for bad in [0, -1, 101, 1000] {
        let body = app.gql(&merchant, LIST, json!({ "limit": bad })).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{bad}: {body}");
        assert_eq!(only_error(&body)["extensions"]["field"], "limit");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_offset_is_bad_input() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let body = app
        .gql(&merchant, LIST, json!({ "offset": "last tuesday" }))
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(only_error(&body)["extensions"]["field"], "offset");
}
