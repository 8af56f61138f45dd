//! SDL snippets in, generated items out: the generated code is parsed with `syn` and the
//! items, types and `#[graphql]` attributes are checked.

use std::collections::BTreeMap;

use paylink_codegen::{CodegenError, Options, SchemaSource, generate};
use quote::ToTokens;
use syn::punctuated::Punctuated;
use syn::{Attribute, Item, Meta, Token};

fn options() -> Options {
    Options {
        context_type: "crate::graphql::Context".into(),
        error_type: "crate::graphql::ApiError".into(),
        resolvers_type: "crate::graphql::Resolvers".into(),
        scalars: BTreeMap::new(),
    }
}

/// A root type is required by every schema, so snippets get a minimal one unless they
/// bring their own.
fn with_query(sdl: &str) -> String {
    if sdl.contains("type Query") || sdl.contains("schema {") {
        sdl.to_owned()
    } else {
        format!("{sdl}\ntype Query {{ ok: Boolean }}\n")
    }
}

fn gen_with(sdl: &str, options: &Options) -> Result<syn::File, CodegenError> {
    let code = generate(
        &[SchemaSource::new("test.graphql", with_query(sdl))],
        options,
    )?;
    Ok(syn::parse_file(&code).expect("generated code parses"))
}

fn gen_file(sdl: &str) -> syn::File {
    gen_with(sdl, &options()).unwrap_or_else(|error| panic!("{error}"))
}

fn gen_err(path: &str, sdl: &str) -> String {
    generate(&[SchemaSource::new(path, sdl)], &options())
        .expect_err("generation should fail")
        .to_string()
}

fn tokens(t: &impl ToTokens) -> String {
    t.to_token_stream().to_string()
}

/// Token text without spaces or the trailing commas prettyplease adds when it wraps lines.
fn compact(t: &impl ToTokens) -> String {
    tokens(t)
        .replace(' ', "")
        .replace(",>", ">")
        .replace(",)", ")")
}

/// The arguments of the `#[graphql(...)]` (or `#[graphql_object(...)]`) attribute: string
/// literals by value, bare flags as "", anything else as token text.
fn graphql_args(attrs: &[Attribute]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for attr in attrs {
        let last = attr.path().segments.last().expect("path").ident.to_string();
        if last != "graphql" && last != "graphql_object" {
            continue;
        }
        let metas = attr
            .parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
            .expect("graphql args");
        for meta in metas {
            match meta {
                Meta::Path(path) => {
                    out.insert(tokens(&path), String::new());
                }
                Meta::NameValue(nv) => {
                    let value = match &nv.value {
                        syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(s),
                            ..
                        }) => s.value(),
                        other => tokens(other),
                    };
                    out.insert(tokens(&nv.path), value);
                }
                Meta::List(list) => panic!("unexpected list {}", tokens(&list)),
            }
        }
    }
    out
}

fn docs(attrs: &[Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .map(|a| match &a.meta {
            Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => s.value(),
                other => tokens(other),
            },
            other => tokens(other),
        })
        .collect()
}

fn find_enum<'a>(file: &'a syn::File, name: &str) -> &'a syn::ItemEnum {
    file.items
        .iter()
        .find_map(|item| match item {
            Item::Enum(e) if e.ident == name => Some(e),
            _ => None,
        })
        .unwrap_or_else(|| panic!("enum {name} not generated"))
}

fn find_struct<'a>(file: &'a syn::File, name: &str) -> &'a syn::ItemStruct {
    file.items
        .iter()
        .find_map(|item| match item {
            Item::Struct(s) if s.ident == name => Some(s),
            _ => None,
        })
        .unwrap_or_else(|| panic!("struct {name} not generated"))
}

fn find_trait<'a>(file: &'a syn::File, name: &str) -> &'a syn::ItemTrait {
    file.items
        .iter()
        .find_map(|item| match item {
            Item::Trait(t) if t.ident == name => Some(t),
            _ => None,
        })
        .unwrap_or_else(|| panic!("trait {name} not generated"))
}

