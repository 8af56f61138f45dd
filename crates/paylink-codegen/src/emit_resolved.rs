//! `Resolved<T>`: what every root field returns, so that juniper resolves the value's
//! selections synchronously.
//!
//! Every type below the roots is a struct of values already resolved, so nothing under a root
//! field needs to wait. juniper's asynchronous executor still made a future for every field of
//! every object and list item, pushed into ordered streams; for a page of links that was about
//! a fifth of the server's CPU per request (`perf`, README "Benchmarks"). Its synchronous
//! executor resolves the same selections in plain calls and gives the same value. The wrapper
//! reports its inner type's name, meta type and type-level facts, so the schema is unchanged.

use proc_macro2::TokenStream;
use quote::quote;

/// The wrapper type and its juniper trait impls.
pub(crate) fn emit_resolved() -> TokenStream {
    quote! {
        /// A root field's value, resolved synchronously: every type below the roots holds
        /// already-resolved values.
        #[derive(Clone, Debug)]
        pub struct Resolved<T>(pub T);

        impl<S, T> ::juniper::GraphQLType<S> for Resolved<T>
        where
            S: ::juniper::ScalarValue,
            T: ::juniper::GraphQLType<S>,
        {
            fn name(info: &Self::TypeInfo) -> Option<::juniper::ArcStr> {
                T::name(info)
            }

            fn meta(
                info: &Self::TypeInfo,
                registry: &mut ::juniper::Registry<S>,
            ) -> ::juniper::meta::MetaType<S> {
                T::meta(info, registry)
            }
        }

        impl<S, T> ::juniper::GraphQLValue<S> for Resolved<T>
        where
            S: ::juniper::ScalarValue,
            T: ::juniper::GraphQLValue<S>,
        {
            type Context = T::Context;
            type TypeInfo = T::TypeInfo;

            fn type_name(&self, info: &Self::TypeInfo) -> Option<::juniper::ArcStr> {
                self.0.type_name(info)
            }

            fn resolve_field(
                &self,
                info: &Self::TypeInfo,
                field_name: &str,
                arguments: &::juniper::Arguments<S>,
                executor: &::juniper::Executor<Self::Context, S>,
            ) -> ::juniper::ExecutionResult<S> {
                self.0.resolve_field(info, field_name, arguments, executor)
            }

            fn resolve_into_type(
                &self,
                info: &Self::TypeInfo,
                type_name: &str,
                selection_set: Option<&[::juniper::Selection<S>]>,
                executor: &::juniper::Executor<Self::Context, S>,
            ) -> ::juniper::ExecutionResult<S> {
                self.0.resolve_into_type(info, type_name, selection_set, executor)
            }

            fn concrete_type_name(&self, context: &Self::Context, info: &Self::TypeInfo) -> String {
                self.0.concrete_type_name(context, info)
            }

            fn resolve(
                &self,
                info: &Self::TypeInfo,
                selection_set: Option<&[::juniper::Selection<S>]>,
                executor: &::juniper::Executor<Self::Context, S>,
            ) -> ::juniper::ExecutionResult<S> {
                self.0.resolve(info, selection_set, executor)
            }
        }

        impl<S, T> ::juniper::GraphQLValueAsync<S> for Resolved<T>
        where
            S: ::juniper::ScalarValue + Send + Sync,
            T: ::juniper::GraphQLValue<S> + Sync,
            T::TypeInfo: Sync,
            T::Context: Sync,
        {
            fn resolve_async<'a>(
                &'a self,
                info: &'a Self::TypeInfo,
                selection_set: Option<&'a [::juniper::Selection<S>]>,
                executor: &'a ::juniper::Executor<Self::Context, S>,
            ) -> ::juniper::BoxFuture<'a, ::juniper::ExecutionResult<S>> {
                Box::pin(::std::future::ready(self.0.resolve(info, selection_set, executor)))
            }
        }

        impl<S, T> ::juniper::marker::IsOutputType<S> for Resolved<T>
        where
            S: ::juniper::ScalarValue,
            T: ::juniper::marker::IsOutputType<S>,
        {
            fn mark() {
                T::mark()
            }
        }

        impl<S, T: ::juniper::macros::reflect::BaseType<S>> ::juniper::macros::reflect::BaseType<S>
            for Resolved<T>
        {
            const NAME: ::juniper::macros::reflect::Type = T::NAME;
        }

        impl<S, T: ::juniper::macros::reflect::BaseSubTypes<S>>
            ::juniper::macros::reflect::BaseSubTypes<S> for Resolved<T>
        {
            const NAMES: ::juniper::macros::reflect::Types = T::NAMES;
        }

        impl<S, T: ::juniper::macros::reflect::WrappedType<S>>
            ::juniper::macros::reflect::WrappedType<S> for Resolved<T>
        {
            const VALUE: ::juniper::macros::reflect::WrappedValue = T::VALUE;
        }
    }
}
