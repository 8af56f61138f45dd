//! SDL `enum` → a `GraphQLEnum` Rust enum plus name lookups.

use std::collections::BTreeMap;

use apollo_compiler::schema::EnumType;
use proc_macro2::TokenStream;
use quote::quote;

use crate::attrs::{GraphqlArgs, deprecation, doc, sdl_doc, text};
use crate::diagnostics::Problems;
use crate::plan::Plan;
use crate::rust_names::{ident, ident_text, pascal_case};

pub(crate) fn emit_enum(
    plan: &Plan<'_>,
    enum_type: &EnumType,
    problems: &mut Problems,
) -> TokenStream {
    let sdl_name = enum_type.name.as_str();
    let rust = plan.type_ident(sdl_name);
    let description = text(enum_type.description.as_ref());
    let type_doc = sdl_doc(description);
    let type_args = GraphqlArgs::new(sdl_name, description).args();

    let mut taken = BTreeMap::new();
    let mut variants = Vec::new();
    let mut variant_idents = Vec::new();
    let mut value_names = Vec::new();
    for (value_name, value) in &enum_type.values {
        let variant = ident(&pascal_case(value_name));
        let variant_text = ident_text(&variant);
        if variant_text == "ALL" {
            problems.push(
                value.location(),
                format!("enum value `{sdl_name}.{value_name}` would clash with the generated `{rust}::ALL`"),
            );
        }
        if let Some(other) = taken.insert(variant_text.clone(), value_name.to_string()) {
            problems.push(
                value.location(),
                format!(
                    "enum values `{other}` and `{value_name}` of `{sdl_name}` would both become \
                     the Rust variant `{variant_text}`"
                ),
            );
        }
        let value_description = text(value.description.as_ref());
        let value_doc = sdl_doc(value_description);
        let mut args = GraphqlArgs::new(value_name, value_description);
        args.deprecated = deprecation(value.directives.get("deprecated").map(|d| &**d));
        variants.push(quote! {
            #value_doc
            #args
            #variant
        });
        variant_idents.push(variant);
        value_names.push(value_name.as_str());
    }

    let all_doc = doc(&format!("Every value of `{sdl_name}`, in SDL order."));
    let as_str_doc = doc("The value's name in the GraphQL schema.");
    let from_doc = doc("The value with this GraphQL name, if there is one.");
    quote! {
        #type_doc
        #[derive(::juniper::GraphQLEnum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[graphql(#type_args)]
        pub enum #rust {
            #(#variants,)*
        }

        // Hand-written code may not need every helper; they exist so it never has to repeat
        // the SDL names.
        #[allow(dead_code)]
        impl #rust {
            #all_doc
            pub const ALL: &'static [Self] = &[#(Self::#variant_idents),*];

            #as_str_doc
            pub fn as_str(self) -> &'static str {
                match self {
                    #(Self::#variant_idents => #value_names,)*
                }
            }

            #from_doc
            pub fn from_sdl_name(name: &str) -> Option<Self> {
                match name {
                    #(#value_names => Some(Self::#variant_idents),)*
                    _ => None,
                }
            }
        }
    }
}