/// The inherent impl of a type carrying the given attribute (`graphql_object`) or not.
fn find_impl<'a>(file: &'a syn::File, name: &str, graphql_object: bool) -> &'a syn::ItemImpl {
    file.items
        .iter()
        .find_map(|item| match item {
            Item::Impl(i)
                if i.trait_.is_none()
                    && tokens(&i.self_ty) == name
                    && i.attrs
                        .iter()
                        .any(|a| tokens(a.path()).ends_with("graphql_object"))
                        == graphql_object =>
            {
                Some(i)
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("impl {name} not generated"))
}

/// `(rust field name, rust type, graphql args)` of a struct's fields.
fn fields(s: &syn::ItemStruct) -> Vec<(String, String, BTreeMap<String, String>)> {
    s.fields
        .iter()
        .map(|f| {
            (
                tokens(f.ident.as_ref().expect("named field")),
                compact(&f.ty),
                graphql_args(&f.attrs),
            )
        })
        .collect()
}

fn field<'a>(
    fields: &'a [(String, String, BTreeMap<String, String>)],
    rust: &str,
) -> &'a (String, String, BTreeMap<String, String>) {
    fields
        .iter()
        .find(|(name, _, _)| name == rust)
        .unwrap_or_else(|| panic!("field {rust} missing"))
}

#[test]
fn enum_variants_names_and_helpers() {
    let file = gen_file(
        r#"
        "How fees are paid."
        enum FeeMode {
          "Merchant pays."
          INTERCHANGE
          SERVICE_FEE
          Email
          notCash @deprecated(reason: "Use INTERCHANGE.")
        }
        "#,
    );
    let fee_mode = find_enum(&file, "FeeMode");
    assert!(
        tokens(
            &fee_mode.attrs[..]
                .iter()
                .map(|a| a.to_token_stream())
                .collect::<proc_macro2::TokenStream>()
        )
        .contains(":: juniper :: GraphQLEnum")
    );
    let args = graphql_args(&fee_mode.attrs);
    assert_eq!(args["name"], "FeeMode");
    assert_eq!(args["description"], "How fees are paid.");
    assert_eq!(docs(&fee_mode.attrs), [" How fees are paid."]);

    let variants: Vec<(String, BTreeMap<String, String>)> = fee_mode
        .variants
        .iter()
        .map(|v| (v.ident.to_string(), graphql_args(&v.attrs)))
        .collect();
    let names: Vec<(&str, &str)> = variants
        .iter()
        .map(|(rust, args)| (rust.as_str(), args["name"].as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("Interchange", "INTERCHANGE"),
            ("ServiceFee", "SERVICE_FEE"),
            ("Email", "Email"),
            ("NotCash", "notCash"),
        ]
    );
    assert_eq!(variants[0].1["description"], "Merchant pays.");
    assert!(!variants[1].1.contains_key("description"));
    assert_eq!(variants[3].1["deprecated"], "Use INTERCHANGE.");

    let helpers = find_impl(&file, "FeeMode", false);
    let helper_names: Vec<String> = helpers
        .items
        .iter()
        .map(|item| match item {
            syn::ImplItem::Const(c) => c.ident.to_string(),
            syn::ImplItem::Fn(f) => f.sig.ident.to_string(),
            other => tokens(other),
        })
        .collect();
    assert_eq!(helper_names, ["ALL", "as_str", "from_sdl_name"]);
    let body = tokens(helpers);
    assert!(
        body.contains("Self :: ServiceFee => \"SERVICE_FEE\""),
        "{body}"
    );
    assert!(
        body.contains("\"notCash\" => Some (Self :: NotCash)"),
        "{body}"
    );
}

