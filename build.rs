//! Generates the GraphQL types and resolver traits from `schema/*.graphql` into `OUT_DIR`.

fn main() {
    let options = paylink_codegen::Options {
        context_type: "crate::graphql::Context".into(),
        error_type: "crate::graphql::ApiError".into(),
        resolvers_type: "crate::graphql::Resolvers".into(),
        scalars: [
            ("Amount", "crate::graphql::scalars::Amount"),
            ("Date", "crate::graphql::scalars::Date"),
            ("DateTime", "crate::graphql::scalars::DateTime"),
            ("URL", "crate::graphql::scalars::Url"),
        ]
        .into_iter()
        .map(|(name, path)| (name.to_owned(), path.to_owned()))
        .collect(),
    };
    paylink_codegen::build_schema_module(std::path::Path::new("schema"), "schema.rs", &options);
}
