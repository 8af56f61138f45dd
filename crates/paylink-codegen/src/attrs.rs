//! Builds the `#[doc]` and `#[graphql(...)]` attributes shared by all emitters.

use apollo_compiler::Node;
use apollo_compiler::ast::Directive;
use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

/// An SDL description as plain text.
pub(crate) fn text(description: Option<&Node<str>>) -> Option<&str> {
    description.map(|d| d.as_str())
}

/// `#[doc = "..."]` attributes, one per line with a leading space, so that prettyplease prints
/// them as ordinary `/// ...` comments.
pub(crate) fn doc(text: &str) -> TokenStream {
    text.lines()
        .map(|line| {
            let line = if line.is_empty() {
                String::new()
            } else {
                format!(" {line}")
            };
            quote!(#[doc = #line])
        })
        .collect()
}

/// `#[doc]` for items whose doc juniper would take as the GraphQL description when no
/// `description` is given. An undescribed SDL item must stay undescribed when served, so it
/// gets no doc and, instead, an explicit exemption from `missing_docs`.
pub(crate) fn sdl_doc(description: Option<&str>) -> TokenStream {
    description.map_or_else(|| quote!(#[allow(missing_docs)]), doc)
}

/// `@deprecated` → `Some(None)`, `@deprecated(reason: "x")` → `Some(Some("x"))`.
pub(crate) fn deprecation(directive: Option<&Directive>) -> Option<Option<String>> {
    let directive = directive?;
    Some(
        directive
            .specified_argument_by_name("reason")
            .and_then(|reason| reason.as_str())
            .map(str::to_owned),
    )
}

/// The arguments of one `#[graphql(...)]` attribute; every SDL name is spelled out so that
/// juniper's own renaming rules never apply.
#[derive(Default)]
pub(crate) struct GraphqlArgs {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) deprecated: Option<Option<String>>,
    pub(crate) default: Option<TokenStream>,
    pub(crate) context: Option<syn::Type>,
}

impl GraphqlArgs {
    pub(crate) fn new(name: &str, description: Option<&str>) -> Self {
        Self {
            name: name.to_owned(),
            description: description.map(str::to_owned),
            ..Self::default()
        }
    }

    /// The comma-separated arguments, for `#[graphql(...)]` and `#[graphql_object(...)]`.
    pub(crate) fn args(&self) -> TokenStream {
        let name = &self.name;
        let mut args = vec![quote!(name = #name)];
        if let Some(context) = &self.context {
            args.push(quote!(context = #context));
        }
        if let Some(description) = &self.description {
            args.push(quote!(description = #description));
        }
        match &self.deprecated {
            Some(Some(reason)) => args.push(quote!(deprecated = #reason)),
            Some(None) => args.push(quote!(deprecated)),
            None => {}
        }
        if let Some(default) = &self.default {
            args.push(quote!(default = #default));
        }
        quote!(#(#args),*)
    }
}

impl ToTokens for GraphqlArgs {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let args = self.args();
        tokens.extend(quote!(#[graphql(#args)]));
    }
}
