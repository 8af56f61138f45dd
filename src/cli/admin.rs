//! `paylink merchant ...` and `paylink key ...`.

use clap::Subcommand;
use paylink_store::Store;

use super::{CliError, block_on};
use crate::domain::ids;

/// Merchant commands.
#[derive(Debug, Subcommand)]
pub enum MerchantCommand {
    /// Create a merchant and print its merchant_uid.
    Create {
        /// Display name.
        #[arg(long)]
        name: String,
    },
    /// List merchants.
    List,
    /// Print the key a merchant's server checks paylink's callbacks with (`Paylink-Signature`).
    CallbackSecret {
        /// The merchant_uid.
        #[arg(long)]
        merchant: String,
    },
    /// Choose who emails payers their receipts: paylink (`on`), or the payment processor
    /// (`off`, the default). In test mode paylink always does.
    Receipts {
        /// The merchant_uid.
        #[arg(long)]
        merchant: String,
        /// `on` or `off`.
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
}

/// API key commands.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create an API key for a merchant; the key is printed once and cannot be shown again.
    Create {
        /// The merchant_uid the key acts for.
        #[arg(long)]
        merchant: String,
        /// A label to tell keys apart.
        #[arg(long)]
        label: Option<String>,
    },
    /// List keys (prefix, merchant, state); never the keys themselves.
    List {
        /// Only this merchant's keys.
        #[arg(long)]
        merchant: Option<String>,
    },
    /// Revoke a key by its prefix (as `key list` shows it).
    Revoke {
        /// The key's prefix, such as plk_AbCd1234.
        prefix: String,
    },
}

/// Runs a merchant command.
pub(super) fn merchant(store: &Store, command: MerchantCommand) -> Result<(), CliError> {
    match command {
        MerchantCommand::Create { name } => {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 255 {
                return Err(CliError::Refused(
                    "--name must have 1 to 255 characters".into(),
                ));
            }
            let merchant = block_on(store.insert_merchant(&ids::new_merchant_uid(), name))??;
            println!("{}", merchant.merchant_uid);
            Ok(())
        }
        MerchantCommand::List => {
            for merchant in block_on(store.list_merchants())?? {
                println!("{}\t{}", merchant.merchant_uid, merchant.name);
            }
            Ok(())
        }
        MerchantCommand::Receipts { merchant, state } => {
            let on = state == "on";
            if block_on(store.set_payer_receipts(&merchant, on))?? {
                println!(
                    "{merchant}: receipts to payers are sent by {}",
                    if on {
                        "paylink"
                    } else {
                        "the payment processor"
                    }
                );
                Ok(())
            } else {
                Err(CliError::Refused(format!("no merchant {merchant:?}")))
            }
        }
        MerchantCommand::CallbackSecret { merchant } => {
            match block_on(store.callback_secret(&merchant))?? {
                Some(secret) => {
                    println!("{secret}");
                    Ok(())
                }
                None => Err(CliError::Refused(format!("no merchant {merchant:?}"))),
            }
        }
    }
}

/// Runs a key command.
pub(super) fn key(store: &Store, command: KeyCommand) -> Result<(), CliError> {
    match command {
        KeyCommand::Create { merchant, label } => {
            let issued = block_on(async {
                if store.find_merchant(&merchant).await?.is_none() {
                    return Err(CliError::Refused(format!("no merchant {merchant:?}")));
                }
                Ok(crate::api_keys::issue(store, &merchant, label.as_deref()).await?)
            })??;
            println!("{}", issued.key);
            eprintln!(
                "key {} created for {merchant}; store it now: it cannot be shown again",
                issued.record.prefix
            );
            Ok(())
        }
        KeyCommand::List { merchant } => {
            for key in block_on(store.list_keys(merchant.as_deref()))?? {
                let state = match key.revoked_at {
                    Some(at) => format!("revoked {}", at.to_rfc3339()),
                    None => "active".to_owned(),
                };
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    key.prefix,
                    key.merchant_uid,
                    state,
                    key.created_at.to_rfc3339(),
                    key.label.unwrap_or_default()
                );
            }
            Ok(())
        }
        KeyCommand::Revoke { prefix } => {
            let revoked = block_on(store.revoke_keys(&prefix))??;
            if revoked.is_empty() {
                return Err(CliError::Refused(format!(
                    "no active key with prefix {prefix:?}"
                )));
            }
            for key in revoked {
                println!("revoked {} of {}", key.prefix, key.merchant_uid);
            }
            Ok(())
        }
    }
}
