//! After an attempt whose outcome is unknown: finding the message Twilio may have created, in
//! its Messages list.

use chrono::{DateTime, Utc};
use paylink_provider_kit::chain;
use serde::Deserialize;
use url::Url;

use super::{Reply, TwilioClient, error_reason, is_transient};
use crate::{Delivered, SendError, SmsMessage, TwilioSender};

/// Messages asked for per page of the list; Twilio allows up to 1000.
const LIST_PAGE_SIZE: u32 = 100;

/// Pages of the list read when looking for a message: enough for the texts one number received
/// around one attempt, bounded so that a busy number cannot hold a dispatcher.
const MAX_LIST_PAGES: usize = 10;

/// A page of Twilio's Messages list.
#[derive(Deserialize)]
struct MessagePage {
    messages: Vec<ListedMessage>,
    next_page_uri: Option<String>,
}

/// The fields of a listed message that identify it.
#[derive(Deserialize)]
struct ListedMessage {
    sid: String,
    to: Option<String>,
    from: Option<String>,
    messaging_service_sid: Option<String>,
    body: Option<String>,
    direction: Option<String>,
    date_created: Option<String>,
}

impl ListedMessage {
    /// When Twilio created it (an RFC 2822 date).
    fn created(&self) -> Option<DateTime<Utc>> {
        let text = self.date_created.as_deref()?;
        DateTime::parse_from_rfc2822(text)
            .ok()
            .map(|time| time.with_timezone(&Utc))
    }

    /// Whether it is `message`, sent by `sender`: an outbound message to the same number with
    /// the same body.
    fn is_for(&self, message: &SmsMessage, sender: &TwilioSender) -> bool {
        let outbound = self
            .direction
            .as_deref()
            .is_none_or(|direction| direction.starts_with("outbound"));
        let same_sender = match sender {
            TwilioSender::From(from) => self.from.as_deref() == Some(from.as_str()),
            TwilioSender::MessagingServiceSid(sid) => {
                self.messaging_service_sid.as_deref() == Some(sid.as_str())
            }
        };
        outbound
            && same_sender
            && self.to.as_deref() == Some(message.to.as_str())
            && self.body.as_deref() == Some(message.body.as_str())
    }
}

impl TwilioClient {
    /// The messages Twilio created like `message` at or after `since`, oldest first: the
    /// account's messages to `message.to` (and from our number, when one is configured), newest
    /// first, matched on sender and body. Pages are followed back to `since`, at most
    /// [`MAX_LIST_PAGES`] of them. Not filtered by `DateSent`: a message still queued has no
    /// send date, and it is exactly the one a lost answer leaves behind.
    pub(crate) async fn find(
        &self,
        message: &SmsMessage,
        since: DateTime<Utc>,
    ) -> Result<Vec<Delivered>, SendError> {
        let mut url = self.messages_url.clone();
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("To", &message.to);
            if let TwilioSender::From(from) = &self.sender {
                query.append_pair("From", from);
            }
            query.append_pair("PageSize", &LIST_PAGE_SIZE.to_string());
        }
        let mut found = Vec::new();
        for _ in 0..MAX_LIST_PAGES {
            let page = self.list_page(url.clone()).await?;
            // Newest first; paging stops at the first page with nothing created since the
            // attempt began, not at the first older message, so a page in a looser order
            // (a queued message has no send date to sort by) hides nothing.
            let mut recent_on_page = false;
            for listed in page.messages {
                let Some(created) = listed.created() else {
                    continue;
                };
                if created < since {
                    continue;
                }
                recent_on_page = true;
                if listed.is_for(message, &self.sender) {
                    found.push((created, listed.sid));
                }
            }
            match page.next_page_uri {
                Some(next) if recent_on_page => {
                    url = self.messages_url.join(&next).map_err(|_| {
                        SendError::Transient("Twilio gave an unusable next page".into())
                    })?;
                }
                _ => break,
            }
        }
        // Oldest first, whatever order the pages came in. Creation times have whole seconds;
        // for equal ones the list's newest-first order, reversed, decides (the sort is stable).
        found.reverse();
        found.sort_by_key(|(created, _)| *created);
        Ok(found
            .into_iter()
            .map(|(_, sid)| Delivered {
                provider_message_id: Some(sid),
            })
            .collect())
    }

    /// One page of the Messages list.
    async fn list_page(&self, url: Url) -> Result<MessagePage, SendError> {
        let response = self
            .http
            .get(url)
            .basic_auth(&self.account_sid, Some(self.auth_token.expose()))
            .send()
            .await
            .map_err(|error| {
                let detail = self.clean(&chain(&error.without_url()));
                tracing::warn!(error = %detail, "listing Twilio messages failed");
                SendError::Transient("could not ask Twilio for its messages".into())
            })?;
        let status = response.status();
        let body = response.bytes().await.map_err(|_| {
            SendError::Transient("Twilio's list of messages could not be read".into())
        })?;
        if !status.is_success() {
            let reply = serde_json::from_slice::<Reply>(&body).ok();
            let reason = self.clean(&error_reason(status, reply));
            return Err(if is_transient(status) {
                SendError::Transient(reason)
            } else {
                SendError::Permanent(reason)
            });
        }
        serde_json::from_slice(&body)
            .map_err(|_| SendError::Transient("Twilio's list of messages was not JSON".into()))
    }
}
