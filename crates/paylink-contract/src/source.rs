//! The sides of a diff: an SDL file, a folder of `.graphql` files, `git:REV` or a live
//! `http(s)://` endpoint, and how each is read.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use apollo_compiler::Schema;

use crate::endpoint;
pub use crate::header::Header;
pub use crate::load_error::LoadError;
use crate::sdl::{self, SdlSource};

/// The folder that `git:REV` reads, relative to the repository's top level.
pub const GIT_SCHEMA_DIR: &str = "schema";

/// Where one side of a diff comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Side {
    /// An SDL file, or a folder whose top-level `*.graphql` files together form the schema
    /// (sub-folders are not read).
    Path(PathBuf),
    /// `git:REV`: the top-level `*.graphql` files of [`GIT_SCHEMA_DIR`] at a revision of the
    /// repository of the current directory.
    Git(String),
    /// An `http://` or `https://` GraphQL endpoint, read by introspection.
    Endpoint(String),
}

impl Side {
    /// Reads a command-line argument: `http(s)://...`, `git:REV`, or a path.
    pub fn parse(argument: &str) -> Self {
        if argument.starts_with("http://") || argument.starts_with("https://") {
            Self::Endpoint(argument.to_owned())
        } else if let Some(rev) = argument.strip_prefix("git:") {
            Self::Git(rev.to_owned())
        } else {
            Self::Path(PathBuf::from(argument))
        }
    }

    /// The SDL documents of this side. An endpoint is sent `headers` with its introspection
    /// query; the other sides ignore them.
    ///
    /// Reading an endpoint runs a private single-threaded tokio runtime, so this must not be
    /// called from within an async runtime.
    pub fn load_sources(&self, headers: &[Header]) -> Result<Vec<SdlSource>, LoadError> {
        match self {
            Self::Path(path) if path.is_dir() => read_folder(path),
            Self::Path(path) => Ok(vec![read_file(path)?]),
            Self::Git(rev) => read_git(rev),
            Self::Endpoint(url) => {
                let sdl = endpoint::fetch_sdl(url, headers)?;
                Ok(vec![SdlSource::new(url.clone(), sdl)])
            }
        }
    }

    /// This side's schema: [`Side::load_sources`], parsed together.
    pub fn load(&self, headers: &[Header]) -> Result<Schema, LoadError> {
        Ok(sdl::parse(&self.load_sources(headers)?)?)
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Path(path) => write!(f, "{}", path.display()),
            Self::Git(rev) => write!(f, "git:{rev}"),
            Self::Endpoint(url) => f.write_str(url),
        }
    }
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> LoadError + '_ {
    move |source| LoadError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn read_file(path: &Path) -> Result<SdlSource, LoadError> {
    let text = std::fs::read_to_string(path).map_err(io_error(path))?;
    Ok(SdlSource::new(path.display().to_string(), text))
}

/// The top-level `*.graphql` files of `dir`, sorted by name.
fn read_folder(dir: &Path) -> Result<Vec<SdlSource>, LoadError> {
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io_error(dir))? {
        let path = entry.map_err(io_error(dir))?.path();
        if path.extension().is_some_and(|ext| ext == "graphql") && path.is_file() {
            paths.push(path);
        }
    }
    if paths.is_empty() {
        return Err(LoadError::NoSdlFiles(dir.display().to_string()));
    }
    paths.sort();
    paths.iter().map(|path| read_file(path)).collect()
}

/// Runs git in the current directory.
fn run_git(args: &[&str]) -> Result<std::process::Output, LoadError> {
    Command::new("git")
        .args(args)
        .output()
        .map_err(|error| LoadError::Git(format!("cannot run git: {error}")))
}

/// Runs git in the current directory and returns its standard output.
fn git(args: &[&str]) -> Result<Vec<u8>, LoadError> {
    let output = run_git(args)?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(LoadError::Git(format!(
            "`git {}` failed: {}",
            args.join(" "),
            stderr.trim()
        )));
    }
    Ok(output.stdout)
}

/// The top-level `*.graphql` files of `schema/` at `rev`, sorted by name.
fn read_git(rev: &str) -> Result<Vec<SdlSource>, LoadError> {
    if rev.is_empty() || rev.starts_with('-') {
        return Err(LoadError::Git(format!("{rev:?} is not a revision")));
    }
    let output = run_git(&[
        "rev-parse",
        "--verify",
        "--quiet",
        &format!("{rev}^{{commit}}"),
    ])?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        // With --quiet, git says nothing about a revision it does not know.
        return Err(LoadError::Git(if stderr.trim().is_empty() {
            format!("unknown revision {rev:?}")
        } else {
            stderr.trim().to_owned()
        }));
    }
    let commit = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let dir = format!("{GIT_SCHEMA_DIR}/");
    let listing = git(&["ls-tree", "-z", "--full-tree", &commit, "--", &dir])?;
    let mut files: Vec<(String, String)> = Vec::new();
    for entry in listing
        .split(|&byte| byte == 0)
        .filter(|entry| !entry.is_empty())
    {
        let entry = String::from_utf8_lossy(entry);
        // "<mode> <type> <object>\t<path>"
        let Some((meta, path)) = entry.split_once('\t') else {
            continue;
        };
        let mut meta = meta.split(' ');
        let (Some(_mode), Some("blob"), Some(object)) = (meta.next(), meta.next(), meta.next())
        else {
            continue;
        };
        if path.ends_with(".graphql") {
            files.push((path.to_owned(), object.to_owned()));
        }
    }
    if files.is_empty() {
        return Err(LoadError::NoSdlFiles(format!("{dir} at {rev}")));
    }
    files.sort();
    files
        .into_iter()
        .map(|(path, object)| {
            let text = git(&["cat-file", "blob", &object])?;
            let text = String::from_utf8(text)
                .map_err(|_| LoadError::Git(format!("{path} at {rev} is not UTF-8")))?;
            Ok(SdlSource::new(format!("git:{rev}:{path}"), text))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_name_their_side() {
        assert_eq!(
            Side::parse("https://api.test/graphql"),
            Side::Endpoint("https://api.test/graphql".into())
        );
        assert_eq!(
            Side::parse("http://127.0.0.1:8080/graphql"),
            Side::Endpoint("http://127.0.0.1:8080/graphql".into())
        );
        assert_eq!(Side::parse("git:v1.2"), Side::Git("v1.2".into()));
        assert_eq!(Side::parse("schema"), Side::Path("schema".into()));
        assert_eq!(Side::parse("git:HEAD~1").to_string(), "git:HEAD~1");
    }

    #[test]
    fn headers_are_name_colon_value() {
        let header = Header::parse("Authorization: Bearer plk_x:y").unwrap();
        assert_eq!(header.name, "Authorization");
        assert_eq!(header.value, "Bearer plk_x:y");
        assert!(!format!("{header:?}").contains("plk_x"));
        assert!(Header::parse("no colon").is_err());
        assert!(Header::parse(": value").is_err());
        assert!(Header::parse("bad name: value").is_err());
    }

    #[test]
    fn revisions_that_look_like_options_are_refused() {
        assert!(matches!(read_git("--output=x"), Err(LoadError::Git(_))));
        assert!(matches!(read_git(""), Err(LoadError::Git(_))));
    }
}
