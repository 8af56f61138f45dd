//! Generates the GraphQL types and resolver traits from `schema/*.graphql` into `OUT_DIR`.

fn main() {
    let options = paylink_codegen::Options {
        context_type: "crate::graphql::Context".into(),
        error_type: "crate::graphql::ApiError".into(),
        resolvers_type: "crate::graphql::Resolvers".into(),
        scalars: Default::default(),
    };
    paylink_codegen::build_schema_module(std::path::Path::new("schema"), "schema.rs", &options);
}
