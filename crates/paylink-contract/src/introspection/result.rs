//! The shape of an introspection result, as far as printing SDL needs it.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Schema {
    pub(super) query_type: Option<TypeName>,
    pub(super) mutation_type: Option<TypeName>,
    pub(super) subscription_type: Option<TypeName>,
    pub(super) types: Vec<FullType>,
    pub(super) directives: Option<Vec<Directive>>,
}

#[derive(Debug, Deserialize)]
pub(super) struct TypeName {
    pub(super) name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FullType {
    pub(super) kind: String,
    pub(super) name: String,
    pub(super) description: Option<String>,
    #[serde(rename = "specifiedByURL", alias = "specifiedByUrl")]
    pub(super) specified_by_url: Option<String>,
    pub(super) is_one_of: Option<bool>,
    pub(super) fields: Option<Vec<Field>>,
    pub(super) input_fields: Option<Vec<InputValue>>,
    pub(super) interfaces: Option<Vec<TypeRef>>,
    pub(super) enum_values: Option<Vec<EnumValue>>,
    pub(super) possible_types: Option<Vec<TypeRef>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Field {
    pub(super) name: String,
    pub(super) description: Option<String>,
    pub(super) args: Option<Vec<InputValue>>,
    #[serde(rename = "type")]
    pub(super) ty: TypeRef,
    pub(super) is_deprecated: Option<bool>,
    pub(super) deprecation_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct InputValue {
    pub(super) name: String,
    pub(super) description: Option<String>,
    #[serde(rename = "type")]
    pub(super) ty: TypeRef,
    pub(super) default_value: Option<String>,
    pub(super) is_deprecated: Option<bool>,
    pub(super) deprecation_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct EnumValue {
    pub(super) name: String,
    pub(super) description: Option<String>,
    pub(super) is_deprecated: Option<bool>,
    pub(super) deprecation_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TypeRef {
    pub(super) kind: String,
    pub(super) name: Option<String>,
    pub(super) of_type: Option<Box<TypeRef>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Directive {
    pub(super) name: String,
    pub(super) description: Option<String>,
    pub(super) is_repeatable: Option<bool>,
    pub(super) locations: Option<Vec<String>>,
    pub(super) args: Option<Vec<InputValue>>,
}
