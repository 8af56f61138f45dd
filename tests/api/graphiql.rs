//! GraphiQL over HTTP: the page's headers and the files it loads. `browser.rs` runs the page.

use crate::support::{TestApp, raw_request};

/// The asset URLs (paths) a GraphiQL page loads, in the order it names them.
pub(crate) fn asset_paths(html: &str) -> Vec<String> {
    html.split('"')
        .filter(|part| part.starts_with(paylink_graphiql::ASSET_PATH_PREFIX))
        .map(str::to_owned)
        .collect()
}

/// GETs `/graphql` as a browser asks for a page.
pub(crate) async fn get_page(app: &TestApp) -> reqwest::Response {
    app.client
        .get(app.url("/graphql"))
        .header(
            "Accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        )
        .send()
        .await
        .unwrap()
}

fn header<'r>(response: &'r reqwest::Response, name: &str) -> &'r str {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_is_served_under_a_strict_policy() {
    let app = TestApp::start().await;
    let response = get_page(&app).await;
    assert_eq!(response.status().as_u16(), 200);
    let policy = header(&response, "content-security-policy");
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "font-src 'self' data:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(
            policy.split("; ").any(|d| d == directive),
            "{directive} missing from {policy}"
        );
    }
    assert!(!policy.contains("unsafe"), "{policy}");
    assert_eq!(header(&response, "x-content-type-options"), "nosniff");
    assert_eq!(header(&response, "referrer-policy"), "no-referrer");
    // It names this build's assets, so a browser must not keep an old copy.
    assert_eq!(header(&response, "cache-control"), "no-cache");

    let html = response.text().await.unwrap();
    assert!(html.contains(r#"data-endpoint="/graphql""#), "{html}");
    // Nothing from another origin, and no script but files.
    assert!(
        !html.contains("https://") && !html.contains("http://"),
        "{html}"
    );
    assert!(!html.contains("<script>"), "{html}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pages_assets_are_served_with_their_types_for_a_year() {
    let app = TestApp::start().await;
    let html = get_page(&app).await.text().await.unwrap();
    let paths = asset_paths(&html);
    assert!(paths.len() >= 6, "too few assets in {html}");
    for path in &paths {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
        let expected = if path.ends_with(".js") {
            "text/javascript; charset=utf-8"
        } else if path.ends_with(".css") {
            "text/css; charset=utf-8"
        } else {
            panic!("the page loads {path}, neither script nor style")
        };
        assert_eq!(header(&response, "content-type"), expected, "{path}");
        assert_eq!(
            header(&response, "cache-control"),
            "public, max-age=31536000, immutable",
            "{path}"
        );
        assert_eq!(header(&response, "x-content-type-options"), "nosniff");
        let length: usize = header(&response, "content-length").parse().unwrap();
        assert_eq!(response.bytes().await.unwrap().len(), length, "{path}");

        let head = app.client.head(app.url(path)).send().await.unwrap();
        assert_eq!(head.status().as_u16(), 200, "HEAD {path}");
        assert_eq!(header(&head, "content-length"), length.to_string());
        assert!(
            head.bytes().await.unwrap().is_empty(),
            "HEAD {path} has a body"
        );
    }
    // The licences of the bundled code are served beside it.
    let graphiql_js = paths
        .iter()
        .find(|path| path.ends_with("/graphiql.min.js"))
        .expect("the page loads graphiql.min.js");
    let licence = graphiql_js.replace("graphiql.min.js", "LICENSE-graphiql.txt");
    let response = app.client.get(app.url(&licence)).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        header(&response, "content-type"),
        "text/plain; charset=utf-8"
    );
    assert!(response.text().await.unwrap().contains("MIT License"));
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_assets_and_other_builds_assets_are_not_found() {
    let app = TestApp::start().await;
    let html = get_page(&app).await.text().await.unwrap();
    let graphiql_js = asset_paths(&html)
        .into_iter()
        .find(|path| path.ends_with("/graphiql.min.js"))
        .expect("the page loads graphiql.min.js");
    let base = graphiql_js.trim_end_matches("graphiql.min.js");
    let prefix = paylink_graphiql::ASSET_PATH_PREFIX;
    for path in [
        format!("{base}nope.js"),
        format!("{base}graphiql.min.js.map"),
        format!("{prefix}0123456789abcdef/graphiql.min.js"),
        format!("{prefix}graphiql.min.js"),
        base.to_owned(),
        prefix.to_owned(),
    ] {
        let response = app.client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 404, "{path}");
    }
    // A path the client did not normalise names no file either.
    let request = format!(
        "GET {base}../{base}graphiql.min.js HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
    );
    let response = raw_request(app.addr, request.as_bytes()).await.unwrap();
    assert_eq!(response.status, 404);
    // Assets are read-only.
    let response = app.client.post(app.url(&graphiql_js)).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 404);
}
