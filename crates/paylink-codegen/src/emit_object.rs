//! SDL object `type` (other than the root operation types) → a `GraphQLObject` struct whose
//! fields hold the already-resolved values.

use std::collections::BTreeMap;

use apollo_compiler::Node;
use apollo_compiler::schema::ObjectType;
use proc_macro2::TokenStream;
use quote::quote;

use crate::attrs::{GraphqlArgs, deprecation, sdl_doc, text};
use crate::diagnostics::Problems;
use crate::plan::Plan;
use crate::rust_names::{ident, ident_text, snake_case};
use crate::types::Nullability;

pub(crate) fn emit_object(
    plan: &Plan<'_>,
    object: &Node<ObjectType>,
    problems: &mut Problems,
) -> TokenStream {
    let sdl_name = object.name.as_str();
    let rust = plan.type_ident(sdl_name);
    let description = text(object.description.as_ref());
    let type_doc = sdl_doc(description);
    let mut type_args = GraphqlArgs::new(sdl_name, description);
    type_args.context = Some(plan.context_type.clone());
    let type_args = type_args.args();

    if !object.implements_interfaces.is_empty() {
        problems.push(
            object.location(),
            format!("unsupported: object type `{sdl_name}` implements interfaces"),
        );
    }

    let mut taken = BTreeMap::new();
    let mut fields = Vec::new();
    for (field_name, field) in &object.fields {
        if !field.arguments.is_empty() {
            // A struct field cannot take arguments; that needs resolver methods, which only
            // the root types have for now.
            problems.push(
                field.location(),
                format!(
                    "unsupported: field {sdl_name}.{field_name} has arguments (only fields of \
                     the root operation types may have arguments)"
                ),
            );
        }
        let field_ident = ident(&snake_case(field_name));
        if let Some(other) = taken.insert(ident_text(&field_ident), field_name.to_string()) {
            problems.push(
                field.location(),
                format!(
                    "fields `{other}` and `{field_name}` of `{sdl_name}` would both become the \
                     Rust field `{field_ident}`"
                ),
            );
        }
        let ty = plan.rust_type(
            &field.ty,
            Nullability::Option,
            plan.is_boxed(sdl_name, field_name),
        );
        let field_description = text(field.description.as_ref());
        let field_doc = sdl_doc(field_description);
        let mut args = GraphqlArgs::new(field_name, field_description);
        args.deprecated = deprecation(field.directives.get("deprecated").map(|d| &**d));
        fields.push(quote! {
            #field_doc
            #args
            pub #field_ident: #ty
        });
    }

    quote! {
        #type_doc
        #[derive(::juniper::GraphQLObject, Clone, Debug)]
        #[graphql(#type_args)]
        pub struct #rust {
            #(#fields,)*
        }
    }
}
