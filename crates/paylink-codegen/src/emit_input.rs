//! SDL `input` → a `GraphQLInputObject` struct.

use std::collections::BTreeMap;

use apollo_compiler::schema::InputObjectType;
use proc_macro2::TokenStream;
use quote::quote;

use crate::attrs::{GraphqlArgs, deprecation, sdl_doc, text};
use crate::defaults::default_expr;
use crate::diagnostics::Problems;
use crate::plan::Plan;
use crate::rust_names::{ident, ident_text, snake_case};
use crate::types::Nullability;

/// `Update…Input` objects carry partial changes, where "leave as is" (field omitted) and
/// "clear" (explicit null) must stay distinguishable.
pub(crate) fn is_update_input(name: &str) -> bool {
    name.starts_with("Update") && name.ends_with("Input")
}

pub(crate) fn emit_input(
    plan: &Plan<'_>,
    input: &InputObjectType,
    problems: &mut Problems,
) -> TokenStream {
    let sdl_name = input.name.as_str();
    let rust = plan.type_ident(sdl_name);
    let description = text(input.description.as_ref());
    let type_doc = sdl_doc(description);
    let type_args = GraphqlArgs::new(sdl_name, description).args();
    let update = is_update_input(sdl_name);

    let mut taken = BTreeMap::new();
    let mut fields = Vec::new();
    for (field_name, field) in &input.fields {
        let field_ident = ident(&snake_case(field_name));
        if let Some(other) = taken.insert(ident_text(&field_ident), field_name.to_string()) {
            problems.push(
                field.location(),
                format!(
                    "input fields `{other}` and `{field_name}` of `{sdl_name}` would both become \
                     the Rust field `{field_ident}`"
                ),
            );
        }
        let nullability = if update && !field.ty.is_non_null() {
            Nullability::Nullable
        } else {
            Nullability::Option
        };
        let ty = plan.rust_type(&field.ty, nullability, plan.is_boxed(sdl_name, field_name));

        let field_description = text(field.description.as_ref());
        let field_doc = sdl_doc(field_description);
        let mut args = GraphqlArgs::new(field_name, field_description);
        args.deprecated = deprecation(field.directives.get("deprecated").map(|d| &**d));
        if let Some(value) = &field.default_value {
            if nullability == Nullability::Nullable {
                problems.push(
                    field.location(),
                    format!(
                        "unsupported: default value on nullable field {sdl_name}.{field_name} of \
                         an update input (it would make an omitted field look set)"
                    ),
                );
            } else {
                match default_expr(plan, &field.ty, value) {
                    Ok(expr) => args.default = Some(expr),
                    Err(reason) => problems.push(
                        field.location(),
                        format!("unsupported: {reason} on input field {sdl_name}.{field_name}"),
                    ),
                }
            }
        }
        fields.push(quote! {
            #field_doc
            #args
            pub #field_ident: #ty
        });
    }

    quote! {
        #type_doc
        #[derive(::juniper::GraphQLInputObject, Clone, Debug)]
        #[graphql(#type_args)]
        pub struct #rust {
            #(#fields,)*
        }
    }
}
