//! The payer's pages: what a payment link and a payment-plan session open, the test-mode card
//! page, and the pages that say a link is gone or a payment went through.
//!
//! Each page is a plain struct rendered by an askama template checked at compile time; every
//! value is HTML-escaped unless a template says otherwise (none does). The crate knows nothing
//! of HTTP, the database or money: callers pass finished text (amounts already formatted for
//! their currency), and serve [`STYLESHEET`] at [`Chrome::stylesheet`]'s path. No page needs
//! JavaScript, and none loads anything from elsewhere, so a strict Content-Security-Policy
//! (`default-src 'none'; style-src 'self'`) holds.

pub use askama::Template;

/// The stylesheet every page links to; the binary serves it.
pub const STYLESHEET: &str = include_str!("../assets/pages.css");

/// What every page shows around its content.
#[derive(Clone, Debug)]
pub struct Chrome {
    /// The page's title, before the merchant's name.
    pub title: String,
    /// The merchant's name, or the service's when the page belongs to no merchant.
    pub merchant_name: String,
    /// Whether payments are simulated: every page then says so.
    pub test_mode: bool,
    /// Path of [`STYLESHEET`].
    pub stylesheet: String,
}

/// A problem with one form field, listed in the page's error summary.
#[derive(Clone, Debug)]
pub struct FieldError {
    /// The id of the field's input, which the summary links to.
    pub field: &'static str,
    /// What is wrong, in words for the payer.
    pub message: String,
}

/// One payment method the payer may choose.
#[derive(Clone, Debug)]
pub struct MethodChoice {
    /// The form value.
    pub value: &'static str,
    /// Its name for the payer.
    pub label: &'static str,
    /// Whether it is chosen.
    pub checked: bool,
}

/// The amount field of a link whose payer chooses the amount.
#[derive(Clone, Debug)]
pub struct AmountField {
    /// The currency's code, shown in the label.
    pub currency: String,
    /// The field's value: the link's suggested amount, or what the payer typed.
    pub value: String,
    /// The bounds, in words ("Between $5.00 and $100.00.").
    pub hint: String,
    /// What is wrong with the value posted.
    pub error: Option<String>,
}

/// The phone field of a link that requires one.
#[derive(Clone, Debug)]
pub struct PhoneField {
    /// What the payer typed.
    pub value: String,
    /// A number the check accepts, given in the hint as an example.
    pub example: &'static str,
    /// What is wrong with it.
    pub error: Option<String>,
}

/// The optional field for the address a receipt goes to.
#[derive(Clone, Debug)]
pub struct EmailField {
    /// What the payer typed.
    pub value: String,
    /// What is wrong with it.
    pub error: Option<String>,
}

/// A charge on lines of its own: the amount, the service fee added to it, and the total.
#[derive(Clone, Debug)]
pub struct Charges {
    /// The amount, formatted.
    pub amount_text: String,
    /// What the fee's line is called ("Service fee").
    pub fee_label: String,
    /// The fee, formatted.
    pub fee_text: String,
    /// The amount and the fee together, formatted.
    pub total_text: String,
}

/// The page a payment link opens.
#[derive(Clone, Debug, Template)]
#[template(path = "link.html")]
pub struct LinkPage {
    /// Around the content.
    pub chrome: Chrome,
    /// The form's target.
    pub action: String,
    /// The payment's name.
    pub payment_name: String,
    /// Its description.
    pub payment_description: Option<String>,
    /// The fixed amount, formatted; with a variable amount, its suggestion or bounds.
    pub amount_text: String,
    /// A fixed amount with a service fee: shown line by line instead of `amount_text`.
    pub charges: Option<Charges>,
    /// The amount field, when the payer chooses the amount.
    pub amount_field: Option<AmountField>,
    /// The phone field, when the link requires one.
    pub phone_field: Option<PhoneField>,
    /// The receipt's address, optional.
    pub email_field: EmailField,
    /// Methods payable online; empty when the link takes cash only.
    pub methods: Vec<MethodChoice>,
    /// Whether the link also takes cash, which is paid to the merchant directly.
    pub cash_accepted: bool,
    /// The button's text (Pay, Donate, Book).
    pub button: String,
    /// Problems with what was posted.
    pub errors: Vec<FieldError>,
}

/// The page a payment-plan session's link opens.
#[derive(Clone, Debug, Template)]
#[template(path = "plan.html")]
pub struct PlanPage {
    /// Around the content.
    pub chrome: Chrome,
    /// The form's target.
    pub action: String,
    /// The contact's name.
    pub contact_name: Option<String>,
    /// Each payment, formatted.
    pub amount_text: String,
    /// How often, in words.
    pub frequency: String,
    /// The first payment's date, in words.
    pub start_date: String,
    /// Number of payments.
    pub occurrences: i32,
    /// All payments together, formatted.
    pub total_text: String,
    /// Methods to choose from.
    pub methods: Vec<MethodChoice>,
    /// The merchant's page for a payer who does not want the plan.
    pub cancel_url: Option<String>,
    /// Problems with what was posted.
    pub errors: Vec<FieldError>,
}

/// The test-mode card page, standing in for the provider's own.
#[derive(Clone, Debug, Template)]
#[template(path = "test_checkout.html")]
pub struct TestCheckoutPage {
    /// Around the content.
    pub chrome: Chrome,
    /// The form's target.
    pub action: String,
    /// The heading: what the card does ("Pay 25.00 USD").
    pub heading: String,
    /// The button's text.
    pub button: String,
    /// What is paid for, and when.
    pub description: String,
    /// The amount, its service fee and their total, when a fee is charged.
    pub charges: Option<Charges>,
    /// What the payer typed.
    pub card_value: String,
    /// Why the card was refused.
    pub card_error: Option<String>,
    /// Where "Cancel" goes.
    pub cancel_url: String,
    /// Problems with what was posted.
    pub errors: Vec<FieldError>,
}

/// The page after paying: the merchant's success message, or that the payment is on its way.
#[derive(Clone, Debug, Template)]
#[template(path = "done.html")]
pub struct DonePage {
    /// Around the content.
    pub chrome: Chrome,
    /// The heading.
    pub heading: String,
    /// The message.
    pub message: String,
    /// The amount paid, formatted.
    pub amount_text: Option<String>,
    /// While the provider has not confirmed: this page's URL, for a link that looks again. The
    /// page does not reload itself on a timer: that would start a screen reader over each time
    /// and change the page under the payer unasked (WCAG 2.2.1).
    pub check_again: Option<String>,
}

/// A link back from a message page.
#[derive(Clone, Debug)]
pub struct Back {
    /// Where it goes.
    pub href: String,
    /// Its text.
    pub label: String,
}

/// A page that only says something: not found, no longer available, try again later.
#[derive(Clone, Debug, Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    /// Around the content.
    pub chrome: Chrome,
    /// The heading.
    pub heading: String,
    /// The message.
    pub message: String,
    /// A link to go on with.
    pub back: Option<Back>,
}

/// Renders a page. The templates are checked at compile time, so only a failing `Display` of a
/// value could make this fail, and the values here are strings and numbers, whose never does.
pub fn render(page: &impl Template) -> Result<String, askama::Error> {
    page.render()
}
