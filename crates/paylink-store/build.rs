//! Gives the crate a digest of `migrations/` (`PAYLINK_MIGRATIONS_DIGEST`), computed when the
//! embedded migrations are, so that whatever names a database after the migrations (the test
//! template) names it after the SQL this build applies. Listing the folder also rebuilds the
//! crate, and so re-embeds the migrations, whenever a file in it changes.

use std::path::{Path, PathBuf};

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files = Vec::new();
    collect(&dir, &mut files);
    files.sort();
    // FNV-1a over each file's path below the folder and its bytes: stable, and enough to tell
    // one set of migrations from another.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for file in files {
        let relative = file.strip_prefix(&dir).unwrap_or(&file);
        feed(relative.to_string_lossy().as_bytes());
        feed(&std::fs::read(&file).unwrap_or_default());
    }
    println!("cargo:rustc-env=PAYLINK_MIGRATIONS_DIGEST={hash:016x}");
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}
