//! Accessibility checks in the browser tests: axe-core's WCAG 2.0 and 2.1 level A and AA rules,
//! run in the page the browser shows. A finding of serious or critical impact fails the test;
//! lesser ones are printed.
//!
//! axe-core is npm's `axe-core` at the version pinned in `tests/axe/package-lock.json`, which
//! `make axe` installs under `tests/axe/node_modules`; `PAYLINK_TEST_AXE` names another
//! `axe.min.js`. WebDriver's scripts are not subject to the page's Content-Security-Policy, so
//! axe runs in pages whose policy refuses every script of their own.

use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::json;

use crate::webdriver::Browser;

/// Where `make axe` installs axe-core's browser build.
const DEFAULT_AXE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/axe/node_modules/axe-core/axe.min.js"
);

/// The rules run: those of WCAG 2.0 and 2.1, levels A and AA. axe's best-practice rules (the
/// one that wants all content in landmarks among them) are not in this set.
const WCAG_TAGS: [&str; 4] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/// Runs axe on the document, or on the elements `arguments[0]` selects, and hands back its
/// violations (or the error it failed with) in the shape of [`Outcome`].
const RUN_AXE: &str = r"
const [selector, tags, done] = arguments;
const context = selector === null ? document : { include: [selector] };
axe.run(context, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })
  .then((results) => done({ violations: results.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact,
    help: violation.help,
    nodes: violation.nodes.map((node) => ({
      target: node.target.flat(Infinity).join(' '),
      summary: node.failureSummary,
    })),
  })) }))
  .catch((error) => done({ error: String(error) }));
";

/// What one axe run found.
#[derive(Debug, Deserialize)]
struct Outcome {
    #[serde(default)]
    violations: Vec<Violation>,
    error: Option<String>,
}

/// One rule broken, with the elements that break it.
#[derive(Debug, Deserialize)]
struct Violation {
    id: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    impact: Option<String>,
    help: String,
    nodes: Vec<Node>,
}

#[derive(Debug, Deserialize)]
struct Node {
    /// A CSS selector for the element.
    target: String,
    /// What to fix, as axe words it (for colour contrast: the ratio and the colours).
    summary: Option<String>,
}

impl Violation {
    fn is_serious(&self) -> bool {
        matches!(self.impact.as_deref(), Some("serious" | "critical"))
    }

    /// The rule, its impact and help, then each element's selector and what to fix.
    fn describe(&self) -> String {
        let impact = self.impact.as_deref().unwrap_or("unknown impact");
        let mut text = format!("{} ({impact}): {}", self.id, self.help);
        for node in &self.nodes {
            text.push_str(&format!("\n    {}", node.target));
            if let Some(summary) = &node.summary {
                text.push_str(&format!("\n      {}", summary.replace('\n', "\n      ")));
            }
        }
        text
    }
}

/// Fails if axe finds a serious or critical violation in the page the browser shows; `state`
/// names the page and its state in the message.
pub(crate) async fn assert_accessible(browser: &Browser, state: &str) {
    check(browser, None, state).await;
}

/// As [`assert_accessible`], for the elements matching the CSS `selector` and what is in them.
pub(crate) async fn assert_accessible_within(browser: &Browser, selector: &str, state: &str) {
    check(browser, Some(selector), state).await;
}

/// Runs axe on the document, or on what `selector` matches; prints the lesser findings and fails
/// on serious or critical ones.
async fn check(browser: &Browser, selector: Option<&str>, state: &str) {
    browser.inject("axe-core", axe_source()).await;
    let outcome = browser
        .run_async(RUN_AXE, vec![json!(selector), json!(WCAG_TAGS)])
        .await;
    let outcome: Outcome = serde_json::from_value(outcome.clone())
        .unwrap_or_else(|error| panic!("axe's answer {outcome}: {error}"));
    if let Some(error) = outcome.error {
        panic!("axe failed on {state}: {error}");
    }
    let (serious, lesser): (Vec<_>, Vec<_>) =
        outcome.violations.iter().partition(|v| v.is_serious());
    for violation in lesser {
        eprintln!("axe on {state}: {}", violation.describe());
    }
    let serious: Vec<String> = serious.iter().map(|v| v.describe()).collect();
    assert!(
        serious.is_empty(),
        "axe found serious or critical accessibility violations on {state}:\n  {}",
        serious.join("\n  ")
    );
}

/// axe-core's browser build, read once per test process.
fn axe_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = std::env::var("PAYLINK_TEST_AXE").unwrap_or_else(|_| DEFAULT_AXE.to_owned());
        std::fs::read_to_string(&path).unwrap_or_else(|error| {
            panic!(
                "reading {path}: {error}: run `make axe` to install axe-core, or set \
                 PAYLINK_TEST_AXE to an axe.min.js"
            )
        })
    })
}
