//! GraphiQL in a real browser that can reach nothing but the server under test: the page works
//! only if paylink serves everything it needs, and only if its own Content-Security-Policy lets
//! it run.

use fantoccini::Locator;
use serde_json::json;

use crate::axe::assert_accessible_within;
use crate::support::{TestApp, create_link};
use crate::webdriver::Browser;

/// Where the page keeps the key (`assets/paylink-graphiql.js` of `paylink-graphiql`).
const STORAGE_KEY: &str = "paylink.apiKey";
/// paylink's part of the page, the API-key form above GraphiQL: the accessibility checks look
/// at this alone, GraphiQL's own interface being a third party's.
const KEY_FORM: &str = ".paylink-key";

/// A JavaScript expression for the text of GraphiQL's CodeMirror editor inside the element
/// matching `selector`, or null while GraphiQL has not drawn it.
fn editor_text(selector: &str) -> String {
    format!(
        "(() => {{
           const editor = document.querySelector({selector} + ' .CodeMirror');
           return editor && editor.CodeMirror ? editor.CodeMirror.getValue() : null;
         }})()",
        selector = json!(selector)
    )
}

/// Starts a browser showing GraphiQL.
async fn open_graphiql(app: &TestApp) -> Browser {
    let browser = Browser::start().await;
    show_graphiql(&browser, app).await;
    browser
}

/// Opens the page and waits until GraphiQL has drawn its query editor with the default query.
async fn show_graphiql(browser: &Browser, app: &TestApp) {
    browser.open(&app.url("/graphql")).await;
    let query = browser
        .wait_for_script(
            "GraphiQL's query editor",
            &format!("return {};", editor_text(".graphiql-query-editor")),
        )
        .await;
    assert!(
        query
            .as_str()
            .unwrap_or("")
            .contains("paymentLinks(limit: 10)"),
        "the editor does not hold the default query: {query}"
    );
}

/// Saves `key` through the page's form, as a person would.
async fn save_key(browser: &Browser, key: &str) {
    browser.type_into("#paylink-key-input", key).await;
    browser.click("#paylink-key-save").await;
    browser
        .wait_for_script(
            "the key to be saved",
            &format!("return localStorage.getItem('{STORAGE_KEY}') !== null;"),
        )
        .await;
}

