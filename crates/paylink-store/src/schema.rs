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
        /// Key of the HMAC-SHA256 signature on callbacks to the merchant's server.
        callback_secret -> Text,
        /// Whether paylink emails payers their receipts.
        payer_receipts -> Bool,
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
        /// When it stops taking payments.
        expires_at -> Nullable<Timestamptz>,
        /// Most payments it takes.
        max_payments -> Nullable<Int4>,
        /// Payments it has taken.
        payment_count -> Int4,
    }
}

diesel::joinable!(api_keys -> merchants (merchant_uid));
diesel::joinable!(payment_links -> merchants (merchant_uid));

diesel::table! {
    /// A merchant's customers.
    contacts (id) {
        /// Public id.
        id -> Text,
        /// Owning merchant.
        merchant_uid -> Text,
        /// Full name.
        name -> Nullable<Text>,
        /// Given name.
        given_name -> Nullable<Text>,
        /// Family name.
        family_name -> Nullable<Text>,
        /// Email address.
        email -> Nullable<Text>,
        /// E.164 phone number.
        phone -> Nullable<Text>,
        /// Creation time.
        created_at -> Timestamptz,
        /// Last change.
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    /// Payment-plan sessions.
    payment_plan_sessions (id) {
        /// Public id.
        id -> Text,
        /// Owning merchant.
        merchant_uid -> Text,
        /// The contact.
        contact_id -> Text,
        /// Amount of each payment in minor units.
        amount_minor -> Int8,
        /// ISO 4217 code.
        currency -> Text,
        /// Stored status (never Expired by time alone).
        status -> Text,
        /// Payment frequency.
        frequency -> Text,
        /// First payment date.
        start_date -> Date,
        /// Number of payments.
        occurrences -> Int4,
        /// Callback URL.
        callback_url -> Nullable<Text>,
        /// Cancel URL.
        cancel_url -> Nullable<Text>,
        /// Success URL.
        success_url -> Nullable<Text>,
        /// Expiry.
        expiration_date -> Nullable<Timestamptz>,
        /// Creation time.
        created_at -> Timestamptz,
        /// Last change.
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    /// The delivery outbox.
    link_deliveries (id) {
        /// Public id.
        id -> Text,
        /// Owning merchant.
        merchant_uid -> Text,
        /// The session whose link is sent.
        session_id -> Nullable<Text>,
        /// The payment link that is sent.
        link_id -> Nullable<Text>,
        /// Email or Phone.
        channel -> Text,
        /// Address or number.
        recipient -> Text,
        /// Email subject.
        subject -> Text,
        /// Plain-text body (the SMS body for Phone).
        body_text -> Text,
        /// HTML body.
        body_html -> Text,
        /// Queued, Sending, Unknown, Sent, Delivered, Undelivered or Failed.
        status -> Text,
        /// Attempts so far.
        attempts -> Int4,
        /// Last failure reason.
        last_error -> Nullable<Text>,
        /// Provider's message id.
        provider_message_id -> Nullable<Text>,
        /// When the row is next due.
        next_attempt_at -> Timestamptz,
        /// Until when a claim holds.
        lease_until -> Nullable<Timestamptz>,
        /// Request time.
        created_at -> Timestamptz,
        /// Acceptance time.
        sent_at -> Nullable<Timestamptz>,
        /// The provider's last word on the message, e.g. `delivered`.
        provider_status -> Nullable<Text>,
        /// The rank of `provider_status`; 0 before any receipt.
        provider_status_rank -> Int2,
        /// The provider's error code with a failed delivery.
        provider_error_code -> Nullable<Text>,
        /// When the last receipt was recorded.
        receipt_at -> Nullable<Timestamptz>,
        /// When the current or last attempt began.
        attempt_started_at -> Nullable<Timestamptz>,
        /// When the earliest attempt whose outcome is unknown began; NULL when none is.
        unknown_since -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(contacts -> merchants (merchant_uid));
diesel::joinable!(payment_plan_sessions -> contacts (contact_id));
diesel::joinable!(link_deliveries -> payment_plan_sessions (session_id));
diesel::joinable!(link_deliveries -> payment_links (link_id));
diesel::table! {
    /// Payers' attempts to pay a link or a session.
    checkouts (id) {
        /// Public id.
        id -> Text,
        /// Owning merchant.
        merchant_uid -> Text,
        /// The link paid, or null.
        link_id -> Nullable<Text>,
        /// The session paid, or null.
        session_id -> Nullable<Text>,
        /// Amount in minor units.
        amount_minor -> Int8,
        /// ISO 4217 code.
        currency -> Text,
        /// `card` or `ach`.
        payment_method -> Text,
        /// The payer's phone, E.164.
        payer_phone -> Nullable<Text>,
        /// `test` or `stripe`.
        provider -> Text,
        /// The provider's id of the checkout.
        provider_checkout_id -> Nullable<Text>,
        /// The provider's page for it.
        provider_url -> Nullable<Text>,
        /// Open, Completed, Failed, Expired or Cancelled.
        status -> Text,
        /// A plan's first payment.
        plan_first_charge_at -> Nullable<Timestamptz>,
        /// When a plan's subscription ends.
        plan_ends_at -> Nullable<Timestamptz>,
        /// Creation time.
        created_at -> Timestamptz,
        /// Last change.
        updated_at -> Timestamptz,
        /// When it stops taking a payment.
        expires_at -> Timestamptz,
        /// The processor's subscription of a plan set up through it.
        provider_subscription_id -> Nullable<Text>,
        /// The link's accounting code.
        account_code -> Nullable<Text>,
        /// What is paid for.
        reference -> Nullable<Text>,
        /// The payer's email, when known.
        payer_email -> Nullable<Text>,
        /// The service fee within `amount_minor`, in minor units.
        fee_amount -> Int8,
        /// The payer's attempt at a link.
        attempt_key -> Nullable<Text>,
    }
}

diesel::table! {
    /// What finished checkouts produced.
    payments (id) {
        /// Public id.
        id -> Text,
        /// Owning merchant.
        merchant_uid -> Text,
        /// The checkout.
        checkout_id -> Text,
        /// The link paid, or null.
        link_id -> Nullable<Text>,
        /// The session paid, or null.
        session_id -> Nullable<Text>,
        /// Amount in minor units.
        amount_minor -> Int8,
        /// ISO 4217 code.
        currency -> Text,
        /// `card` or `ach`.
        payment_method -> Text,
        /// The payer's phone, E.164.
        payer_phone -> Nullable<Text>,
        /// `test` or `stripe`.
        provider -> Text,
        /// The provider's id of the payment.
        provider_reference -> Nullable<Text>,
        /// Pending, Succeeded, Failed or Refunded.
        status -> Text,
        /// Creation time.
        created_at -> Timestamptz,
        /// Last change.
        updated_at -> Timestamptz,
        /// Refunds asked for and not failed, in minor units.
        amount_refunded -> Int8,
        /// The link's accounting code.
        account_code -> Nullable<Text>,
        /// What was paid for.
        reference -> Nullable<Text>,
        /// The payer's email, when known.
        payer_email -> Nullable<Text>,
        /// The processor's invoice, for a plan's later charge.
        provider_invoice_id -> Nullable<Text>,
        /// The service fee within `amount_minor`, in minor units.
        fee_amount -> Int8,
    }
}

diesel::table! {
    /// Money given back.
    refunds (id) {
        /// Public id.
        id -> Text,
        /// Owning merchant.
        merchant_uid -> Text,
        /// The payment refunded.
        payment_id -> Text,
        /// Amount in minor units.
        amount_minor -> Int8,
        /// ISO 4217 code.
        currency -> Text,
        /// Why, when given.
        reason -> Nullable<Text>,
        /// `merchant`, `paylink` or `processor`.
        initiated_by -> Text,
        /// Pending, Succeeded or Failed.
        status -> Text,
        /// The processor's id of the refund.
        provider_refund_id -> Nullable<Text>,
        /// The processor's reason for a failure.
        failure_reason -> Nullable<Text>,
        /// Creation time.
        created_at -> Timestamptz,
        /// Last change.
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    /// What paylink must still tell the processor.
    processor_tasks (id) {
        /// paylink's id of the task.
        id -> Text,
        /// Owning merchant.
        merchant_uid -> Text,
        /// `refund`, `cancel_subscription` or `expire_checkout`.
        kind -> Text,
        /// The refund's or checkout's id.
        subject_id -> Text,
        /// Attempts made.
        attempts -> Int4,
        /// When the next attempt is due.
        due_at -> Timestamptz,
        /// Until when a replica's claim holds.
        lease_until -> Nullable<Timestamptz>,
        /// The last attempt's failure.
        last_error -> Nullable<Text>,
        /// When it was carried out.
        done_at -> Nullable<Timestamptz>,
        /// Creation time.
        created_at -> Timestamptz,
    }
}

diesel::table! {
    /// Provider events already applied.
    provider_events (provider, event_id) {
        /// `stripe`.
        provider -> Text,
        /// The provider's event id.
        event_id -> Text,
        /// When it was applied.
        received_at -> Timestamptz,
    }
}

diesel::table! {
    /// What a merchant's SERVICE_FEE links add on top of the amount, per currency.
    service_fees (merchant_uid, currency) {
        /// The merchant.
        merchant_uid -> Text,
        /// ISO 4217 code of the links it applies to.
        currency -> Text,
        /// The percentage part, in hundredths of a percent.
        basis_points -> Int4,
        /// The fixed part, in the currency's minor unit.
        fixed_minor -> Int8,
        /// Last change.
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(checkouts -> merchants (merchant_uid));
diesel::joinable!(service_fees -> merchants (merchant_uid));
diesel::joinable!(payments -> checkouts (checkout_id));
diesel::joinable!(refunds -> payments (payment_id));
diesel::allow_tables_to_appear_in_same_query!(
    merchants,
    api_keys,
    payment_links,
    contacts,
    payment_plan_sessions,
    link_deliveries,
    checkouts,
    payments,
    provider_events,
    refunds,
    processor_tasks,
    service_fees
);
