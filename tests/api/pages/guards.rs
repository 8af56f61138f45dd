//! The guards of the public pages: methods, sizes, media types, a limit per client address,
//! and the stylesheet they load.

use serde_json::json;

use super::*;

#[tokio::test]
async fn form_posts_are_limited_per_client_address() {
    let app = TestApp::start_with(&[
        ("PAYLINK_PAGE_POSTS_PER_MINUTE", "1".to_owned()),
        ("PAYLINK_PAGE_POSTS_BURST", "2".to_owned()),
        ("PAYLINK_TRUSTED_PROXIES", "127.0.0.1/32".to_owned()),
    ])
    .await;
    let merchant = app.merchant("Limited").await;
    let (_, page) = create_link(&app, &merchant, json!({})).await;
    let post_as = |client: &'static str| post_card_with(&app, &page, "x-forwarded-for", client);
    assert_eq!(post_as("203.0.113.7").await.status, 303);
    assert_eq!(post_as("203.0.113.7").await.status, 303);
    let refused = post_as("203.0.113.7").await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert!(refused.header("retry-after").parse::<u64>().unwrap() >= 1);
    assert!(text_of(&refused.body).contains("Too many attempts"));
    // Another payer behind the same proxy is not held back; pages themselves are not limited.
    assert_eq!(post_as("198.51.100.4").await.status, 303);
    assert_eq!(get(&app, &page).await.status, 200);
    assert_eq!(app.row_count("checkouts").await, 3);
}

#[tokio::test]
async fn pages_take_forms_of_their_own_size_and_kind_only() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Guarded").await;
    let (_, page) = create_link(&app, &merchant, json!({})).await;

    let big = "x".repeat(20 * 1024);
    let too_large = post_form(&app, &page, &[("method", "card"), ("padding", &big)]).await;
    assert_eq!(too_large.status, 413);

    let json_post = answer(
        client()
            .post(app.url(&page))
            .json(&json!({ "method": "card" }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(json_post.status, 415);

    let put = answer(client().put(app.url(&page)).send().await.unwrap()).await;
    assert_eq!(put.status, 405);
    assert_eq!(put.header("allow"), "GET, HEAD, POST");

    let head = client().head(app.url(&page)).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.text().await.unwrap(), "");
    assert_eq!(app.row_count("checkouts").await, 0, "nothing was opened");
}

#[tokio::test]
async fn the_stylesheet_comes_from_paylink_itself() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Styled").await;
    let (_, page) = create_link(&app, &merchant, json!({})).await;
    let body = get(&app, &page).await.body;
    let href = body
        .split("rel=\"stylesheet\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a stylesheet link");
    assert!(
        href.starts_with('/'),
        "served by paylink, not a CDN: {href}"
    );
    let css = get(&app, href).await;
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), "text/css; charset=utf-8");
    assert!(css.body.contains(":focus-visible"), "focus stays visible");
    let posted = answer(client().post(app.url(href)).send().await.unwrap()).await;
    assert_eq!(posted.status, 405);
}
