//! What a diff reports: one [`Change`] per difference, with its [`Criticality`] and [`ChangeKind`].

use std::fmt;

use serde::{Deserialize, Serialize};

/// How a change affects clients written against the old schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Criticality {
    /// Some valid operation or response handling of the old schema stops working.
    Breaking,
    /// Existing operations still validate, but clients may see values or types they did not
    /// expect (a new enum value, a new union member, a changed default).
    Dangerous,
    /// Nothing a client does can observe a difference in behaviour.
    NonBreaking,
}

impl Criticality {
    /// The name used in text and JSON output: `BREAKING`, `DANGEROUS` or `NON_BREAKING`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Breaking => "BREAKING",
            Self::Dangerous => "DANGEROUS",
            Self::NonBreaking => "NON_BREAKING",
        }
    }
}

impl fmt::Display for Criticality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of a change; serialised in `SCREAMING_SNAKE_CASE` (`FIELD_REMOVED`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChangeKind {
    /// A root operation type (query, mutation, subscription) now names another type.
    RootOperationTypeChanged,
    /// A root operation type appeared where there was none.
    RootOperationTypeAdded,
    /// A root operation type disappeared.
    RootOperationTypeRemoved,
    /// A named type was added.
    TypeAdded,
    /// A named type was removed.
    TypeRemoved,
    /// A named type changed kind (object to interface, enum to scalar, ...).
    TypeKindChanged,
    /// A field was added to an object type or an interface.
    FieldAdded,
    /// A field was removed from an object type or an interface.
    FieldRemoved,
    /// The type of a field of an object type or an interface changed.
    FieldTypeChanged,
    /// An argument was added to a field.
    ArgumentAdded,
    /// An argument was removed from a field.
    ArgumentRemoved,
    /// The type of a field's argument changed.
    ArgumentTypeChanged,
    /// The default value of a field's argument was added, removed or changed.
    ArgumentDefaultValueChanged,
    /// A field was added to an input object type.
    InputFieldAdded,
    /// A field was removed from an input object type.
    InputFieldRemoved,
    /// The type of an input object's field changed.
    InputFieldTypeChanged,
    /// The default value of an input object's field was added, removed or changed.
    InputFieldDefaultValueChanged,
    /// An input object type became `@oneOf`.
    InputOneOfAdded,
    /// An input object type stopped being `@oneOf`.
    InputOneOfRemoved,
    /// A value was added to an enum.
    EnumValueAdded,
    /// A value was removed from an enum.
    EnumValueRemoved,
    /// A member type was added to a union.
    UnionMemberAdded,
    /// A member type was removed from a union.
    UnionMemberRemoved,
    /// An object type or interface now implements an interface.
    InterfaceImplementationAdded,
    /// An object type or interface no longer implements an interface.
    InterfaceImplementationRemoved,
    /// The `@specifiedBy` URL of a custom scalar changed.
    ScalarSpecifiedByChanged,
    /// A directive definition was added.
    DirectiveAdded,
    /// A directive definition was removed.
    DirectiveRemoved,
    /// A directive may now be used at one more location.
    DirectiveLocationAdded,
    /// A directive may no longer be used at a location.
    DirectiveLocationRemoved,
    /// A directive became `repeatable`.
    DirectiveRepeatableAdded,
    /// A directive stopped being `repeatable`.
    DirectiveRepeatableRemoved,
    /// An argument was added to a directive definition.
    DirectiveArgumentAdded,
    /// An argument was removed from a directive definition.
    DirectiveArgumentRemoved,
    /// The type of a directive's argument changed.
    DirectiveArgumentTypeChanged,
    /// The default value of a directive's argument was added, removed or changed.
    DirectiveArgumentDefaultValueChanged,
    /// An element was marked `@deprecated`.
    DeprecationAdded,
    /// An element is no longer `@deprecated`.
    DeprecationRemoved,
    /// The reason of a deprecation changed.
    DeprecationReasonChanged,
    /// A description was added, removed or changed.
    DescriptionChanged,
}

/// One difference between the old and the new schema.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// How the change affects existing clients.
    pub criticality: Criticality,
    /// The schema coordinate of the changed element: `Type`, `Type.field`,
    /// `Type.field(arg:)`, `Enum.VALUE`, `Input.field`, `@directive`, `@directive(arg:)`, or
    /// `schema.query` / `schema.mutation` / `schema.subscription` for root operation types.
    pub coordinate: String,
    /// What changed.
    pub kind: ChangeKind,
    /// One line saying what changed and why it has this criticality.
    pub reason: String,
    /// Whether the change was acknowledged in an accept list (see [`crate::accept`]); an
    /// accepted change does not fail a check.
    #[serde(default)]
    pub accepted: bool,
}

impl Change {
    /// A change that is not (yet) accepted.
    pub fn new(
        criticality: Criticality,
        coordinate: impl Into<String>,
        kind: ChangeKind,
        reason: impl Into<String>,
    ) -> Self {
        Self {
            criticality,
            coordinate: coordinate.into(),
            kind,
            reason: reason.into(),
            accepted: false,
        }
    }
}
