//! `paylink schema diff`, run as a client's pipeline runs it: every input form (file, folder,
//! `git:REV`, a live endpoint), the exit codes and the JSON output.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::TestApp;

/// A folder under the system's temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "paylink-schema-diff-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What one run of the binary did.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `paylink <args>` in `dir`.
fn paylink_in(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_paylink"))
        .args(args)
        .current_dir(dir)
        .env("RUST_LOG", "warn")
        .output()
        .expect("running paylink");
    Run {
        code: output.status.code().expect("an exit code"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn paylink(args: &[&str]) -> Run {
    paylink_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

fn repository_schema() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/schema").to_owned()
}

const OLD: &str = "type Query { links: [String!]!, count: Int }\nenum Kind { A B }\n";

#[test]
fn file_sides_exit_0_when_nothing_breaks_and_1_when_something_does() {
    let dir = TempDir::new("files");
    let old = dir.write("old.graphql", OLD);
    let same = dir.write(
        "same.graphql",
        "enum Kind { B A }\ntype Query { count: Int, links: [String!]! }",
    );
    let added = dir.write("added.graphql", &format!("{OLD}type Extra {{ a: Int }}"));
    let removed = dir.write(
        "removed.graphql",
        "type Query { links: [String!]! }\nenum Kind { A B }",
    );

    let run = paylink(&["schema", "diff", &old, &same]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, "no changes\n");

    let run = paylink(&["schema", "diff", &old, &added]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.starts_with("NON_BREAKING  Extra  "),
        "{}",
        run.stdout
    );

    let run = paylink(&["schema", "diff", &old, &removed]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let line = run.stdout.lines().next().unwrap();
    assert!(line.starts_with("BREAKING  Query.count  "), "{line}");
    assert!(line.contains("removed"), "{line}");
    assert!(
        run.stderr.contains("1 breaking change(s)"),
        "{}",
        run.stderr
    );
}

#[test]
fn folder_sides_read_their_top_level_graphql_files() {
    // The repository's contract against its released snapshot, as `make contract-check` runs it.
    let released = format!("{}/released", repository_schema());
    let run = paylink(&[
        "schema",
        "diff",
        &released,
        &repository_schema(),
        "--accept",
        &format!("{released}/ACCEPTED_BREAKS"),
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);

    let dir = TempDir::new("folders");
    dir.write("old/query.graphql", "type Query { kind: Kind }");
    dir.write("old/kind.graphql", "enum Kind { A B }");
    dir.write(
        "new/all.graphql",
        "type Query { kind: Kind }\nenum Kind { A }",
    );
    // Not part of the folder's schema: a sub-folder and other files.
    dir.write(
        "new/released/old.graphql",
        "type Query { kind: Kind }\nenum Kind { A B }",
    );
    dir.write("new/README.md", "not SDL");
    let old = dir.path().join("old").display().to_string();
    let new = dir.path().join("new").display().to_string();
    let run = paylink(&["schema", "diff", &old, &new]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.starts_with("BREAKING  Kind.B  "),
        "{}",
        run.stdout
    );
}

/// Runs git in `dir` with a fixed identity and no user or system configuration.
fn git(dir: &Path, args: &[&str]) {
    let output = Command::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("running git");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn git_revisions_read_the_schema_folder_at_that_revision() {
    let repo = TempDir::new("git");
    git(repo.path(), &["init", "-q"]);
    repo.write(
        "schema/query.graphql",
        "type Query { links: [String], total: Int }",
    );
    repo.write("schema/kind.graphql", "enum Kind { A }");
    repo.write(
        "other.graphql",
        "this is outside schema/ and does not parse {",
    );
    git(repo.path(), &["add", "."]);
    git(repo.path(), &["commit", "-q", "-m", "first"]);
    git(repo.path(), &["tag", "v1"]);
    repo.write("schema/query.graphql", "type Query { links: [String] }");
    repo.write("schema/kind.graphql", "enum Kind { A B }");
    repo.write(
        "schema/released/query.graphql",
        "sub-folders are not read {",
    );
    git(repo.path(), &["add", "."]);
    git(repo.path(), &["commit", "-q", "-m", "second"]);

    let run = paylink_in(
        repo.path(),
        &["schema", "diff", "git:v1", "git:HEAD", "--format", "json"],
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let changes: Vec<(&str, &str)> = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["criticality"].as_str().unwrap(),
                c["coordinate"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [("DANGEROUS", "Kind.B"), ("BREAKING", "Query.total")]
    );

    // A revision against the working tree's folder.
    let run = paylink_in(repo.path(), &["schema", "diff", "git:HEAD~1", "schema"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let run = paylink_in(repo.path(), &["schema", "diff", "git:HEAD", "schema"]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "no changes\n"),
        "{}",
        run.stderr
    );
    // `schema/` is the repository's top-level folder, also from a sub-directory.
    std::fs::create_dir_all(repo.path().join("sub")).unwrap();
    let run = paylink_in(
        &repo.path().join("sub"),
        &["schema", "diff", "git:v1", "git:HEAD"],
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);

    let run = paylink_in(
        repo.path(),
        &["schema", "diff", "git:no-such-rev", "git:HEAD"],
    );
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("old schema (git:no-such-rev)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("unknown revision"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

#[test]
fn unreadable_sides_exit_2_and_say_which_side_and_why() {
    let dir = TempDir::new("unreadable");
    let good = dir.write("good.graphql", OLD);
    let broken = dir.write("broken.graphql", "type Query { links: }");
    let missing = dir.path().join("missing.graphql").display().to_string();

    let run = paylink(&["schema", "diff", &missing, &good]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("cannot read the old schema"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("No such file"), "{}", run.stderr);

    let run = paylink(&["schema", "diff", &good, &broken]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("cannot read the new schema"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("broken.graphql"), "{}", run.stderr);

    let empty = TempDir::new("empty");
    let run = paylink(&["schema", "diff", &good, &empty.path().display().to_string()]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("no .graphql files"), "{}", run.stderr);

    let run = paylink(&["schema", "diff", &good, &good, "--accept", &missing]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("accept file"), "{}", run.stderr);
}

#[test]
fn json_output_has_changes_and_a_summary() {
    let dir = TempDir::new("json");
    let old = dir.write("old.graphql", OLD);
    let new = dir.write(
        "new.graphql",
        "type Query { links: [String!]!, total: Int }\nenum Kind { A B C }\n",
    );
    let run = paylink(&["schema", "diff", &old, &new, "--format", "json"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).expect("stdout is JSON");
    let keys = |value: &Value| -> Vec<String> {
        let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    assert_eq!(keys(&report), ["changes", "summary"]);
    let changes = report["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 3, "{report:#}");
    for change in changes {
        assert_eq!(
            keys(change),
            ["accepted", "coordinate", "criticality", "kind", "reason"]
        );
    }
    assert_eq!(changes[0]["criticality"], "DANGEROUS");
    assert_eq!(changes[0]["coordinate"], "Kind.C");
    assert_eq!(changes[0]["kind"], "ENUM_VALUE_ADDED");
    assert_eq!(changes[1]["criticality"], "BREAKING");
    assert_eq!(changes[1]["coordinate"], "Query.count");
    assert_eq!(changes[1]["kind"], "FIELD_REMOVED");
    assert_eq!(changes[1]["accepted"], false);
    assert!(changes[1]["reason"].as_str().unwrap().contains("removed"));
    assert_eq!(changes[2]["criticality"], "NON_BREAKING");
    assert_eq!(changes[2]["coordinate"], "Query.total");
    assert_eq!(changes[2]["kind"], "FIELD_ADDED");
    assert_eq!(
        report["summary"],
        serde_json::json!({"breaking": 1, "dangerous": 1, "non_breaking": 1, "accepted": 0})
    );
}

#[test]
fn fail_on_dangerous_and_accept_files_change_the_exit_code() {
    let dir = TempDir::new("fail-on");
    let old = dir.write("old.graphql", OLD);
    let dangerous = dir.write("dangerous.graphql", &OLD.replace("A B", "A B C"));
    let run = paylink(&["schema", "diff", &old, &dangerous]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.starts_with("DANGEROUS  Kind.C  "),
        "{}",
        run.stdout
    );
    let run = paylink(&["schema", "diff", &old, &dangerous, "--fail-on", "dangerous"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);

    let breaking = dir.write(
        "breaking.graphql",
        &OLD.replace("count: Int", "count: String"),
    );
    let accept = dir.write(
        "ACCEPTED_BREAKS",
        "# count became a string on purpose\nQuery.count   # ticket 42\nGone.field\n",
    );
    let run = paylink(&["schema", "diff", &old, &breaking]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let run = paylink(&[
        "schema", "diff", &old, &breaking, "--accept", &accept, "--format", "json",
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["changes"][0]["criticality"], "BREAKING");
    assert_eq!(report["changes"][0]["accepted"], true);
    assert_eq!(report["summary"]["breaking"], 0);
    assert_eq!(report["summary"]["accepted"], 1);
    assert!(
        run.stderr.contains("Gone.field"),
        "a stale entry is pointed out: {}",
        run.stderr
    );
    let run = paylink(&["schema", "diff", &old, &breaking, "--accept", &accept]);
    assert!(
        run.stdout.starts_with("BREAKING (accepted)  Query.count  "),
        "{}",
        run.stdout
    );
}

#[test]
fn bad_arguments_exit_2() {
    let run = paylink(&[
        "schema",
        "diff",
        "a.graphql",
        "b.graphql",
        "--header",
        "no colon",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = paylink(&[
        "schema",
        "diff",
        "a.graphql",
        "b.graphql",
        "--fail-on",
        "never",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_live_endpoint_is_read_by_introspection_with_the_given_headers() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Schema reader").await;
    let url = app.url("/graphql");
    let dir = TempDir::new("endpoint");
    // The contract plus one field the server does not serve.
    let mut sdl = String::new();
    for entry in std::fs::read_dir(repository_schema()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|ext| ext == "graphql") {
            sdl.push_str(&std::fs::read_to_string(path).unwrap());
            sdl.push('\n');
        }
    }
    sdl.push_str("extend type Query {\n  legacyLinks: [PaymentLink!]!\n}\n");
    let with_legacy = dir.write("with_legacy.graphql", &sdl);

    let run_paylink = |args: Vec<String>| {
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            paylink(&args)
        })
    };
    let authorization = format!("Authorization: Bearer {}", merchant.key);

    // The served schema is the contract: nothing changed, in either direction.
    let run = run_paylink(vec![
        "schema".into(),
        "diff".into(),
        repository_schema(),
        url.clone(),
        "--header".into(),
        authorization.clone(),
    ])
    .await
    .unwrap();
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "no changes\n"),
        "{}",
        run.stderr
    );
    let run = run_paylink(vec![
        "schema".into(),
        "diff".into(),
        url.clone(),
        repository_schema(),
        "--header".into(),
        authorization.clone(),
    ])
    .await
    .unwrap();
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "no changes\n"),
        "{}",
        run.stderr
    );

    // A field the endpoint lacks is a breaking removal.
    let run = run_paylink(vec![
        "schema".into(),
        "diff".into(),
        with_legacy,
        url.clone(),
        "--header".into(),
        authorization,
        "--format".into(),
        "json".into(),
    ])
    .await
    .unwrap();
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["changes"].as_array().unwrap().len(), 1, "{report:#}");
    assert_eq!(report["changes"][0]["coordinate"], "Query.legacyLinks");
    assert_eq!(report["changes"][0]["kind"], "FIELD_REMOVED");

    // Without the API key the endpoint cannot be read.
    let run = run_paylink(vec![
        "schema".into(),
        "diff".into(),
        repository_schema(),
        url,
    ])
    .await
    .unwrap();
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("cannot read the new schema"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("401"), "{}", run.stderr);
}

#[test]
fn the_released_snapshot_is_not_part_of_the_served_contract() {
    let schema = PathBuf::from(repository_schema());
    assert!(schema.join("released/ACCEPTED_BREAKS").is_file());
    let sources = paylink_contract::Side::Path(schema)
        .load_sources(&[])
        .unwrap();
    assert!(!sources.is_empty());
    for source in &sources {
        assert!(!source.name.contains("released"), "{}", source.name);
    }
}

#[test]
fn schema_check_exits_1_and_shows_the_differences() {
    let dir = TempDir::new("check");
    for entry in std::fs::read_dir(repository_schema()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|ext| ext == "graphql") {
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            // One file defines `type Query`; the others `extend type Query`.
            let text = text.replace("\ntype Query {", "\ntype Query {\n  unserved: Int");
            dir.write(&name, &text);
        }
    }
    let run = paylink(&[
        "schema",
        "check",
        "--dir",
        &dir.path().display().to_string(),
    ]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("Query.unserved"), "{}", run.stdout);
    assert!(run.stderr.contains("differs"), "{}", run.stderr);
}
