//! Applying update inputs: an omitted field (`ImplicitNull`) keeps its value, an explicit null
//! clears it, a value replaces it.

use juniper::Nullable;

use super::ApiError;

/// Sets a field that cannot be null: omitted keeps it, null is refused.
pub(super) fn set_required<T>(
    field: &str,
    target: &mut T,
    value: Nullable<T>,
) -> Result<(), ApiError> {
    match value {
        Nullable::ImplicitNull => Ok(()),
        Nullable::ExplicitNull => Err(ApiError::bad_input(field, "cannot be null")),
        Nullable::Some(value) => {
            *target = value;
            Ok(())
        }
    }
}

/// Sets a nullable field: omitted keeps it, null clears it.
pub(super) fn set_optional<T>(target: &mut Option<T>, value: Nullable<T>) {
    match value {
        Nullable::ImplicitNull => {}
        Nullable::ExplicitNull => *target = None,
        Nullable::Some(value) => *target = Some(value),
    }
}