#[test]
fn input_fields_use_option_except_update_inputs_use_nullable() {
    let file = gen_file(
        r#"
        input PaymentLinkInput {
          givenName: String!
          amount: Int
          tags: [String!]
          currency: String = "USD"
          limit: Int! = 10
          ratio: Float = 1
          flag: Boolean = false
        }
        "Partial changes."
        input UpdatePaymentLinkInput {
          link_id: ID!
          amount: Int
          tags: [String]
          type: String
        }
        "#,
    );
    let create = find_struct(&file, "PaymentLinkInput");
    assert!(
        tokens(&create.attrs[0]).contains("allow (missing_docs)") || docs(&create.attrs).is_empty()
    );
    let create_fields = fields(create);
    let given = field(&create_fields, "given_name");
    assert_eq!(given.1, "String");
    assert_eq!(given.2["name"], "givenName");
    assert_eq!(field(&create_fields, "amount").1, "Option<i32>");
    assert_eq!(field(&create_fields, "tags").1, "Option<Vec<String>>");
    let currency = field(&create_fields, "currency");
    assert_eq!(currency.1, "Option<String>");
    assert_eq!(currency.2["default"], "String :: from (\"USD\")");
    assert_eq!(field(&create_fields, "limit").2["default"], "10i32");
    assert_eq!(field(&create_fields, "ratio").2["default"], "1.0f64");
    assert_eq!(field(&create_fields, "flag").2["default"], "false");

    let update = find_struct(&file, "UpdatePaymentLinkInput");
    assert_eq!(
        graphql_args(&update.attrs)["description"],
        "Partial changes."
    );
    let update_fields = fields(update);
    assert_eq!(field(&update_fields, "link_id").1, "::juniper::ID");
    assert_eq!(
        field(&update_fields, "amount").1,
        "::juniper::Nullable<i32>"
    );
    assert_eq!(
        field(&update_fields, "tags").1,
        "::juniper::Nullable<Vec<Option<String>>>"
    );
    let keyword = field(&update_fields, "r#type");
    assert_eq!(keyword.2["name"], "type");
    // Omission must reach juniper's `from_implicit_null`, which a default would bypass.
    assert!(
        update_fields
            .iter()
            .all(|(_, _, args)| !args.contains_key("default"))
    );
}

#[test]
fn objects_carry_context_names_and_descriptions() {
    let file = gen_file(
        r#"
        """
        A link.

        Two paragraphs, with "quotes".
        """
        type PaymentLink {
          "The id."
          link_id: String!
          amount: Int
          matrix: [[Int]]!
          createdAt: String @deprecated
        }
        "#,
    );
    let link = find_struct(&file, "PaymentLink");
    let args = graphql_args(&link.attrs);
    assert_eq!(args["name"], "PaymentLink");
    assert_eq!(args["context"], "crate :: graphql :: Context");
    assert_eq!(
        args["description"],
        "A link.\n\nTwo paragraphs, with \"quotes\"."
    );
    assert!(
        tokens(
            &link.attrs[..]
                .iter()
                .map(|a| a.to_token_stream())
                .collect::<proc_macro2::TokenStream>()
        )
        .contains(":: juniper :: GraphQLObject")
    );
    let link_fields = fields(link);
    assert_eq!(field(&link_fields, "link_id").2["description"], "The id.");
    assert_eq!(field(&link_fields, "amount").1, "Option<i32>");
    assert_eq!(
        field(&link_fields, "matrix").1,
        "Vec<Option<Vec<Option<i32>>>>"
    );
    let created = field(&link_fields, "created_at");
    assert_eq!(created.2["name"], "createdAt");
    assert_eq!(created.2["deprecated"], "");
}

