//! Turns GraphQL names into Rust identifiers.
//!
//! The SDL name always travels separately in `#[graphql(name = "...")]`, so these
//! conversions only have to produce idiomatic, lint-free and collision-free Rust.

use proc_macro2::{Ident, Span};

/// Rust keywords (all editions, reserved ones included) that need `r#` or a suffix.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers, so they get a trailing underscore instead.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super", "_"];

/// Splits a GraphQL name into lowercase words at underscores and case changes.
///
/// `SERVICE_FEE` → `service fee`, `givenName` → `given name`, `HTTPServer` → `http server`,
/// `link2Name` → `link2 name`.
fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        if c.is_ascii_uppercase() && !current.is_empty() {
            let prev = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            // A new word starts after a lowercase letter or digit (`givenName`, `link2Name`),
            // or at the last capital of an acronym that is followed by a word (`HTTPServer`).
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_is_lower)
            {
                words.push(std::mem::take(&mut current));
            }
        }
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// Leading underscores mark "private" names in GraphQL too; keeping them avoids collisions
/// between `_id` and `id`.
fn leading_underscores(name: &str) -> &str {
    let rest = name.trim_start_matches('_');
    &name[..name.len() - rest.len()]
}

/// `givenName` → `given_name`; `merchant_uid` stays as it is.
pub(crate) fn snake_case(name: &str) -> String {
    let mut out = leading_underscores(name).to_owned();
    out.push_str(&words(name).join("_"));
    if out.is_empty() { "_".to_owned() } else { out }
}

/// `SERVICE_FEE` → `ServiceFee`, `Email` → `Email`, `notCash` → `NotCash`.
pub(crate) fn pascal_case(name: &str) -> String {
    let mut out: String = words(name)
        .iter()
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        // A Rust type or variant name must start with a letter.
        out.insert(0, 'V');
    }
    out
}

/// Makes an identifier, escaping keywords: `type` → `r#type`, `self` → `self_`.
pub(crate) fn ident(name: &str) -> Ident {
    if NOT_RAW.contains(&name) {
        Ident::new(&format!("{name}_"), Span::call_site())
    } else if KEYWORDS.contains(&name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        Ident::new(name, Span::call_site())
    }
}

/// The identifier as written in source, for collision checks and messages.
pub(crate) fn ident_text(ident: &Ident) -> String {
    ident.to_string().trim_start_matches("r#").to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_examples() {
        assert_eq!(snake_case("givenName"), "given_name");
        assert_eq!(snake_case("merchant_uid"), "merchant_uid");
        assert_eq!(snake_case("paymentLinks"), "payment_links");
        assert_eq!(snake_case("HTTPServer"), "http_server");
        assert_eq!(snake_case("link2Name"), "link2_name");
        assert_eq!(snake_case("URL"), "url");
        assert_eq!(snake_case("_private"), "_private");
        assert_eq!(snake_case("id"), "id");
    }

    #[test]
    fn pascal_case_examples() {
        assert_eq!(pascal_case("SERVICE_FEE"), "ServiceFee");
        assert_eq!(pascal_case("Email"), "Email");
        assert_eq!(pascal_case("notCash"), "NotCash");
        assert_eq!(pascal_case("ONLY_ACH"), "OnlyAch");
        assert_eq!(pascal_case("PaymentLink"), "PaymentLink");
        assert_eq!(
            pascal_case("UpdatePaymentLinkInput"),
            "UpdatePaymentLinkInput"
        );
        assert_eq!(pascal_case("_1"), "V1");
    }

    #[test]
    fn keywords_are_escaped() {
        assert_eq!(ident("type").to_string(), "r#type");
        assert_eq!(ident("self").to_string(), "self_");
        assert_eq!(ident("Self").to_string(), "Self_");
        assert_eq!(ident("amount").to_string(), "amount");
        assert_eq!(ident_text(&ident("type")), "type");
    }
}
