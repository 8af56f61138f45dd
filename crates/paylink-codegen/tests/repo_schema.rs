//! The checked-in SDL in `schema/` must always generate.

use std::path::Path;

use paylink_codegen::{Options, SchemaSource, generate};

fn repo_sources() -> Vec<SchemaSource> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schema");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("schema/ exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "graphql"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no SDL files in {}", dir.display());
    paths
        .iter()
        .map(|path| {
            let name = path.file_name().expect("file name").to_string_lossy();
            SchemaSource::new(
                format!("schema/{name}"),
                std::fs::read_to_string(path).expect("readable SDL"),
            )
        })
        .collect()
}

fn options() -> Options {
    Options {
        context_type: "crate::graphql::Context".into(),
        error_type: "crate::graphql::ApiError".into(),
        resolvers_type: "crate::graphql::Resolvers".into(),
        // Every custom scalar of the contract needs a Rust type; the paths need not exist here.
        scalars: ["Amount", "Date", "DateTime", "URL"]
            .into_iter()
            .map(|name| (name.to_owned(), format!("crate::graphql::scalars::{name}")))
            .collect(),
    }
}

#[test]
fn repo_schema_generates() {
    let code = generate(&repo_sources(), &options()).unwrap_or_else(|error| panic!("{error}"));
    let file = syn::parse_file(&code).expect("generated code parses");
    assert!(
        file.attrs.is_empty(),
        "no inner attributes in an include!d file"
    );
    if std::env::var_os("PAYLINK_CODEGEN_PRINT").is_some() {
        println!("{code}");
    }
}
