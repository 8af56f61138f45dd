//! Schema-first code generation for paylink's GraphQL gateway.
//!
//! The SDL files in `schema/` are the contract. [`generate`] turns them into juniper 0.18
//! types (enums, input objects, objects) and, for each root operation type, a resolver
//! trait that hand-written code must implement, so the served schema cannot drift from the
//! SDL without a compile error. (`paylink schema check`, with the `paylink-contract` crate,
//! then proves that what juniper serves still equals the SDL, type by type.)
//!
//! Everything the generator cannot serve faithfully (interfaces, unions, subscriptions,
//! enum default values, ...) is refused with a diagnostic that names the file and line,
//! rather than generated approximately.

mod attrs;
mod build_script;
mod defaults;
mod diagnostics;
mod emit_enum;
mod emit_input;
mod emit_object;
mod emit_resolved;
mod emit_root;
mod load;
mod options;
mod plan;
mod rust_names;
mod types;

use std::collections::BTreeMap;

use apollo_compiler::schema::ExtendedType;
use proc_macro2::TokenStream;

pub use build_script::build_schema_module;
pub use diagnostics::{CodegenError, Diagnostic, SourceLocation};
pub use options::{Options, SchemaSource};

use diagnostics::Problems;
use plan::Plan;

/// Generates one Rust file (formatted, without inner attributes, with absolute paths) from
/// the SDL sources, parsed and validated together as one schema.
///
/// The file is meant to be `include!`d into a module of the crate that owns the types named
/// in `options`.
pub fn generate(sources: &[SchemaSource], options: &Options) -> Result<String, CodegenError> {
    let schema = load::load_valid(sources)?;
    let mut problems = Problems::new(schema.sources.clone());
    let plan = Plan::new(&schema, options, &mut problems)?;

    // Grouped by kind, then sorted by name, so the output does not depend on file order.
    let mut enums = BTreeMap::new();
    let mut inputs = BTreeMap::new();
    let mut objects = BTreeMap::new();
    for (name, ty) in &schema.types {
        if ty.is_built_in() {
            continue;
        }
        let name = name.as_str();
        match ty {
            // Custom scalars are hand-written types named in `Options::scalars`.
            ExtendedType::Scalar(_) => {}
            ExtendedType::Object(object) => {
                if !plan.is_root(name) {
                    objects.insert(name, emit_object::emit_object(&plan, object, &mut problems));
                }
            }
            ExtendedType::Enum(enum_type) => {
                enums.insert(name, emit_enum::emit_enum(&plan, enum_type, &mut problems));
            }
            ExtendedType::InputObject(input) => {
                inputs.insert(name, emit_input::emit_input(&plan, input, &mut problems));
            }
            ExtendedType::Interface(_) => problems.push(
                ty.location(),
                format!("unsupported: interface `{name}` (interfaces are not in the contract yet)"),
            ),
            ExtendedType::Union(_) => problems.push(
                ty.location(),
                format!("unsupported: union `{name}` (unions are not in the contract yet)"),
            ),
        }
    }
    for (name, definition) in &schema.directive_definitions {
        if !definition.is_built_in() {
            problems.push(
                definition.location(),
                format!("unsupported: directive definition `@{name}` (juniper cannot serve it)"),
            );
        }
    }

    let mut roots = Vec::new();
    for root in [&plan.roots.query, &plan.roots.mutation]
        .into_iter()
        .flatten()
    {
        if let Some(ExtendedType::Object(object)) = schema.types.get(root.as_str()) {
            roots.push(emit_root::emit_root(&plan, object, &mut problems));
        }
    }
    let schema_items = emit_root::emit_schema(&plan, &mut problems);

    let tokens: TokenStream = enums
        .into_values()
        .chain(inputs.into_values())
        .chain(objects.into_values())
        .chain(roots)
        .chain([emit_resolved::emit_resolved(), schema_items])
        .collect();
    let tokens = problems.into_result(tokens)?;
    let file: syn::File =
        syn::parse2(tokens).map_err(|error| CodegenError::Internal(error.to_string()))?;
    Ok(prettyplease::unparse(&file))
}
