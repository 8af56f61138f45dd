//! Development email: each message becomes an `.eml` file that any mail client opens.

use std::{fmt, path::PathBuf};

use super::Prepared;
use crate::{Delivered, SendError};

pub(crate) struct FilesSender {
    dir: PathBuf,
}

impl FilesSender {
    pub(crate) fn new(dir: PathBuf) -> Self {
        FilesSender { dir }
    }

    pub(crate) async fn send(&self, prepared: Prepared) -> Result<Delivered, SendError> {
        let name = format!("{}.eml", prepared.file_stem);
        let path = self.dir.join(&name);
        // Written aside and renamed so that a reader never sees half a message, and a retry
        // of the same key simply replaces the file.
        let partial = self.dir.join(format!(".{name}.partial"));
        let io = |what: &str, error: std::io::Error| {
            SendError::Transient(format!("could not {what} {}: {error}", path.display()))
        };
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(|error| io("create the folder for", error))?;
        tokio::fs::write(&partial, prepared.message.formatted())
            .await
            .map_err(|error| io("write", error))?;
        tokio::fs::rename(&partial, &path)
            .await
            .map_err(|error| io("write", error))?;
        Ok(Delivered {
            provider_message_id: Some(name),
        })
    }
}

impl fmt::Debug for FilesSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Files").field("dir", &self.dir).finish()
    }
}
