//! `paylink dev setup`: what `make run` needs before serving: migrations, a development
//! merchant and a key, and a curl command to try.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use paylink_store::{PoolSettings, Store};

use super::{CliError, block_on};
use crate::config::{Config, settings};
use crate::domain::ids;

/// Development commands.
#[derive(Debug, Subcommand)]
pub enum DevCommand {
    /// Migrate, make sure a development merchant and API key exist, and print how to call the API.
    Setup {
        /// Where the development key is kept between runs (git-ignored).
        #[arg(long, default_value = ".paylink/dev-api-key")]
        key_file: PathBuf,
        /// Name of the development merchant.
        #[arg(long, default_value = "Development merchant")]
        merchant_name: String,
    },
}

/// Runs a development command.
pub(super) fn run(command: DevCommand, file: Option<&Path>) -> Result<(), CliError> {
    let DevCommand::Setup {
        key_file,
        merchant_name,
    } = command;
    let config = Config::load(file)?;
    if paylink_store::database::create_if_missing(config.database_url.expose())? {
        println!("Created the database named in DATABASE_URL.");
    }
    let store = Store::new(config.database_url.expose(), &PoolSettings::default())?;
    let (merchant_uid, key) = block_on(async {
        store.apply_migrations().await?;
        let merchant = match store.find_merchant_by_name(&merchant_name).await? {
            Some(merchant) => merchant,
            None => {
                store
                    .insert_merchant(&ids::new_merchant_uid(), &merchant_name)
                    .await?
            }
        };
        // Reuse the saved key while it still works, so a restart does not hand out a new one.
        if let Some(saved) = read_key(&key_file)
            && crate::api_keys::merchant_of(&store, &saved)
                .await?
                .as_deref()
                == Some(&merchant.merchant_uid)
        {
            return Ok::<_, CliError>((merchant.merchant_uid, saved));
        }
        let issued =
            crate::api_keys::issue(&store, &merchant.merchant_uid, Some("development")).await?;
        write_key(&key_file, &issued.key)?;
        Ok((merchant.merchant_uid, issued.key))
    })??;
    let sample = block_on(sample_link(&store, &merchant_uid, &key_file))??;
    let sample_url = format!("{}/{sample}", config.public_link_base_url);
    let endpoint = format!("http://{}/graphql", config.listen);
    println!("Development merchant: {merchant_uid}");
    println!(
        "API key:              {key}   (kept in {})",
        key_file.display()
    );
    println!();
    println!("Create a payment link:");
    println!(
        "  curl -s {endpoint} -H 'Authorization: Bearer {key}' -H 'Content-Type: application/json' \\\n    \
         -d '{{\"query\":\"mutation {{ createPaymentLink(input: {{merchant_uid: \\\"{merchant_uid}\\\", \
         link_name: \\\"Dues\\\", payment_name: \\\"Monthly dues\\\", amount: 2500}}) {{ link_id link_url \
         created_date }} }}\"}}'"
    );
    println!("Change one (LINK_ID: a link_id from the answer above):");
    println!(
        "  curl -s {endpoint} -H 'Authorization: Bearer {key}' -H 'Content-Type: application/json' \\\n    \
         -d '{{\"query\":\"mutation {{ updatePaymentLink(input: {{merchant_uid: \\\"{merchant_uid}\\\", \
         link_id: \\\"LINK_ID\\\", amount: 3000, is_active: false}}) {{ link_id amount is_active }} }}\"}}'"
    );
    println!("List them, newest first:");
    println!(
        "  curl -s {endpoint} -H 'Authorization: Bearer {key}' -H 'Content-Type: application/json' \\\n    \
         -d '{{\"query\":\"{{ paymentLinks(limit: 10) {{ total_row_count items {{ link_id link_name amount \
         created_date }} }} }}\"}}'"
    );
    println!("The next page (LINK_ID: the last link_id of the page before):");
    println!(
        "  curl -s {endpoint} -H 'Authorization: Bearer {key}' -H 'Content-Type: application/json' \\\n    \
         -d '{{\"query\":\"{{ paymentLinks(limit: 10, offset_id: \\\"LINK_ID\\\") {{ items {{ link_id \
         link_name created_date }} }} }}\"}}'"
    );
    println!();
    println!(
        "Open this payment link in a browser and pay it (test mode: card 4242 4242 4242 4242):"
    );
    println!("  {sample_url}");
    println!();
    println!(
        "Links sent by email are written to {}/*.eml and text messages to {} \
         (set PAYLINK_SMTP_URL or PAYLINK_SMS_PROVIDER=twilio to deliver for real).",
        from_environment(&settings::EMAIL_DIR),
        from_environment(&settings::SMS_FILE),
    );
    Ok(())
}

/// The id of a sample link that shows every field a payer meets (a chosen amount within bounds,
/// a phone number, a choice of methods), kept beside the key file so a restart reuses it.
async fn sample_link(
    store: &Store,
    merchant_uid: &str,
    key_file: &Path,
) -> Result<String, CliError> {
    let id_file = key_file.with_file_name("dev-sample-link");
    if let Some(saved) = read_key(&id_file)
        && store
            .find_link(merchant_uid, &saved)
            .await?
            .is_some_and(|link| link.is_active)
    {
        return Ok(saved);
    }
    let now = crate::domain::timestamps::now();
    let row = paylink_store::payment_links::PaymentLinkRow {
        link_id: ids::new_link_id(),
        merchant_uid: merchant_uid.to_owned(),
        link_name: "Sample (test mode)".to_owned(),
        payment_name: "Community garden membership".to_owned(),
        payment_description: Some("Choose what you can give; every amount helps.".to_owned()),
        amount: Some(2_500),
        currency: "USD".to_owned(),
        fee_mode: "SERVICE_FEE".to_owned(),
        amount_is_variable: true,
        min_amount: Some(500),
        max_amount: Some(50_000),
        require_phone: true,
        call_to_action: "DONATE".to_owned(),
        accepted_payment_methods: "ALL".to_owned(),
        account_code: None,
        custom_success_message: Some("Thank you for supporting the garden!".to_owned()),
        redirect_url: None,
        is_active: true,
        created_date: now,
        updated_at: now,
        expires_at: None,
        max_payments: None,
        payment_count: 0,
    };
    crate::domain::payment_link_rules::validate(&row)
        .map_err(|invalid| CliError::Refused(format!("the sample link is invalid: {invalid}")))?;
    let link = store.insert_link(row).await?;
    write_key(&id_file, &link.link_id)?;
    Ok(link.link_id)
}

/// A setting's value in the environment, else its default.
fn from_environment(setting: &settings::Setting) -> String {
    setting
        .text(std::env::var(setting.env).ok())
        .unwrap_or_default()
}

fn read_key(path: &Path) -> Option<String> {
    let key = std::fs::read_to_string(path).ok()?;
    let key = key.trim();
    (!key.is_empty()).then(|| key.to_owned())
}

fn write_key(path: &Path, key: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, format!("{key}\n"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}
