//! The files the page loads, embedded in the binary, and the URLs they are served at.
//!
//! Every URL carries a fingerprint of all the files' contents, so a host can let browsers cache
//! them for a year without asking again: a build with any file changed serves them under new
//! URLs, and the page (which is never cached) names those.

use std::fmt::Write as _;
use std::sync::LazyLock;

use sha2::{Digest, Sha256};

/// Where a host serves the assets: every asset URL starts with this, then the fingerprint.
pub const ASSET_PATH_PREFIX: &str = "/graphiql/";

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

/// One file the page loads.
#[derive(Debug)]
pub struct Asset {
    /// The file's name, the last segment of its URL.
    pub name: &'static str,
    /// The `Content-Type` to serve it with.
    pub content_type: &'static str,
    /// The file itself.
    pub bytes: &'static [u8],
}

/// Declares an embedded file by its name, in `assets/` or a folder of it.
macro_rules! asset {
    ($name:literal, $content_type:expr) => {
        Asset {
            name: $name,
            content_type: $content_type,
            bytes: include_bytes!(concat!("../assets/", $name)),
        }
    };
    ($folder:literal / $name:literal, $content_type:expr) => {
        Asset {
            name: $name,
            content_type: $content_type,
            bytes: include_bytes!(concat!("../assets/", $folder, "/", $name)),
        }
    };
}

/// Every file served: GraphiQL's and React's builds from `fetch-assets.sh` (with the licences
/// that travel with them), and paylink's own start-up script and styles.
static ASSETS: [Asset; 9] = [
    asset!("vendor" / "react.production.min.js", JAVASCRIPT),
    asset!("vendor" / "react-dom.production.min.js", JAVASCRIPT),
    asset!("vendor" / "graphiql.min.js", JAVASCRIPT),
    asset!("vendor" / "graphiql.min.css", CSS),
    asset!("vendor" / "LICENSE-react.txt", TEXT),
    asset!("vendor" / "LICENSE-react-dom.txt", TEXT),
    asset!("vendor" / "LICENSE-graphiql.txt", TEXT),
    asset!("paylink-graphiql.js", JAVASCRIPT),
    asset!("paylink-graphiql.css", CSS),
];

/// `ASSET_PATH_PREFIX`, the fingerprint and a slash: what every asset URL starts with. Worked out
/// on first use, once per process.
static ASSET_BASE: LazyLock<String> = LazyLock::new(|| {
    let mut hasher = Sha256::new();
    for asset in &ASSETS {
        // Lengths keep the boundaries between names and contents unambiguous.
        hasher.update((asset.name.len() as u64).to_le_bytes());
        hasher.update(asset.name.as_bytes());
        hasher.update((asset.bytes.len() as u64).to_le_bytes());
        hasher.update(asset.bytes);
    }
    let mut base = ASSET_PATH_PREFIX.to_owned();
    // 64 bits of the digest tell builds apart; the whole of it would only lengthen the URLs.
    for byte in &hasher.finalize()[..8] {
        let _ = write!(base, "{byte:02x}");
    }
    base.push('/');
    base
});

/// The URL path prefix the page loads assets from, ending in `/`.
pub(crate) fn asset_base() -> &'static str {
    &ASSET_BASE
}

/// The asset a request path names, if it is one of this build's: `None` for an unknown name or
/// another build's fingerprint.
pub fn asset_at(path: &str) -> Option<&'static Asset> {
    let name = path.strip_prefix(asset_base())?;
    ASSETS.iter().find(|asset| asset.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_is_found_at_its_url_and_only_there() {
        for asset in &ASSETS {
            let url = format!("{}{}", asset_base(), asset.name);
            assert_eq!(asset_at(&url).map(|a| a.name), Some(asset.name));
            assert!(!asset.bytes.is_empty(), "{} is empty", asset.name);
        }
        let stale = format!("{ASSET_PATH_PREFIX}0000000000000000/graphiql.min.js");
        assert!(asset_at(&stale).is_none());
        assert!(asset_at(&format!("{}nope.js", asset_base())).is_none());
        assert!(asset_at(&format!("{}../graphiql.min.js", asset_base())).is_none());
        assert!(asset_at(asset_base()).is_none());
    }

    #[test]
    fn the_fingerprint_is_sixteen_hex_digits() {
        let fingerprint = asset_base()
            .strip_prefix(ASSET_PATH_PREFIX)
            .and_then(|rest| rest.strip_suffix('/'))
            .expect("prefix, fingerprint, slash");
        assert_eq!(fingerprint.len(), 16);
        assert!(fingerprint.bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn fetch_script_pins_the_versions_the_crate_names() {
        let script = include_str!("../fetch-assets.sh");
        let pinned = format!("GRAPHIQL_VERSION={}\n", crate::GRAPHIQL_VERSION);
        assert!(
            script.contains(&pinned),
            "fetch-assets.sh does not pin {pinned}"
        );
        let pinned = format!("REACT_VERSION={}\n", crate::REACT_VERSION);
        assert!(
            script.contains(&pinned),
            "fetch-assets.sh does not pin {pinned}"
        );
    }
}
