//! `paylink merchant ...` and `paylink key ...`.

use clap::Subcommand;
use paylink_store::Store;
use paylink_store::service_fees::ServiceFeeRow;

use super::{CliError, block_on};
use crate::domain::service_fee::{Percent, ServiceFee};
use crate::domain::{InvalidField, ids, money};

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
    /// Set the service fee the merchant's SERVICE_FEE links add on top of the amount in one
    /// currency (round(amount × percent), half up, plus the fixed part), or remove it with
    /// --clear; without either, print the merchant's fees.
    Fee {
        /// The merchant_uid.
        #[arg(long)]
        merchant: String,
        /// The currency of the links it applies to; the fixed part is in its minor unit. Each
        /// currency has a fee of its own, and a link in one without a fee adds nothing.
        #[arg(long, default_value = "USD")]
        currency: String,
        /// The percentage of the amount, with at most two decimals: 2.9 for 2.9%. 0 if
        /// omitted.
        #[arg(long, conflicts_with = "clear")]
        percent: Option<String>,
        /// The fixed part, in the currency's minor unit: 30 is 0.30 USD. 0 if omitted.
        #[arg(long, conflicts_with = "clear")]
        fixed: Option<i64>,
        /// Remove the merchant's fee in the currency: its links add no fee.
        #[arg(long)]
        clear: bool,
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
        MerchantCommand::Fee {
            merchant,
            currency,
            percent,
            fixed,
            clear,
        } => fee(
            store,
            &merchant,
            &currency,
            percent.as_deref(),
            fixed,
            clear,
        ),
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

/// `merchant fee`: sets, removes or prints a merchant's service fees.
fn fee(
    store: &Store,
    merchant: &str,
    currency: &str,
    percent: Option<&str>,
    fixed: Option<i64>,
    clear: bool,
) -> Result<(), CliError> {
    let refused = |problem: InvalidField| CliError::Refused(format!("--{problem}"));
    let currency =
        money::currency("currency", &currency.trim().to_ascii_uppercase()).map_err(refused)?;
    if block_on(store.find_merchant(merchant))??.is_none() {
        return Err(CliError::Refused(format!("no merchant {merchant:?}")));
    }
    if clear {
        let removed = block_on(store.clear_service_fee(merchant, currency.code()))??;
        if removed {
            println!("{}: no service fee", currency.code());
        } else {
            println!("{}: no service fee (there was none)", currency.code());
        }
        return Ok(());
    }
    if percent.is_none() && fixed.is_none() {
        let fees = block_on(store.service_fees(merchant))??;
        if fees.is_empty() {
            println!("no service fees");
        }
        for row in &fees {
            match ServiceFee::of_row(row) {
                Some(fee) => println!("{}: {}", row.currency, fee.rule()),
                None => println!("{}: unreadable ({row:?})", row.currency),
            }
        }
        return Ok(());
    }
    let percent = Percent::parse(percent.unwrap_or("0"))
        .map_err(|message| refused(InvalidField::new("percent", message)))?;
    let fee = ServiceFee::new(percent, fixed.unwrap_or(0), currency).map_err(refused)?;
    let stored = block_on(store.set_service_fee(ServiceFeeRow {
        merchant_uid: merchant.to_owned(),
        currency: currency.code().to_owned(),
        basis_points: fee.percent.basis_points(),
        fixed_minor: fee.fixed_minor,
        updated_at: chrono::Utc::now(),
    }))??;
    if stored.is_none() {
        return Err(CliError::Refused(format!("no merchant {merchant:?}")));
    }
    println!("{}: {}", currency.code(), fee.rule());
    Ok(())
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
