//! The administrative commands of the binary, run as a user would run them.

use std::process::Command;

use paylink_testdb::TestDb;

fn paylink(db: &TestDb, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_paylink"))
        .args(args)
        .env("DATABASE_URL", db.url())
        .env("RUST_LOG", "warn")
        .output()
        .expect("running paylink");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn merchants_and_keys_are_managed_from_the_command_line() {
    let db = TestDb::new();
    let (ok, out, err) = paylink(&db, &["migrate"]);
    assert!(ok, "{err}");
    assert!(out.contains("up to date"), "{out}");

    let (ok, merchant, err) = paylink(&db, &["merchant", "create", "--name", "Acme"]);
    assert!(ok, "{err}");
    let merchant = merchant.trim();
    assert!(merchant.starts_with("mer_"), "{merchant}");
    let (_, list, _) = paylink(&db, &["merchant", "list"]);
    assert!(list.contains(merchant) && list.contains("Acme"), "{list}");
    assert!(!list.contains("whsec_"), "the list shows no secret: {list}");
    let (ok, secret, err) = paylink(
        &db,
        &["merchant", "callback-secret", "--merchant", merchant],
    );
    assert!(ok, "{err}");
    assert!(
        secret.trim().starts_with("whsec_") && secret.trim().len() > 40,
        "{secret}"
    );
    let (ok, _, err) = paylink(
        &db,
        &["merchant", "callback-secret", "--merchant", "mer_unknown"],
    );
    assert!(!ok && err.contains("no merchant"), "{err}");

    let (ok, key, err) = paylink(
        &db,
        &["key", "create", "--merchant", merchant, "--label", "ci"],
    );
    assert!(ok, "{err}");
    let key = key.trim();
    assert!(key.starts_with("plk_"), "{key}");
    assert!(err.contains("cannot be shown again"));

    let (_, keys, _) = paylink(&db, &["key", "list"]);
    let prefix = &key[..12];
    assert!(keys.contains(prefix) && keys.contains("active"), "{keys}");
    assert!(!keys.contains(key), "listing never shows the key itself");

    let (ok, _, err) = paylink(&db, &["key", "revoke", prefix]);
    assert!(ok, "{err}");
    let (_, keys, _) = paylink(&db, &["key", "list", "--merchant", merchant]);
    assert!(keys.contains("revoked"), "{keys}");
    let (ok, _, err) = paylink(&db, &["key", "revoke", prefix]);
    assert!(!ok && err.contains("no active key"), "{err}");

    let (ok, _, err) = paylink(&db, &["key", "create", "--merchant", "mer_unknown"]);
    assert!(!ok && err.contains("no merchant"), "{err}");
}

#[test]
fn a_merchants_service_fee_is_set_per_currency_shown_and_cleared() {
    let db = TestDb::new();
    let (ok, merchant, err) = paylink(&db, &["merchant", "create", "--name", "Fees"]);
    assert!(ok, "{err}");
    let merchant = merchant.trim();
    let fee = |args: &[&str]| {
        let mut all = vec!["merchant", "fee", "--merchant", merchant];
        all.extend_from_slice(args);
        paylink(&db, &all)
    };

    let (ok, out, err) = fee(&[]);
    assert!(ok && out.trim() == "no service fees", "{out}{err}");
    let (ok, out, err) = fee(&["--percent", "2.9", "--fixed", "30"]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "USD: 2.9% + 0.30 USD", "USD unless --currency");
    let (ok, out, err) = fee(&["--currency", "jpy", "--percent", "3.5", "--fixed", "100"]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "JPY: 3.5% + 100 JPY");
    let (ok, out, err) = fee(&["--currency", "BHD", "--fixed", "250"]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "BHD: 0.250 BHD", "a fixed part alone");
    // Setting again replaces the fee: the part left out is 0.
    let (ok, out, err) = fee(&["--percent", "2.95"]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "USD: 2.95%");
    let (ok, out, _) = fee(&[]);
    assert!(ok);
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        ["BHD: 0.250 BHD", "JPY: 3.5% + 100 JPY", "USD: 2.95%"]
    );

    for (args, says) in [
        (vec!["--percent", "2.999"], "at most two decimal places"),
        (vec!["--percent", "101"], "from 0 to 100"),
        (vec!["--percent", "abc"], "a percentage such as 2.9"),
        (vec!["--percent", "0", "--fixed", "0"], "no fee"),
        (vec!["--fixed", "2147483648"], "--fixed"),
        (vec!["--currency", "XAU", "--percent", "1"], "--currency"),
        (vec!["--percent", "1", "--clear"], "cannot be used with"),
    ] {
        let (ok, _, err) = fee(&args);
        assert!(!ok && err.contains(says), "{args:?}: {err}");
    }
    let (ok, _, err) = paylink(
        &db,
        &[
            "merchant",
            "fee",
            "--merchant",
            "mer_unknown",
            "--percent",
            "1",
        ],
    );
    assert!(!ok && err.contains("no merchant"), "{err}");

    let (ok, out, err) = fee(&["--clear"]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "USD: no service fee");
    let (ok, out, _) = fee(&["--clear"]);
    assert!(ok && out.contains("there was none"), "{out}");
    let (_, out, _) = fee(&[]);
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        ["BHD: 0.250 BHD", "JPY: 3.5% + 100 JPY"]
    );
}