/// Clicks GraphiQL's Run button and returns the result pane's text once it holds `expected`.
async fn run_and_wait_for(browser: &Browser, expected: &str) -> String {
    browser.click(".graphiql-execute-button").await;
    let script = format!(
        "const text = {};
         return text && text.includes({}) ? text : null;",
        editor_text(".graphiql-response"),
        json!(expected)
    );
    browser
        .wait_for_script(&format!("{expected} in the result pane"), &script)
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The text of the result pane now.
async fn result_text(browser: &Browser) -> String {
    browser
        .run(&format!("return {};", editor_text(".graphiql-response")))
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn graphiql_loads_offline_under_its_policy_and_keeps_the_key() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let browser = open_graphiql(&app).await;

    // Without a key the form says where keys come from.
    let stored_key = format!("return localStorage.getItem('{STORAGE_KEY}');");
    assert_eq!(browser.run(&stored_key).await, json!(null));
    let help = browser.wait_for("#paylink-key-help").await;
    assert!(help.is_displayed().await.unwrap(), "the help is hidden");
    let text = help.text().await.unwrap();
    assert!(
        text.contains("paylink key create --merchant UID") && text.contains("make run"),
        "{text}"
    );
    let forget = browser.wait_for("#paylink-key-forget").await;
    assert!(!forget.is_enabled().await.unwrap(), "Forget with no key");
    let input_type = browser
        .wait_for("#paylink-key-input")
        .await
        .attr("type")
        .await;
    assert_eq!(input_type.unwrap().as_deref(), Some("password"));
    assert_accessible_within(&browser, KEY_FORM, "the key form without a key").await;

    // Save keeps the key in localStorage, shows only its visible prefix, and puts it in no URL.
    save_key(&browser, &merchant.key).await;
    let stored = browser
        .run(&format!("return localStorage.getItem('{STORAGE_KEY}');"))
        .await;
    assert_eq!(stored, json!(merchant.key));
    let status = browser
        .wait_for("#paylink-key-status")
        .await
        .text()
        .await
        .unwrap();
    assert!(status.contains(&merchant.key[..12]), "{status}");
    assert!(
        !status.contains(&merchant.key),
        "the whole key is shown: {status}"
    );
    assert!(
        !help.is_displayed().await.unwrap(),
        "the help stays with a key saved"
    );
    let location = browser.run("return location.href;").await;
    assert_eq!(location, json!(app.url("/graphql")));
    let input = browser
        .run("return document.getElementById('paylink-key-input').value;")
        .await;
    assert_eq!(input, json!(""), "the key was left in the input");
    assert_accessible_within(&browser, KEY_FORM, "the key form with a key saved").await;

    // The key is asked for once: the page opened again is already using it.
    show_graphiql(&browser, &app).await;
    let prefix = json!(&merchant.key[..12]);
    browser
        .wait_for_script(
            "the saved key after a reload",
            &format!("return document.getElementById('paylink-key-status').textContent.includes({prefix});"),
        )
        .await;
    let help = browser.wait_for("#paylink-key-help").await;
    assert!(
        !help.is_displayed().await.unwrap(),
        "the help shows though a key is saved"
    );

    // Forget removes it.
    browser.click("#paylink-key-forget").await;
    browser
        .wait_for_script(
            "the key to be forgotten",
            &format!("return localStorage.getItem('{STORAGE_KEY}') === null;"),
        )
        .await;
    assert!(
        help.is_displayed().await.unwrap(),
        "the help is back without a key"
    );

    let screenshot = browser.save_screenshot("graphiql.png").await;
    // Every file came from paylink, under the policy: the console has no CSP report (nor
    // anything else at error level) ...
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    // ... and the policy is in force: an inline script is refused, and the console says so.
    let ran = browser
        .run(
            "const script = document.createElement('script');
             script.textContent = 'window.inlineScriptRan = true;';
             document.head.append(script);
             return window.inlineScriptRan === true;",
        )
        .await;
    assert_eq!(ran, json!(false), "an inline script ran");
    let errors = browser.console_errors().await;
    assert!(
        errors
            .iter()
            .any(|e| e.contains("Content Security Policy") && e.contains("inline script")),
        "no CSP report for the inline script: {errors:#?}"
    );
    browser.close().await;
    assert!(screenshot.is_file());
}

#[tokio::test(flavor = "multi_thread")]
async fn with_a_key_saved_the_docs_list_payment_links() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let browser = open_graphiql(&app).await;
    save_key(&browser, &merchant.key).await;

    browser
        .click("button[aria-label='Show Documentation Explorer']")
        .await;
    // The explorer opens at the root types; Query's fields are one click on.
    let query_type = browser
        .wait_for_locator(Locator::XPath(
            "//*[contains(@class, 'graphiql-doc-explorer')]//a[normalize-space() = 'Query']",
        ))
        .await;
    query_type.click().await.unwrap();
    let field = browser
        .wait_for_locator(Locator::XPath(
            "//*[contains(@class, 'graphiql-doc-explorer')]//a[normalize-space() = 'paymentLinks']",
        ))
        .await;
    assert!(field.is_displayed().await.unwrap());
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn graphiqls_dialogs_work_under_the_policy() {
    let app = TestApp::start().await;
    let browser = open_graphiql(&app).await;
    browser
        .click("button[aria-label='Open settings dialog']")
        .await;
    browser
        .click(".graphiql-dialog button[data-theme='dark']")
        .await;
    browser.click(".graphiql-dialog-close").await;
    browser
        .wait_for_script(
            "the dialog to close on the dark theme",
            "return !document.querySelector('.graphiql-dialog')
                 && document.body.classList.contains('graphiql-dark');",
        )
        .await;
    browser.save_screenshot("graphiql-dark.png").await;
    assert_accessible_within(&browser, KEY_FORM, "the key form in the dark theme").await;
    // The policy refuses one thing here: the inline <style> with which a dialog's scroll lock
    // (react-remove-scroll, inside GraphiQL's bundle) would keep the page behind it still. The
    // page never scrolls as a whole, so that style has nothing to do; anything else refused
    // fails the test.
    let errors = browser.console_errors().await;
    assert!(
        errors.iter().all(|error| error.contains("graphiql.min.js")
            && error.contains("Applying inline style violates")),
        "console errors: {errors:#?}"
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_default_query_run_from_graphiql_returns_the_merchants_links() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let link = create_link(&app, &merchant, "Autumn tuition from GraphiQL").await;
    let browser = open_graphiql(&app).await;
    save_key(&browser, &merchant.key).await;

    let result = run_and_wait_for(&browser, "Autumn tuition from GraphiQL").await;
    let body: serde_json::Value = serde_json::from_str(&result).expect("the result is JSON");
    assert!(body.get("errors").is_none(), "{body}");
    let items = &body["data"]["paymentLinks"]["items"];
    assert_eq!(items[0]["link_id"], link["link_id"], "{body}");
    assert_eq!(body["data"]["paymentLinks"]["total_row_count"], json!(1));
    browser.save_screenshot("graphiql-query.png").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_key_a_run_shows_paylinks_unauthenticated_error() {
    let app = TestApp::start().await;
    let browser = open_graphiql(&app).await;
    // Nothing is asked of the server until the Run button is pressed.
    assert_eq!(result_text(&browser).await, "");

    let result = run_and_wait_for(&browser, "UNAUTHENTICATED").await;
    let body: serde_json::Value = serde_json::from_str(&result).expect("the result is JSON");
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        json!("UNAUTHENTICATED"),
        "{body}"
    );
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("API key"),
        "{body}"
    );
    browser.close().await;
}
