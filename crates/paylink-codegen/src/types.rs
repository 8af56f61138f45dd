//! Maps SDL type references (`Int`, `[PaymentLink!]!`, ...) to Rust types.

use apollo_compiler::ast::Type;
use apollo_compiler::schema::ExtendedType;
use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

use crate::plan::Plan;

/// How the outermost nullable layer of a type is represented.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Nullability {
    /// `Option<T>`: null and absent mean the same.
    Option,
    /// `::juniper::Nullable<T>`: tells an omitted field from an explicit `null`.
    Nullable,
}

impl Plan<'_> {
    /// The Rust type of a named SDL type, before any `Option`/`Vec` wrapping.
    fn named_type(&self, name: &str) -> TokenStream {
        match name {
            "Int" => quote!(i32),
            "Float" => quote!(f64),
            "String" => quote!(String),
            "Boolean" => quote!(bool),
            "ID" => quote!(::juniper::ID),
            _ => match self.schema.types.get(name) {
                Some(ExtendedType::Scalar(_)) => self
                    .scalar_type(name)
                    .map_or_else(|| quote!(()), ToTokens::to_token_stream),
                _ => self.type_ident(name).to_token_stream(),
            },
        }
    }

    /// Non-null `T!` is `T`, nullable `T` is `Option<T>` (or `Nullable<T>` at the outermost
    /// level when asked), lists are `Vec`. `boxed` boxes the named type of a field that
    /// closes a cycle of structs.
    pub(crate) fn rust_type(&self, ty: &Type, outer: Nullability, boxed: bool) -> TokenStream {
        let wrap = |inner: TokenStream| match outer {
            Nullability::Option => quote!(Option<#inner>),
            Nullability::Nullable => quote!(::juniper::Nullable<#inner>),
        };
        let named = |name: &str| {
            let named = self.named_type(name);
            if boxed { quote!(Box<#named>) } else { named }
        };
        match ty {
            Type::NonNullNamed(name) => named(name),
            Type::Named(name) => wrap(named(name)),
            Type::NonNullList(item) => {
                let item = self.rust_type(item, Nullability::Option, false);
                quote!(Vec<#item>)
            }
            Type::List(item) => {
                let item = self.rust_type(item, Nullability::Option, false);
                wrap(quote!(Vec<#item>))
            }
        }
    }

    /// The type for output positions and arguments, where `Option` is enough.
    pub(crate) fn plain_type(&self, ty: &Type) -> TokenStream {
        self.rust_type(ty, Nullability::Option, false)
    }
}
