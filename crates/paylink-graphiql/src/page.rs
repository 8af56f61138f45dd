//! The HTML page that starts GraphiQL for one endpoint.

use crate::assets::asset_base;

/// The page, with `{{endpoint}}` and `{{assets}}` still to fill in.
const TEMPLATE: &str = include_str!("page.html");

/// The page for the GraphQL endpoint at `endpoint` (a path on the same origin, such as
/// `/graphql`): GraphiQL posts its requests there. The page loads its scripts and styles from
/// [`ASSET_PATH_PREFIX`](crate::ASSET_PATH_PREFIX), has no inline script or style, and so runs
/// under [`CONTENT_SECURITY_POLICY`](crate::CONTENT_SECURITY_POLICY).
pub fn page(endpoint: &str) -> String {
    // The asset base is ours and needs no escaping; it is filled in first so that nothing in
    // the endpoint can be read as a placeholder.
    TEMPLATE
        .replace("{{assets}}", asset_base())
        .replace("{{endpoint}}", &escape_attribute(endpoint))
}

/// Escapes text for a double-quoted HTML attribute.
fn escape_attribute(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_names_its_endpoint_and_assets() {
        let html = page("/graphql");
        assert!(html.contains(r#"data-endpoint="/graphql""#), "{html}");
        assert!(!html.contains("{{"), "a placeholder is left: {html}");
        for name in ["graphiql.min.js", "graphiql.min.css", "paylink-graphiql.js"] {
            let url = format!("{}{name}", asset_base());
            assert!(html.contains(&url), "{url} missing from {html}");
            assert!(crate::asset_at(&url).is_some(), "{url} is not served");
        }
    }

    #[test]
    fn the_endpoint_cannot_break_out_of_its_attribute() {
        let html = page(r#"/x"><script>alert(1)</script>{{assets}}"#);
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(html.contains("&quot;&gt;&lt;script&gt;"), "{html}");
        assert!(
            html.contains("{{assets}}"),
            "the endpoint is taken literally: {html}"
        );
    }

    #[test]
    fn the_page_has_no_inline_script_or_style() {
        let html = page("/graphql");
        // Every <script> has a src; no element carries a style attribute or an on… handler.
        for tag in html.split('<').skip(1) {
            let tag = tag.split('>').next().unwrap_or("");
            if tag.starts_with("script") {
                assert!(tag.contains("src="), "inline script: <{tag}>");
            }
            assert!(!tag.starts_with("style"), "inline style element: <{tag}>");
            assert!(!tag.contains(" style="), "style attribute: <{tag}>");
            let handler = tag
                .split_whitespace()
                .any(|word| word.starts_with("on") && word.contains('='));
            assert!(!handler, "event handler attribute: <{tag}>");
        }
    }
}
