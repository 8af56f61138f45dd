#![doc = include_str!("../README.md")]

mod assets;
mod page;
mod policy;

pub use assets::{ASSET_PATH_PREFIX, Asset, asset_at};
pub use page::page;
pub use policy::CONTENT_SECURITY_POLICY;

/// The GraphiQL release whose build is embedded (`assets/vendor/`, from `fetch-assets.sh`).
pub const GRAPHIQL_VERSION: &str = "4.1.2";

/// The React release GraphiQL runs on (its UMD production builds, also in `assets/vendor/`).
pub const REACT_VERSION: &str = "18.3.1";
