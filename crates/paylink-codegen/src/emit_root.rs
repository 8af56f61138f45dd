//! Root operation types (`Query`, `Mutation`) → a resolver trait that hand-written code
//! implements, plus a juniper object that delegates every field to it, and the `Schema`.

use std::collections::BTreeMap;

use apollo_compiler::Node;
use apollo_compiler::ast::FieldDefinition;
use apollo_compiler::schema::{Component, ExtendedType, ObjectType};
use proc_macro2::{Ident, TokenStream};
use quote::quote;

use crate::attrs::{GraphqlArgs, deprecation, doc, text};
use crate::defaults::default_expr;
use crate::diagnostics::Problems;
use crate::plan::Plan;
use crate::rust_names::{ident, ident_text, pascal_case, snake_case};

/// Argument names that juniper's `graphql_object` treats as the context or executor
/// whatever their `#[graphql(name)]`, and the generated `selection` parameter, so SDL arguments
/// must not use them in Rust.
const JUNIPER_MAGIC_ARGS: &[&str] = &[
    "selection",
    "context",
    "ctx",
    "_context",
    "_ctx",
    "executor",
    "_executor",
];

/// Above this many parameters clippy's `too_many_arguments` fires; the SDL decides the count.
const CLIPPY_MAX_ARGS: usize = 7;

struct Field {
    trait_method: TokenStream,
    object_method: TokenStream,
    /// The selection type of a field whose result is an object, and its definition.
    selection: Option<(String, TokenStream)>,
}

/// The type that tells a resolver which fields of its object result the client selected, for
/// a root field whose result is an object type: `paymentLinks: PaymentLinks!` gets
/// `PaymentLinksSelection` with `total_row_count()` and `items()`. Each question looks at the
/// query when asked, so a resolver that asks nothing pays nothing.
fn emit_selection(
    plan: &Plan<'_>,
    root_name: &str,
    field_name: &str,
    field: &Component<FieldDefinition>,
    problems: &mut Problems,
) -> Option<(Ident, String, TokenStream)> {
    let result = field.ty.inner_named_type().as_str();
    let Some(ExtendedType::Object(object)) = plan.schema.types.get(result) else {
        return None;
    };
    let name = format!("{}Selection", pascal_case(field_name));
    if plan.schema.types.contains_key(name.as_str()) {
        problems.push(
            field.location(),
            format!(
                "the selection type of `{field_name}` would be `{name}`, which the schema \
                 already defines"
            ),
        );
    }
    let other_roots = [&plan.roots.query, &plan.roots.mutation]
        .into_iter()
        .flatten()
        .filter(|other| other.as_str() != root_name);
    for other in other_roots {
        if let Some(ExtendedType::Object(other)) = plan.schema.types.get(other.as_str())
            && other.fields.contains_key(field_name)
        {
            problems.push(
                field.location(),
                format!(
                    "`{field_name}` is a field of two root types, whose selection types would \
                     both be `{name}`"
                ),
            );
        }
    }
    let rust = ident(&name);
    let struct_doc = doc(&format!(
        "The fields of `{result}` a client selected on `{field_name}`, asked on demand, so that \
         a resolver can skip work nobody asked for (such as counting rows)."
    ));
    let methods = object.fields.keys().map(|child| {
        let method = ident(&snake_case(child.as_str()));
        let child = child.as_str();
        let method_doc = doc(&format!("Whether the client selected `{child}`."));
        quote! {
            #method_doc
            pub fn #method(&self) -> bool {
                self.selects(#child)
            }
        }
    });
    let definition = quote! {
        #struct_doc
        #[derive(Clone, Copy)]
        pub struct #rust<'a> {
            look_ahead: ::juniper::LookAheadSelection<'a, ::juniper::DefaultScalarValue>,
        }

        impl<'a> #rust<'a> {
            #[doc = "The selection under the field, as juniper's look-ahead sees it."]
            pub fn new(
                look_ahead: ::juniper::LookAheadSelection<'a, ::juniper::DefaultScalarValue>,
            ) -> Self {
                Self { look_ahead }
            }

            fn selects(&self, field: &str) -> bool {
                self.look_ahead
                    .children()
                    .iter()
                    .any(|child| child.field_original_name() == field)
            }

            #[doc = "Whether the client selected `field` under the result's field `within` (both SDL names), such as `deliveries` under `items`: for a resolver that reads lists of each item only when they are selected."]
            pub fn selects_within(&self, within: &str, field: &str) -> bool {
                self.look_ahead
                    .children()
                    .iter()
                    .filter(|child| child.field_original_name() == within)
                    .any(|child| {
                        child
                            .children()
                            .iter()
                            .any(|grandchild| grandchild.field_original_name() == field)
                    })
            }

            #(#methods)*
        }

        impl ::std::fmt::Debug for #rust<'_> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(#name).finish_non_exhaustive()
            }
        }
    };
    Some((rust, name, definition))
}

