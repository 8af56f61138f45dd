//! Diesel table definitions, kept in step with `migrations/` by hand.

diesel::table! {
    /// Tenants of the service.
    merchants (merchant_uid) {
        /// Public id of the merchant.
        merchant_uid -> Text,
        /// Display name.
        name -> Text,
        /// Creation time.
        created_at -> Timestamptz,
    }
}

diesel::table! {
    /// API keys, stored as SHA-256 digests.
    api_keys (id) {
        /// Row id.
        id -> Int8,
        /// Owning merchant.
        merchant_uid -> Text,
        /// Visible start of the key.
        prefix -> Text,
        /// SHA-256 of the whole key.
        key_hash -> Bytea,
        /// Free-form label.
        label -> Nullable<Text>,
        /// Creation time.
        created_at -> Timestamptz,
        /// When the key stopped working, if it has.
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    /// Payment links.
    payment_links (link_id) {
        /// Public id of the link.
        link_id -> Text,
        /// Owning merchant.
        merchant_uid -> Text,
        /// The merchant's name for the link.
        link_name -> Text,
        /// Payment name shown to payers.
        payment_name -> Text,
        /// Payment description shown to payers.
        payment_description -> Nullable<Text>,
        /// Fixed amount in minor units.
        amount -> Nullable<Int4>,
        /// ISO 4217 code.
        currency -> Text,
        /// SDL name of the fee mode.
        fee_mode -> Text,
        /// Whether the payer chooses the amount.
        amount_is_variable -> Bool,
        /// Lower bound of a variable amount.
        min_amount -> Nullable<Int4>,
        /// Upper bound of a variable amount.
        max_amount -> Nullable<Int4>,
        /// Whether a phone number is required.
        require_phone -> Bool,
        /// SDL name of the call to action.
        call_to_action -> Text,
        /// SDL name of the accepted payment methods.
        accepted_payment_methods -> Text,
        /// Accounting code.
        account_code -> Nullable<Text>,
        /// Message after payment.
        custom_success_message -> Nullable<Text>,
        /// Redirect after payment.
        redirect_url -> Nullable<Text>,
        /// Whether the link takes payments.
        is_active -> Bool,
        /// Creation time, microsecond precision; the listing's sort key.
        created_date -> Timestamptz,
        /// Last change.
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(api_keys -> merchants (merchant_uid));
diesel::joinable!(payment_links -> merchants (merchant_uid));
diesel::allow_tables_to_appear_in_same_query!(merchants, api_keys, payment_links);
