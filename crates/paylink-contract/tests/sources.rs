//! Reading the sides of a diff from files and folders (git revisions and live endpoints are
//! tested through the binary, in the root package's API tests).

use std::path::{Path, PathBuf};

use paylink_contract::{LoadError, Side, diff};

/// A folder under the system's temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "paylink-contract-{name}-{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
        ));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn repository_schema() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schema")
}

#[test]
fn a_file_and_a_folder_of_the_same_sdl_are_equal() {
    let dir = TempDir::new("file-folder");
    dir.write("folder/a.graphql", "type Query { a: A }");
    dir.write("folder/b.graphql", "type A { b: Int }");
    let file = dir.write("one.graphql", "type A { b: Int }\ntype Query { a: A }");
    let folder = Side::Path(dir.0.join("folder")).load(&[]).unwrap();
    let file = Side::Path(file).load(&[]).unwrap();
    assert_eq!(diff(&file, &folder), []);
}

#[test]
fn a_folder_is_its_top_level_graphql_files_only() {
    let dir = TempDir::new("top-level");
    dir.write("a.graphql", "type Query { a: Int }");
    dir.write("notes.txt", "not SDL");
    // A sub-folder (like schema/released/) is not part of the folder's schema.
    dir.write(
        "released/a.graphql",
        "type Query { a: Int, old: Int } this does not parse {",
    );
    let sources = Side::Path(dir.0.clone()).load_sources(&[]).unwrap();
    let names: Vec<&str> = sources.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, [dir.0.join("a.graphql").display().to_string()]);
}

#[test]
fn the_repository_schema_equals_its_released_snapshot_bar_accepted_changes() {
    let current = Side::Path(repository_schema()).load(&[]).unwrap();
    let released = Side::Path(repository_schema().join("released"))
        .load(&[])
        .unwrap();
    let accepted =
        paylink_contract::AcceptList::read(&repository_schema().join("released/ACCEPTED_BREAKS"))
            .unwrap();
    let mut changes = diff(&released, &current);
    accepted.apply(&mut changes);
    let report = paylink_contract::Report::new(changes);
    assert_eq!(report.summary.breaking, 0, "{}", report.to_text());
}

#[test]
fn unreadable_sides_say_why() {
    let dir = TempDir::new("unreadable");
    let missing = Side::Path(dir.0.join("missing.graphql"))
        .load(&[])
        .unwrap_err();
    assert!(matches!(missing, LoadError::Io { .. }), "{missing}");
    assert!(missing.to_string().contains("missing.graphql"), "{missing}");

    let empty = Side::Path(dir.0.clone()).load(&[]).unwrap_err();
    assert!(matches!(empty, LoadError::NoSdlFiles(_)), "{empty}");

    let broken = dir.write("broken.graphql", "type Query { a: }");
    let broken = Side::Path(broken).load(&[]).unwrap_err();
    assert!(matches!(broken, LoadError::Sdl(_)), "{broken}");
    assert!(broken.to_string().contains("broken.graphql"), "{broken}");
}

#[test]
fn an_unreachable_endpoint_is_an_error() {
    // Port 9 (discard) on localhost is as good as closed.
    let error = Side::parse("http://127.0.0.1:9/graphql")
        .load(&[])
        .unwrap_err();
    assert!(matches!(error, LoadError::Http(_)), "{error}");
    assert!(error.to_string().contains("127.0.0.1:9"), "{error}");
}