fn emit_field(
    plan: &Plan<'_>,
    root: &Node<ObjectType>,
    field_name: &str,
    field: &Component<FieldDefinition>,
    problems: &mut Problems,
) -> (String, Field) {
    let root_name = root.name.as_str();
    let context = &plan.context_type;
    let error = &plan.error_type;
    let resolvers = &plan.resolvers_type;
    let trait_ident = plan.resolvers_trait(root_name);
    let method = ident(&snake_case(field_name));

    let mut taken = BTreeMap::new();
    let mut params = Vec::new();
    let mut object_params = Vec::new();
    let mut arg_idents = Vec::new();
    for arg in &field.arguments {
        let arg_name = arg.name.as_str();
        let mut rust_name = snake_case(arg_name);
        if JUNIPER_MAGIC_ARGS.contains(&rust_name.as_str()) {
            rust_name.push('_');
        }
        let arg_ident = ident(&rust_name);
        if let Some(other) = taken.insert(ident_text(&arg_ident), arg_name.to_owned()) {
            problems.push(
                arg.location(),
                format!(
                    "arguments `{other}` and `{arg_name}` of {root_name}.{field_name} would both \
                     become the Rust parameter `{arg_ident}`"
                ),
            );
        }
        let ty = plan.plain_type(&arg.ty);
        let mut args = GraphqlArgs::new(arg_name, text(arg.description.as_ref()));
        args.deprecated = deprecation(arg.directives.get("deprecated").map(|d| &**d));
        if let Some(value) = &arg.default_value {
            match default_expr(plan, &arg.ty, value) {
                Ok(expr) => args.default = Some(expr),
                Err(reason) => problems.push(
                    arg.location(),
                    format!(
                        "unsupported: {reason} on argument {root_name}.{field_name}({arg_name}:)"
                    ),
                ),
            }
        }
        params.push(quote!(#arg_ident: #ty));
        object_params.push(quote!(#args #arg_ident: #ty));
        arg_idents.push(arg_ident);
    }

    let selection = emit_selection(plan, root_name, field_name, field, problems);
    let (selection_param, selection_arg) = match &selection {
        Some((rust, _, _)) => (
            quote!(selection: #rust<'_>,),
            quote!(#rust::new(executor.look_ahead()),),
        ),
        None => (TokenStream::new(), TokenStream::new()),
    };
    let ret = plan.plain_type(&field.ty);
    let description = text(field.description.as_ref());
    let method_doc = doc(description.unwrap_or(&format!("Resolves `{root_name}.{field_name}`.")));
    // The context and the selection come before the SDL arguments.
    let allow = if field.arguments.len() + 1 + usize::from(selection.is_some()) > CLIPPY_MAX_ARGS {
        quote!(#[allow(clippy::too_many_arguments)])
    } else {
        TokenStream::new()
    };
    let mut field_args = GraphqlArgs::new(field_name, description);
    field_args.deprecated = deprecation(field.directives.get("deprecated").map(|d| &**d));

    let trait_method = quote! {
        #method_doc
        #allow
        fn #method(
            ctx: &#context,
            #selection_param
            #(#params,)*
        ) -> impl ::std::future::Future<Output = Result<#ret, #error>> + Send;
    };
    let object_method = quote! {
        #field_args
        #allow
        async fn #method(
            ctx: &#context,
            executor: &::juniper::Executor<'_, '_, #context>,
            #(#object_params,)*
        ) -> Result<Resolved<#ret>, #error> {
            <#resolvers as #trait_ident>::#method(ctx, #selection_arg #(#arg_idents),*)
                .await
                .map(Resolved)
        }
    };
    (
        ident_text(&method),
        Field {
            trait_method,
            object_method,
            selection: selection.map(|(_, name, definition)| (name, definition)),
        },
    )
}

/// The trait, the unit struct and its `#[graphql_object]` impl for one root type.
pub(crate) fn emit_root(
    plan: &Plan<'_>,
    root: &Node<ObjectType>,
    problems: &mut Problems,
) -> TokenStream {
    let root_name = root.name.as_str();
    let rust = plan.type_ident(root_name);
    let trait_ident = plan.resolvers_trait(root_name);
    let resolvers = &plan.resolvers_type;
    let description = text(root.description.as_ref());

    if !root.implements_interfaces.is_empty() {
        problems.push(
            root.location(),
            format!("unsupported: root type `{root_name}` implements interfaces"),
        );
    }

    let mut taken: BTreeMap<String, String> = BTreeMap::new();
    let mut trait_methods = Vec::new();
    let mut object_methods = Vec::new();
    let mut selections = Vec::new();
    for (field_name, field) in &root.fields {
        let (method_text, emitted) = emit_field(plan, root, field_name, field, problems);
        if let Some(other) = taken.insert(method_text.clone(), field_name.to_string()) {
            problems.push(
                field.location(),
                format!(
                    "fields `{other}` and `{field_name}` of `{root_name}` would both become the \
                     Rust method `{method_text}`"
                ),
            );
        }
        trait_methods.push(emitted.trait_method);
        object_methods.push(emitted.object_method);
        if let Some((_, definition)) = emitted.selection {
            selections.push(definition);
        }
    }

    let resolvers_text = quote!(#resolvers).to_string().replace(' ', "");
    let trait_doc = doc(&format!(
        "Resolvers of the fields of `{root_name}`; `{resolvers_text}` implements them and the \
         generated [`{rust}`] calls them, so a missing resolver is a compile error."
    ));
    let struct_doc = doc(description.unwrap_or(&format!("The `{root_name}` root type.")));
    let delegation_doc = doc(&format!(
        "Each field delegates to [`{trait_ident}`], implemented by `{resolvers_text}`."
    ));
    let mut object_args = GraphqlArgs::new(root_name, description);
    object_args.context = Some(plan.context_type.clone());
    let object_args = object_args.args();

    quote! {
        #(#selections)*

        #trait_doc
        pub trait #trait_ident {
            #(#trait_methods)*
        }

        #struct_doc
        #[doc = ""]
        #delegation_doc
        #[derive(Clone, Copy, Debug, Default)]
        pub struct #rust;

        #[::juniper::graphql_object(#object_args, scalar = ::juniper::DefaultScalarValue)]
        impl #rust {
            #(#object_methods)*
        }
    }
}

/// The `Schema` alias and its constructor; absent root types become juniper's empty ones.
pub(crate) fn emit_schema(plan: &Plan<'_>, problems: &mut Problems) -> TokenStream {
    let context = &plan.context_type;
    let query = match &plan.roots.query {
        Some(query) => {
            let rust = plan.type_ident(query);
            quote!(#rust)
        }
        None => {
            problems.push(
                plan.schema.schema_definition.location(),
                "the schema has no query root type (define `type Query`)",
            );
            quote!(())
        }
    };
    if let Some(subscription) = &plan.roots.subscription {
        let location = plan
            .schema
            .types
            .get(subscription.as_str())
            .and_then(ExtendedType::location);
        problems.push(
            location,
            format!("unsupported: subscription root type `{subscription}`"),
        );
    }
    let (mutation_type, mutation_value) = match &plan.roots.mutation {
        Some(mutation) => {
            let rust = plan.type_ident(mutation);
            (quote!(#rust), quote!(#rust))
        }
        None => (
            quote!(::juniper::EmptyMutation<#context>),
            quote!(::juniper::EmptyMutation::new()),
        ),
    };
    let alias_doc = doc("The juniper schema generated from the SDL.");
    let fn_doc =
        doc("Builds the [`Schema`] to serve; its `as_sdl()` matches the SDL it came from.");
    quote! {
        #alias_doc
        pub type Schema = ::juniper::RootNode<#query, #mutation_type, ::juniper::EmptySubscription<#context>>;

        #fn_doc
        pub fn schema() -> Schema {
            Schema::new(#query, #mutation_value, ::juniper::EmptySubscription::new())
        }
    }
}