#[test]
fn root_types_become_resolver_traits_and_delegating_objects() {
    let file = gen_file(
        r#"
        enum MoveDirection { FORWARD BACKWARD }
        type PaymentLinks { total: Int! }
        "Read operations."
        type Query {
          "The caller's links."
          paymentLinks(
            "Which way."
            direction: MoveDirection
            limit: Int = 10
            offset_id: String
            ctx: String
          ): PaymentLinks!
        }
        "#,
    );
    let resolvers = find_trait(&file, "QueryResolvers");
    let syn::TraitItem::Fn(method) = &resolvers.items[0] else {
        panic!("trait method expected");
    };
    assert_eq!(method.sig.ident, "payment_links");
    assert_eq!(docs(&method.attrs), [" The caller's links."]);
    let params: Vec<String> = method.sig.inputs.iter().map(compact).collect();
    assert_eq!(
        params,
        [
            "ctx:&crate::graphql::Context",
            "selection:PaymentLinksSelection<'_>",
            "direction:Option<MoveDirection>",
            "limit:Option<i32>",
            "offset_id:Option<String>",
            "ctx_:Option<String>",
        ]
    );
    assert_eq!(
        compact(&method.sig.output),
        "->impl::std::future::Future<Output=Result<PaymentLinks,crate::graphql::ApiError>>+Send"
    );

    let query = find_struct(&file, "Query");
    assert!(matches!(query.fields, syn::Fields::Unit));
    let object = find_impl(&file, "Query", true);
    let object_args = graphql_args(&object.attrs);
    assert_eq!(object_args["name"], "Query");
    assert_eq!(object_args["description"], "Read operations.");
    assert_eq!(object_args["context"], "crate :: graphql :: Context");
    let syn::ImplItem::Fn(resolver) = &object.items[0] else {
        panic!("method expected");
    };
    assert!(resolver.sig.asyncness.is_some());
    let field_args = graphql_args(&resolver.attrs);
    assert_eq!(field_args["name"], "paymentLinks");
    assert_eq!(field_args["description"], "The caller's links.");
    let arg_attrs: Vec<BTreeMap<String, String>> = resolver
        .sig
        .inputs
        .iter()
        .map(|p| match p {
            syn::FnArg::Typed(t) => graphql_args(&t.attrs),
            syn::FnArg::Receiver(_) => panic!("no receiver expected"),
        })
        .collect();
    assert!(
        arg_attrs[0].is_empty() && arg_attrs[1].is_empty(),
        "ctx and executor are injected by juniper, not arguments"
    );
    assert_eq!(arg_attrs[2]["name"], "direction");
    assert_eq!(arg_attrs[2]["description"], "Which way.");
    assert_eq!(arg_attrs[3]["default"], "10i32");
    assert_eq!(arg_attrs[5]["name"], "ctx");
    let body = compact(&resolver.block);
    assert!(
        body.contains("<crate::graphql::ResolversasQueryResolvers>::payment_links(ctx,PaymentLinksSelection::new(executor.look_ahead()),direction,limit,offset_id,ctx_).await"),
        "{body}"
    );

    // The result's fields can be asked about by name, typed: a renamed field is a compile error.
    let selection = find_impl(&file, "PaymentLinksSelection < 'a >", false);
    let asked: Vec<String> = selection
        .items
        .iter()
        .filter_map(|item| match item {
            syn::ImplItem::Fn(method) if matches!(method.vis, syn::Visibility::Public(_)) => {
                Some(method.sig.ident.to_string())
            }
            _ => None,
        })
        .collect();
    assert_eq!(asked, ["new", "selects_within", "total"]);

    let code = compact(&file);
    assert!(
        code.contains("pubtypeSchema=::juniper::RootNode<Query,::juniper::EmptyMutation<crate::graphql::Context>,::juniper::EmptySubscription<crate::graphql::Context>>;"),
        "{code}"
    );
    assert!(code.contains("pubfnschema()->Schema"), "{code}");
}

#[test]
fn mutation_root_and_custom_root_names() {
    let file = gen_file(
        r#"
        schema { query: RootQuery mutation: RootMutation }
        type RootQuery { ok: Boolean }
        input ThingInput { name: String! }
        type RootMutation { createThing(input: ThingInput!): Boolean! }
        "#,
    );
    find_trait(&file, "RootQueryResolvers");
    let mutation = find_trait(&file, "RootMutationResolvers");
    let syn::TraitItem::Fn(method) = &mutation.items[0] else {
        panic!("trait method expected");
    };
    assert_eq!(method.sig.ident, "create_thing");
    let code = compact(&file);
    assert!(code.contains("RootNode<RootQuery,RootMutation,"), "{code}");
    assert!(
        code.contains("Schema::new(RootQuery,RootMutation,::juniper::EmptySubscription::new())"),
        "{code}"
    );
}