#[test]
fn a_missing_database_url_is_named() {
    let output = Command::new(env!("CARGO_BIN_EXE_paylink"))
        .args(["migrate"])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("DATABASE_URL"));
}

#[test]
fn schema_print_and_check() {
    let output = Command::new(env!("CARGO_BIN_EXE_paylink"))
        .args(["schema", "print"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("type PaymentLink"));
    let output = Command::new(env!("CARGO_BIN_EXE_paylink"))
        .args([
            "schema",
            "check",
            "--dir",
            concat!(env!("CARGO_MANIFEST_DIR"), "/schema"),
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

/// Runs paylink with `--config file` and exactly `env` (nothing from the developer's shell);
/// returns success, stdout and stderr.
fn paylink_with_config(
    file: &std::path::Path,
    env: &[(&str, &str)],
    args: &[&str],
) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_paylink"))
        .arg("--config")
        .arg(file)
        .args(args)
        .env_clear()
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .output()
        .expect("running paylink");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn database_commands_take_the_database_url_from_the_config_file() {
    let db = TestDb::new();
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("cli")
        .join(db.name());
    std::fs::create_dir_all(&dir).expect("scratch folder");
    let file = dir.join("paylink.toml");
    std::fs::write(&file, format!("database_url = {:?}\n", db.url())).unwrap();

    let (ok, out, err) = paylink_with_config(&file, &[], &["migrate"]);
    assert!(ok, "{err}");
    assert!(out.contains("up to date"), "{out}");
    let (ok, merchant, err) =
        paylink_with_config(&file, &[], &["merchant", "create", "--name", "Filed"]);
    assert!(ok, "{err}");
    let merchant = merchant.trim();
    assert!(merchant.starts_with("mer_"), "{merchant}");
    let (ok, list, err) = paylink_with_config(&file, &[], &["merchant", "list"]);
    assert!(ok && list.contains(merchant), "{list}{err}");
    let (ok, key, err) =
        paylink_with_config(&file, &[], &["key", "create", "--merchant", merchant]);
    assert!(ok, "{err}");
    assert!(key.trim().starts_with("plk_"), "{key}");
    let (ok, keys, err) = paylink_with_config(&file, &[], &["key", "list"]);
    assert!(ok && keys.contains(&key.trim()[..12]), "{keys}{err}");

    // The environment wins over the file, as for `serve`.
    let unreachable = dir.join("unreachable.toml");
    std::fs::write(
        &unreachable,
        "database_url = \"postgres://postgres@127.0.0.1:1/unused\"\n",
    )
    .unwrap();
    let (ok, list, err) = paylink_with_config(
        &unreachable,
        &[("DATABASE_URL", db.url())],
        &["merchant", "list"],
    );
    assert!(ok && list.contains(merchant), "{list}{err}");

    // A file without the setting, or with a typo, fails as `serve` does, naming the setting.
    let without = dir.join("without.toml");
    std::fs::write(&without, "listen = \"127.0.0.1:9099\"\n").unwrap();
    let (ok, _, err) = paylink_with_config(&without, &[], &["migrate"]);
    assert!(!ok && err.contains("DATABASE_URL: is not set"), "{err}");
    let typo = dir.join("typo.toml");
    std::fs::write(
        &typo,
        format!("database_url = {:?}\ndb_pool_sise = 2\n", db.url()),
    )
    .unwrap();
    let (ok, _, err) = paylink_with_config(&typo, &[], &["key", "list"]);
    assert!(!ok && err.contains("db_pool_sise"), "{err}");
}
