//! The entry point for the including crate's `build.rs`.

use std::fs;
use std::path::Path;

use crate::options::{Options, SchemaSource};

/// For build.rs: reads `dir/*.graphql` sorted by file name, prints
/// `cargo::rerun-if-changed=` for the dir and each file, generates, and writes
/// `$OUT_DIR/<out_file>`.
///
/// On error it prints the diagnostics to stderr (cargo shows them when the build script
/// fails) and panics with a short message, because a build script has no other way to fail.
pub fn build_schema_module(dir: &Path, out_file: &str, options: &Options) {
    println!("cargo::rerun-if-changed={}", dir.display());
    let mut paths: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("cannot read schema directory {}: {error}", dir.display()))
        .map(|entry| {
            entry
                .unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()))
                .path()
        })
        .filter(|path| path.extension().is_some_and(|ext| ext == "graphql") && path.is_file())
        .collect();
    paths.sort();

    let mut sources = Vec::with_capacity(paths.len());
    for path in &paths {
        println!("cargo::rerun-if-changed={}", path.display());
        let text = fs::read_to_string(path)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
        sources.push(SchemaSource::new(path.display().to_string(), text));
    }
    if sources.is_empty() {
        panic!("no *.graphql files in {}", dir.display());
    }

    let code = match crate::generate(&sources, options) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("{error}");
            panic!(
                "GraphQL code generation from {} failed; see the diagnostics above",
                dir.display()
            );
        }
    };

    let out_dir = std::env::var_os("OUT_DIR").expect("OUT_DIR is set by cargo for build scripts");
    let out_path = Path::new(&out_dir).join(out_file);
    // Rewriting identical output would only bump the file's mtime.
    if fs::read_to_string(&out_path).ok().as_deref() != Some(code.as_str()) {
        fs::write(&out_path, code)
            .unwrap_or_else(|error| panic!("cannot write {}: {error}", out_path.display()));
    }
}
