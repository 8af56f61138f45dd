//! The operations allow-list (`PAYLINK_PERSISTED_OPERATIONS`): the only documents a hardened
//! deployment runs, read at start-up from the manifest its clients' build produced.
//!
//! Two formats are read, the ones client tool chains write:
//! - Apollo's persisted query manifest (`@apollo/generate-persisted-query-manifest`):
//!   `{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id", "body", ...}]}`;
//! - a flat object of id to document, as Relay's `persisted_queries.json` and GraphQL Code
//!   Generator's `persisted-documents.json` are.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::ConfigError;

/// The variable that names the allow-list file.
const VARIABLE: &str = "PAYLINK_PERSISTED_OPERATIONS";

/// The SHA-256 digest of a document's text.
pub type DocumentHash = [u8; 32];

/// The SHA-256 of `document`, as APQ and persisted documents name it.
pub fn document_hash(document: &str) -> DocumentHash {
    Sha256::digest(document.as_bytes()).into()
}

/// The documents an allow-list lets run, by the id clients send and by the hash of their text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllowList {
    by_id: HashMap<String, Arc<str>>,
    by_hash: HashMap<DocumentHash, Arc<str>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Manifest {
    Apollo {
        format: String,
        version: u32,
        operations: Vec<ManifestOperation>,
    },
    Flat(HashMap<String, String>),
}

#[derive(Deserialize)]
struct ManifestOperation {
    id: String,
    body: String,
}

impl AllowList {
    /// Reads the allow-list file at `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let error = |message: String| ConfigError {
            variable: VARIABLE,
            message,
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| error(format!("cannot read {}: {e}", path.display())))?;
        Self::parse(&text).map_err(|message| error(format!("{}: {message}", path.display())))
    }

    /// Reads an allow-list from the text of its file.
    pub fn parse(text: &str) -> Result<Self, String> {
        let manifest: Manifest = serde_json::from_str(text).map_err(|_| {
            "is neither an Apollo persisted query manifest nor a JSON object of id to document"
                .to_owned()
        })?;
        let entries: Vec<(String, String)> = match manifest {
            Manifest::Apollo {
                format,
                version,
                operations,
            } => {
                if format != "apollo-persisted-query-manifest" || version != 1 {
                    return Err(format!(
                        "unknown manifest format {format:?} version {version}; \
                         expected apollo-persisted-query-manifest version 1"
                    ));
                }
                operations.into_iter().map(|o| (o.id, o.body)).collect()
            }
            Manifest::Flat(entries) => entries.into_iter().collect(),
        };
        if entries.is_empty() {
            return Err("lists no operations".to_owned());
        }
        let mut list = Self::default();
        for (id, body) in entries {
            if body.trim().is_empty() {
                return Err(format!("operation {id:?} has an empty document"));
            }
            let body: Arc<str> = body.into();
            list.by_hash.insert(document_hash(&body), Arc::clone(&body));
            list.by_id.insert(id, body);
        }
        Ok(list)
    }

    /// The listed document with this id, or whose text has this hash.
    pub fn by_id(&self, id: &str) -> Option<&Arc<str>> {
        self.by_id.get(id).or_else(|| {
            let hash = id.strip_prefix("sha256:").unwrap_or(id);
            self.by_hash.get(&parse_hash(hash)?)
        })
    }

    /// The listed document whose text has this hash.
    pub fn by_hash(&self, hash: &DocumentHash) -> Option<&Arc<str>> {
        self.by_hash.get(hash)
    }

    /// How many documents are listed.
    pub fn len(&self) -> usize {
        self.by_hash.len()
    }

    /// Whether no document is listed (never, for a loaded list).
    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }
}

/// A SHA-256 digest written as 64 hexadecimal digits.
pub fn parse_hash(hex: &str) -> Option<DocumentHash> {
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    let mut hash = [0u8; 32];
    for (byte, pair) in hash.iter_mut().zip(hex.as_bytes().chunks(2)) {
        *byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCUMENT: &str = "query Count { paymentLinks { total_row_count } }";

    fn hex(hash: &DocumentHash) -> String {
        hash.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn reads_apollo_manifests_and_flat_maps() {
        let hash = hex(&document_hash(DOCUMENT));
        let apollo = serde_json::json!({
            "format": "apollo-persisted-query-manifest",
            "version": 1,
            "operations": [{ "id": hash, "name": "Count", "type": "query", "body": DOCUMENT }],
        });
        let list = AllowList::parse(&apollo.to_string()).unwrap();
        assert_eq!(list.by_id(&hash).map(|d| &**d), Some(DOCUMENT));
        assert_eq!(
            list.by_hash(&document_hash(DOCUMENT)).map(|d| &**d),
            Some(DOCUMENT)
        );

        let flat = serde_json::json!({ "count-links-1": DOCUMENT });
        let list = AllowList::parse(&flat.to_string()).unwrap();
        assert_eq!(list.by_id("count-links-1").map(|d| &**d), Some(DOCUMENT));
        // GraphQL over HTTP's persisted-document ids name the hash of the text.
        assert!(list.by_id(&format!("sha256:{hash}")).is_some());
        assert!(list.by_id("other").is_none());
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        assert!(AllowList::parse("[]").is_err());
        assert!(AllowList::parse("{}").is_err());
        assert!(AllowList::parse(r#"{"a": ""}"#).is_err());
        let unknown = r#"{"format": "other", "version": 1, "operations": []}"#;
        assert!(AllowList::parse(unknown).unwrap_err().contains("other"));
    }

    #[test]
    fn hashes_are_64_hex_digits() {
        let hash = document_hash(DOCUMENT);
        assert_eq!(parse_hash(&hex(&hash)), Some(hash));
        assert_eq!(parse_hash(&hex(&hash).to_uppercase()), Some(hash));
        assert_eq!(parse_hash("abc"), None);
        assert_eq!(parse_hash(&"g".repeat(64)), None);
        assert_eq!(parse_hash(&"é".repeat(32)), None);
    }
}
