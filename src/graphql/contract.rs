//! The served schema against the checked-in SDL.

use std::path::Path;

use paylink_codegen::SchemaSource;

/// Reads the `.graphql` files of `dir`, sorted by name.
pub fn read_sdl_dir(dir: &Path) -> std::io::Result<Vec<SchemaSource>> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<_, _>>()?;
    paths.retain(|path| path.extension().is_some_and(|ext| ext == "graphql"));
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            Ok(SchemaSource {
                text: std::fs::read_to_string(&path)?,
                path: path.display().to_string(),
            })
        })
        .collect()
}

/// Every semantic difference between the SDL in `dir` and the schema this binary serves.
pub fn differences(dir: &Path) -> std::io::Result<Vec<String>> {
    let expected = read_sdl_dir(dir)?;
    let served = [SchemaSource {
        path: "served schema".into(),
        text: super::schema().as_sdl(),
    }];
    paylink_codegen::compare::semantic_differences(&expected, &served)
        .map_err(|error| std::io::Error::new(std::io::ErrorKind::InvalidData, error.to_string()))
}
