//! What a refund asks of Stripe, the form Stripe reads it from, and the refund Stripe makes.

/// One refund to create: all or part of one payment back to the payer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    /// Sent as `Idempotency-Key`; made once per paylink refund and reused for every attempt,
    /// so that Stripe refunds at most once for it (1 to 255 characters). Stripe forgets a key
    /// after 24 hours, and answers a key reused with other parameters with an error.
    pub idempotency_key: String,
    /// The PaymentIntent (`pi_…`) of the payment to refund: a payment-mode session's
    /// `payment_intent`, or a plan invoice's.
    pub payment_intent: String,
    /// `amount` in the currency's minor unit, at most what the payment has left to refund;
    /// `None` refunds all that is left.
    pub amount_minor: Option<i64>,
    /// `reason`, when one applies.
    pub reason: Option<RefundReason>,
    /// Sent as `metadata[k]=v` on the refund; the same limits as a session's metadata (50
    /// keys of at most 40 characters, values of at most 500).
    pub metadata: Vec<(String, String)>,
}

/// Why a payment is refunded: Stripe's three reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefundReason {
    /// `duplicate`: the payer paid twice.
    Duplicate,
    /// `fraudulent`: Stripe also adds the card and email to the account's block lists.
    Fraudulent,
    /// `requested_by_customer`.
    RequestedByCustomer,
}

impl RefundReason {
    /// Stripe's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            RefundReason::Duplicate => "duplicate",
            RefundReason::Fraudulent => "fraudulent",
            RefundReason::RequestedByCustomer => "requested_by_customer",
        }
    }
}

/// A refund Stripe made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedRefund {
    /// `re_…`.
    pub id: String,
    /// Where it stands; a card's refund is usually `Succeeded` at once, a bank debit's
    /// `Pending` for days. Later changes come by webhook
    /// ([`EventKind::RefundUpdated`](crate::EventKind::RefundUpdated),
    /// [`EventKind::ChargeRefunded`](crate::EventKind::ChargeRefunded)).
    pub status: RefundStatus,
    /// What is refunded, in minor units: the amount asked for, or all that was left.
    pub amount_minor: i64,
}

/// A refund's `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefundStatus {
    /// `pending`: on its way back to the payer.
    Pending,
    /// `requires_action`: the payer must act (some payment methods ask where to send the
    /// money).
    RequiresAction,
    /// `succeeded`.
    Succeeded,
    /// `failed`: the money went back to the merchant's balance.
    Failed,
    /// `canceled`.
    Canceled,
}

impl RefundStatus {
    /// Stripe's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            RefundStatus::Pending => "pending",
            RefundStatus::RequiresAction => "requires_action",
            RefundStatus::Succeeded => "succeeded",
            RefundStatus::Failed => "failed",
            RefundStatus::Canceled => "canceled",
        }
    }

    /// The status Stripe's word names, e.g. a [`RefundObject`](crate::RefundObject)'s
    /// `status`; `None` for a word Stripe did not document.
    pub fn from_stripe(word: &str) -> Option<RefundStatus> {
        [
            RefundStatus::Pending,
            RefundStatus::RequiresAction,
            RefundStatus::Succeeded,
            RefundStatus::Failed,
            RefundStatus::Canceled,
        ]
        .into_iter()
        .find(|status| status.as_str() == word)
    }
}

/// The form of `POST /v1/refunds`.
pub(crate) fn form_fields(request: &RefundRequest) -> Vec<(String, String)> {
    let mut form = vec![(
        "payment_intent".to_owned(),
        request.payment_intent.trim().to_owned(),
    )];
    if let Some(amount) = request.amount_minor {
        form.push(("amount".into(), amount.to_string()));
    }
    if let Some(reason) = request.reason {
        form.push(("reason".into(), reason.as_str().into()));
    }
    for (key, value) in &request.metadata {
        form.push((format!("metadata[{key}]"), value.clone()));
    }
    form
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_refund_sends_its_amount_reason_and_metadata() {
        let request = RefundRequest {
            idempotency_key: "k".into(),
            payment_intent: " pi_123 ".into(),
            amount_minor: Some(500),
            reason: Some(RefundReason::RequestedByCustomer),
            metadata: vec![
                ("refund".into(), "rf_1".into()),
                ("by".into(), "mer_1".into()),
            ],
        };
        let form = form_fields(&request);
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            pairs,
            [
                ("payment_intent", "pi_123"),
                ("amount", "500"),
                ("reason", "requested_by_customer"),
                ("metadata[refund]", "rf_1"),
                ("metadata[by]", "mer_1"),
            ]
        );
    }

    #[test]
    fn a_full_refund_sends_only_the_payment() {
        let request = RefundRequest {
            idempotency_key: "k".into(),
            payment_intent: "pi_123".into(),
            amount_minor: None,
            reason: None,
            metadata: Vec::new(),
        };
        assert_eq!(
            form_fields(&request),
            [("payment_intent".to_owned(), "pi_123".to_owned())]
        );
    }

    #[test]
    fn statuses_and_reasons_use_stripes_words() {
        for status in [
            RefundStatus::Pending,
            RefundStatus::RequiresAction,
            RefundStatus::Succeeded,
            RefundStatus::Failed,
            RefundStatus::Canceled,
        ] {
            assert_eq!(RefundStatus::from_stripe(status.as_str()), Some(status));
        }
        assert_eq!(RefundStatus::from_stripe("refunded"), None);
        assert_eq!(RefundReason::Duplicate.as_str(), "duplicate");
        assert_eq!(RefundReason::Fraudulent.as_str(), "fraudulent");
    }
}