#[test]
fn cycles_of_structs_are_boxed_and_scalars_mapped() {
    let mut options = options();
    options
        .scalars
        .insert("Money".into(), "crate::graphql::Money".into());
    let file = gen_with(
        r#"
        scalar Money
        type Node { parent: Node children: [Node!]! price: Money! id: ID }
        input Filter { and: Filter or: [Filter!] }
        "#,
        &options,
    )
    .unwrap_or_else(|error| panic!("{error}"));
    let node = fields(find_struct(&file, "Node"));
    assert_eq!(field(&node, "parent").1, "Option<Box<Node>>");
    assert_eq!(field(&node, "children").1, "Vec<Node>");
    assert_eq!(field(&node, "price").1, "crate::graphql::Money");
    assert_eq!(field(&node, "id").1, "Option<::juniper::ID>");
    let filter = fields(find_struct(&file, "Filter"));
    assert_eq!(field(&filter, "and").1, "Option<Box<Filter>>");
}

#[test]
fn output_does_not_depend_on_file_order() {
    let a = SchemaSource::new("a.graphql", "type Query { b: B }\nenum E { X }");
    let b = SchemaSource::new("b.graphql", "type B { e: E! }");
    let one = generate(&[a.clone(), b.clone()], &options()).expect("generates");
    let two = generate(&[b, a], &options()).expect("generates");
    assert_eq!(one, two);
}

#[test]
fn invalid_sdl_names_file_and_line() {
    let message = gen_err(
        "bad.graphql",
        "type Query {\n  ok: Boolean\n  broken: Unknown\n}\n",
    );
    assert!(message.contains("bad.graphql:3:"), "{message}");
    assert!(message.contains("Unknown"), "{message}");
}

#[test]
fn syntax_error_names_file_and_line() {
    let message = gen_err("syntax.graphql", "type Query {\n  ok: Boolean\n  = \n}\n");
    assert!(message.contains("syntax.graphql:3:"), "{message}");
}

#[test]
fn enum_default_values_are_refused_with_location() {
    let message = gen_err(
        "defaults.graphql",
        "enum FeeMode { A B }\ntype Query { ok(input: X): Boolean }\ninput X {\n  fee_mode: FeeMode = A\n}\n",
    );
    assert!(
        message.contains(
            "defaults.graphql:4:3: unsupported: default value of enum type on input field X.fee_mode"
        ),
        "{message}"
    );
}

#[test]
fn unsupported_features_are_all_reported() {
    let message = gen_err(
        "more.graphql",
        r#"scalar Money
interface Named { name: String }
union Either = A | B
type A { name: String }
type B { size(unit: String): Int }
type Query { a: A, e: Either, m: Money, n: Named, list(ids: [Int] = [1]): Int }
type Subscription { tick: Int }
input UpdateThingInput { name: String = "x" }
"#,
    );
    for expected in [
        "more.graphql:1:1: custom scalar `Money` has no Rust type",
        "more.graphql:2:1: unsupported: interface `Named`",
        "more.graphql:3:1: unsupported: union `Either`",
        "more.graphql:5:10: unsupported: field B.size has arguments",
        "more.graphql:6:56: unsupported: default value of list type on argument Query.list(ids:)",
        "more.graphql:7:1: unsupported: subscription root type `Subscription`",
        "more.graphql:8:26: unsupported: default value on nullable field UpdateThingInput.name",
    ] {
        assert!(
            message.contains(expected),
            "missing {expected:?} in:\n{message}"
        );
    }
}

#[test]
fn rust_name_clashes_are_reported() {
    let message = gen_err(
        "clash.graphql",
        "type Query { a: Int }\ninput In {\n  fooBar: Int\n  foo_bar: Int\n}\n",
    );
    assert!(message.contains("clash.graphql:4:3"), "{message}");
    assert!(message.contains("`fooBar` and `foo_bar`"), "{message}");
}

#[test]
fn invalid_option_is_reported() {
    let mut options = options();
    options.context_type = "not a path".into();
    let Err(error) = gen_with("type Query { a: Int }", &options) else {
        panic!("a bad option must fail");
    };
    assert!(error.to_string().contains("context_type"), "{error}");
}
