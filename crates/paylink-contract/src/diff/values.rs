//! Printing-independent readings of descriptions, deprecations and values, and the changes
//! that every kind of element can have: description and deprecation.

use std::collections::BTreeMap;

use apollo_compiler::Node;
use apollo_compiler::ast::{DirectiveList, Value};

use super::Changes;
use crate::change::{ChangeKind, Criticality};

/// The reason GraphQL assumes for a bare `@deprecated`.
const DEFAULT_DEPRECATION_REASON: &str = "No longer supported";

/// A description without surrounding white space; an empty one is none.
fn description(description: Option<&Node<str>>) -> Option<&str> {
    description.map(|d| d.trim()).filter(|d| !d.is_empty())
}

/// The deprecation reason, or `None` when the element is not deprecated.
pub(super) fn deprecation(directives: &DirectiveList) -> Option<String> {
    let directive = directives.get("deprecated")?;
    Some(
        directive
            .specified_argument_by_name("reason")
            .and_then(|reason| reason.as_str())
            .unwrap_or(DEFAULT_DEPRECATION_REASON)
            .to_owned(),
    )
}

/// For the reason of a removal: says that the element was deprecated, if it was.
pub(super) fn deprecated_note(directives: &DirectiveList) -> String {
    deprecation(directives).map_or_else(String::new, |reason| {
        format!(" (it was deprecated: {reason:?}, but clients that still use it break)")
    })
}

/// A printing-independent form of a value: numbers by their numeric value (a Float default
/// `1` equals `1.0`), object fields sorted by name.
pub(super) fn canonical(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Enum(name) => name.to_string(),
        Value::Variable(name) => format!("${name}"),
        Value::String(string) => format!("{string:?}"),
        Value::Int(_) | Value::Float(_) => value
            .to_f64()
            .map_or_else(|| value.to_string(), |number| number.to_string()),
        Value::Boolean(boolean) => boolean.to_string(),
        Value::List(items) => {
            let items: Vec<String> = items.iter().map(|item| canonical(item)).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(fields) => {
            let fields: BTreeMap<&str, String> = fields
                .iter()
                .map(|(name, value)| (name.as_str(), canonical(value)))
                .collect();
            let fields: Vec<String> = fields.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            format!("{{{}}}", fields.join(", "))
        }
    }
}

impl Changes {
    /// A description added, removed or changed: never breaking.
    pub(super) fn description(
        &mut self,
        coordinate: &str,
        what: &str,
        old: Option<&Node<str>>,
        new: Option<&Node<str>>,
    ) {
        let reason = match (description(old), description(new)) {
            (None, Some(_)) => format!("A description was added to {what}"),
            (Some(_), None) => format!("The description of {what} was removed"),
            (Some(old), Some(new)) if old != new => format!("The description of {what} changed"),
            _ => return,
        };
        self.push(
            Criticality::NonBreaking,
            coordinate,
            ChangeKind::DescriptionChanged,
            reason,
        );
    }

    /// `@deprecated` added, removed, or its reason changed: never breaking by itself.
    pub(super) fn deprecation(
        &mut self,
        coordinate: &str,
        what: &str,
        old: &DirectiveList,
        new: &DirectiveList,
    ) {
        let (kind, reason) = match (deprecation(old), deprecation(new)) {
            (None, Some(reason)) => (
                ChangeKind::DeprecationAdded,
                format!("{what} was deprecated ({reason:?})"),
            ),
            (Some(_), None) => (
                ChangeKind::DeprecationRemoved,
                format!("{what} is no longer deprecated"),
            ),
            (Some(old), Some(new)) if old != new => (
                ChangeKind::DeprecationReasonChanged,
                format!("The deprecation reason of {what} changed from {old:?} to {new:?}"),
            ),
            _ => return,
        };
        self.push(
            Criticality::NonBreaking,
            coordinate,
            kind,
            capitalised(&reason),
        );
    }
}

/// The text with its first letter in upper case.
pub(super) fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}
