//! The hosted payment page, `/c/pay/{id}`: a plain form, no JavaScript.

use super::{
    Answer, ReceivedRequest, Shared, charges,
    session::{Finish, Session, format_minor},
    unix_now,
    webhooks::new_event,
};

/// Stripe's test cards that pay.
const PAYING_CARDS: [&str; 2] = ["4242424242424242", "5555555555554444"];

/// Stripe's test card that is declined (`card_declined`, `generic_decline`).
const DECLINED_CARD: &str = "4000000000000002";

pub(super) fn respond(shared: &Shared, request: &ReceivedRequest, path: &str) -> Answer {
    let id = path.trim_start_matches("/c/pay/");
    let mut state = shared.lock();
    let Some(at) = state.sessions.iter().position(|s| s.id == id) else {
        return Answer::html(404, page("Not found", "<p>No such Checkout Session.</p>"));
    };
    let session = &state.sessions[at];
    // Past `expires_at` Stripe's page takes no payment, even before the session is expired.
    if session.status != "open" || session.is_past_expiry(unix_now()) {
        let text = if session.status == "complete" {
            "This Checkout Session is complete."
        } else {
            "This Checkout Session is no longer active."
        };
        return Answer::html(200, page(&session.title(), &format!("<p>{text}</p>")));
    }
    match request.method.as_str() {
        "GET" => Answer::html(200, checkout_form(session, None)),
        "POST" => {
            let card: String = request
                .field("cardnumber")
                .unwrap_or_default()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            let takes_cards = session.payment_method_types.iter().any(|t| t == "card");
            let refusal = if !takes_cards {
                Some("Card payments are not available for this Checkout Session.")
            } else if card == DECLINED_CARD {
                Some("Your card was declined.")
            } else if !PAYING_CARDS.contains(&card.as_str()) {
                Some("Your card number is invalid.")
            } else {
                None
            };
            if let Some(refusal) = refusal {
                return Answer::html(200, checkout_form(session, Some(refusal)));
            }
            let event_type = match charges::finish(&mut state, at, Finish::Card) {
                Ok(event_type) => event_type,
                Err(message) => return Answer::html(409, page("Conflict", &escape(&message))),
            };
            let session = state.sessions[at].clone();
            let location = session
                .success_url
                .replace("{CHECKOUT_SESSION_ID}", &session.id);
            let event = new_event(&mut state, event_type, &session);
            Answer {
                events: vec![event],
                ..Answer::html(303, String::new()).header("Location", location)
            }
        }
        _ => Answer::html(
            405,
            page("Method not allowed", "<p>Method not allowed.</p>"),
        ),
    }
}

fn checkout_form(session: &Session, refusal: Option<&str>) -> String {
    let alert = refusal.map_or_else(String::new, |text| {
        format!("<p role=\"alert\">{}</p>\n", escape(text))
    });
    let cancel = session.cancel_url.as_ref().map_or_else(String::new, |url| {
        format!("<p><a href=\"{}\">Cancel</a></p>\n", escape(url))
    });
    // Checkout lists the line items when there are several, then charges their sum.
    let lines = if session.line_items.len() > 1 {
        let items: String = session
            .line_items
            .iter()
            .map(|item| {
                format!(
                    "<li>{}: {}</li>\n",
                    escape(&item.name),
                    escape(&format_minor(
                        item.unit_amount * item.quantity,
                        &item.currency
                    ))
                )
            })
            .collect();
        format!("<ul class=\"line-items\">\n{items}</ul>\n")
    } else {
        String::new()
    };
    let body = format!(
        concat!(
            "{lines}<p class=\"amount\">{amount}</p>\n{alert}",
            "<form method=\"post\" action=\"/c/pay/{id}\">\n",
            "<label for=\"cardnumber\">Card number</label>\n",
            "<input id=\"cardnumber\" name=\"cardnumber\" inputmode=\"numeric\" autocomplete=\"cc-number\" required>\n",
            "<button type=\"submit\">Pay</button>\n",
            "</form>\n{cancel}"
        ),
        lines = lines,
        amount = escape(&session.amount_text()),
        alert = alert,
        id = escape(&session.id),
        cancel = cancel,
    );
    page(&session.title(), &body)
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>{title} | Stripe Checkout (test stand-in)</title></head>\n<body><main>\n<h1>{title}</h1>\n{body}</main></body>\n</html>\n",
        title = escape(title),
    )
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_is_escaped() {
        assert_eq!(
            super::escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
