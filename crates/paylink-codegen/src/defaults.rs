//! Turns SDL default values into the Rust expressions juniper's `default = ...` expects.
//!
//! Only scalar literals are supported: juniper prints an enum default as a string
//! (`"SERVICE_FEE"` instead of `SERVICE_FEE`), so the served schema would contradict the SDL,
//! and list or object defaults have no faithful Rust spelling without more machinery.

use apollo_compiler::ast::{Type, Value};
use apollo_compiler::schema::ExtendedType;
use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

use crate::plan::Plan;

fn parse_expr(text: &str) -> Result<TokenStream, String> {
    syn::parse_str::<syn::Expr>(text)
        .map(|expr| expr.to_token_stream())
        .map_err(|_| format!("default value `{text}` that is not a Rust literal"))
}

/// The expression for `#[graphql(default = ...)]`, or why the default is not supported
/// (as a phrase such as "default value of enum type").
pub(crate) fn default_expr(
    plan: &Plan<'_>,
    ty: &Type,
    value: &Value,
) -> Result<TokenStream, String> {
    let name = match ty {
        Type::Named(name) | Type::NonNullNamed(name) => name.as_str(),
        Type::List(_) | Type::NonNullList(_) => return Err("default value of list type".into()),
    };
    if value.is_null() {
        return Err("default value null".into());
    }
    match plan.schema.types.get(name) {
        Some(ExtendedType::Enum(_)) => return Err("default value of enum type".into()),
        Some(ExtendedType::InputObject(_)) => {
            return Err("default value of input object type".into());
        }
        Some(ExtendedType::Scalar(scalar)) if !scalar.is_built_in() => {
            return Err("default value of custom scalar type".into());
        }
        _ => {}
    }
    match (name, value) {
        ("Int", Value::Int(int)) => {
            let int = int
                .try_to_i32()
                .map_err(|_| "Int default value out of range".to_owned())?;
            parse_expr(&format!("{int}i32"))
        }
        ("Float", Value::Int(_) | Value::Float(_)) => {
            let float = value
                .to_f64()
                .filter(|f| f.is_finite())
                .ok_or_else(|| "Float default value out of range".to_owned())?;
            parse_expr(&format!("{float:?}f64"))
        }
        ("String", Value::String(string)) => Ok(quote!(String::from(#string))),
        ("ID", Value::String(string)) => Ok(quote!(::juniper::ID::new(#string))),
        ("ID", Value::Int(int)) => {
            let string = int.as_str();
            Ok(quote!(::juniper::ID::new(#string)))
        }
        ("Boolean", Value::Boolean(boolean)) => Ok(quote!(#boolean)),
        _ => Err(format!("default value {value} for type {name}")),
    }
}
