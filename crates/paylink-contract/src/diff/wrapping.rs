//! Whether a change of a type reference (`String` → `String!`, `[Int]` → `Int`, ...) is
//! safe, as graphql-js decides it.

use apollo_compiler::ast::Type;

/// For a field of an object type or interface (what a client reads): adding non-null is safe
/// at any level, removing it or changing the list structure or the named type is not.
pub(super) fn safe_for_output(old: &Type, new: &Type) -> bool {
    if old.is_non_null() {
        return new.is_non_null()
            && safe_for_output(&old.clone().nullable(), &new.clone().nullable());
    }
    match (old, new) {
        (Type::List(old_item), Type::List(new_item)) => safe_for_output(old_item, new_item),
        (Type::Named(old_name), Type::Named(new_name) | Type::NonNullNamed(new_name)) => {
            old_name == new_name
        }
        (Type::List(_), Type::NonNullList(_)) => safe_for_output(old, &new.clone().nullable()),
        _ => false,
    }
}

/// For an argument or input field (what a client sends): dropping non-null is safe at any
/// level, adding it or changing the list structure or the named type is not.
pub(super) fn safe_for_input(old: &Type, new: &Type) -> bool {
    if old.is_non_null() {
        return safe_for_input(&old.clone().nullable(), &new.clone().nullable());
    }
    match (old, new) {
        (Type::List(old_item), Type::List(new_item)) => safe_for_input(old_item, new_item),
        (Type::Named(old_name), Type::Named(new_name)) => old_name == new_name,
        _ => false,
    }
}

/// How many lists a type reference nests.
fn list_depth(ty: &Type) -> usize {
    match ty {
        Type::Named(_) | Type::NonNullNamed(_) => 0,
        Type::List(item) | Type::NonNullList(item) => 1 + list_depth(item),
    }
}

/// Why an unsafe type change breaks, for a reason: the named type, the list structure or
/// (for the same named type and lists) the nullability at some level changed.
pub(super) fn what_changed(old: &Type, new: &Type, nullability: &'static str) -> String {
    if old.inner_named_type() != new.inner_named_type() {
        format!(
            "the named type changed from `{}` to `{}`",
            old.inner_named_type(),
            new.inner_named_type()
        )
    } else if list_depth(old) != list_depth(new) {
        "the list structure changed".to_owned()
    } else {
        nullability.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use apollo_compiler::ty;

    use super::*;

    #[test]
    fn output_rules() {
        assert!(safe_for_output(&ty!(String), &ty!(String!)));
        assert!(!safe_for_output(&ty!(String!), &ty!(String)));
        assert!(safe_for_output(&ty!([String]), &ty!([String!])));
        assert!(safe_for_output(&ty!([String]), &ty!([String]!)));
        assert!(safe_for_output(&ty!([String]), &ty!([String!]!)));
        assert!(!safe_for_output(&ty!([String!]), &ty!([String])));
        assert!(!safe_for_output(&ty!([String]), &ty!(String)));
        assert!(!safe_for_output(&ty!(String), &ty!([String])));
        assert!(!safe_for_output(&ty!([String]), &ty!([[String]])));
        assert!(!safe_for_output(&ty!(String), &ty!(ID)));
    }

    #[test]
    fn input_rules() {
        assert!(safe_for_input(&ty!(Int!), &ty!(Int)));
        assert!(!safe_for_input(&ty!(Int), &ty!(Int!)));
        assert!(safe_for_input(&ty!([Int!]!), &ty!([Int])));
        assert!(!safe_for_input(&ty!([Int]), &ty!([Int!])));
        assert!(!safe_for_input(&ty!([Int]), &ty!(Int)));
        assert!(!safe_for_input(&ty!(Int), &ty!([Int])));
        assert!(!safe_for_input(&ty!(Int), &ty!(Float)));
    }
}
