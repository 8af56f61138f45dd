//! Development SMS: one JSON line per message, easy to `tail -f` or read back in tests.

use std::{fmt, path::PathBuf};

use chrono::{SecondsFormat, Utc};
use tokio::{io::AsyncWriteExt, sync::Mutex};

use crate::{Delivered, SendError, SmsMessage};

pub(crate) struct FilesSender {
    path: PathBuf,
    /// Several dispatcher tasks may append at once; one writer at a time keeps lines whole.
    lock: Mutex<()>,
}

impl FilesSender {
    pub(crate) fn new(path: PathBuf) -> Self {
        FilesSender {
            path,
            lock: Mutex::new(()),
        }
    }

    pub(crate) async fn send(&self, message: &SmsMessage) -> Result<Delivered, SendError> {
        let mut line = serde_json::json!({
            "id": message.idempotency_key,
            "to": message.to,
            "body": message.body,
            "at": Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
        })
        .to_string();
        line.push('\n');
        let io = |what: &str, error: std::io::Error| {
            SendError::Transient(format!("could not {what} {}: {error}", self.path.display()))
        };

        let _one_writer = self.lock.lock().await;
        if let Some(parent) = self.path.parent()
            && !parent.as_os_str().is_empty()
        {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(|error| io("create the folder for", error))?;
        }
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .await
            .map_err(|error| io("open", error))?;
        file.write_all(line.as_bytes())
            .await
            .map_err(|error| io("append to", error))?;
        file.flush().await.map_err(|error| io("append to", error))?;
        Ok(Delivered {
            provider_message_id: Some(message.idempotency_key.clone()),
        })
    }
}

impl fmt::Debug for FilesSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsFile").field("path", &self.path).finish()
    }
}
