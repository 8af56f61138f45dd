//! What a contact's fields must be: a valid email address, an E.164 phone number, short names.

use email_address::{EmailAddress, Options};

use super::InvalidField;

/// The phone number that hints and errors give as an example: one the check below accepts
/// (the 555 numbers of films and docs are not valid numbers, so a form would refuse its own
/// example).
pub const PHONE_EXAMPLE: &str = "+14155552671";

/// Longest name field.
pub const MAX_NAME_CHARS: usize = 255;

/// Checks an email address; returns it as given.
pub fn email(field: &str, value: &str) -> Result<String, InvalidField> {
    let trimmed = value.trim();
    // The crate's default also takes a mailbox with a display name ("Jo <jo@example.com>"),
    // which is not an address and would be stored and sent as given.
    let options = Options::default().without_display_text();
    if EmailAddress::parse_with_options(trimmed, options).is_ok() {
        Ok(trimmed.to_owned())
    } else {
        Err(InvalidField::new(
            field,
            format!("must be a valid email address, not {value:?}"),
        ))
    }
}

/// Checks a phone number in E.164 form (`+` and the country code); returns its E.164 spelling.
pub fn phone(field: &str, value: &str) -> Result<String, InvalidField> {
    let invalid = || {
        InvalidField::new(
            field,
            format!(
                "must be a valid phone number in E.164 form such as {PHONE_EXAMPLE}, not {value:?}"
            ),
        )
    };
    let trimmed = value.trim();
    if !trimmed.starts_with('+') {
        return Err(invalid());
    }
    let number = phonenumber::parse(None, trimmed).map_err(|_| invalid())?;
    if !phonenumber::is_valid(&number) {
        return Err(invalid());
    }
    Ok(number.format().mode(phonenumber::Mode::E164).to_string())
}

/// Checks a name field's length.
pub fn name(field: &str, value: &str) -> Result<String, InvalidField> {
    super::storable_text(field, value)?;
    let trimmed = value.trim();
    if trimmed.chars().count() > MAX_NAME_CHARS {
        return Err(InvalidField::new(
            field,
            format!("must be at most {MAX_NAME_CHARS} characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            email("email", " jo@example.com ").unwrap(),
            "jo@example.com"
        );
        for bad in [
            "jo",
            "jo@",
            "@example.com",
            "jo example@x.com",
            "Jo <jo@example.com>",
        ] {
            assert_eq!(email("email", bad).unwrap_err().field, "email", "{bad}");
        }
    }

    #[test]
    fn phones_must_be_valid_e164() {
        assert_eq!(phone("phone", "+14155552671").unwrap(), "+14155552671");
        assert_eq!(phone("phone", "+44 20 7946 0958").unwrap(), "+442079460958");
        for bad in ["4155552671", "+1", "+1555", "phone", "+999123456789"] {
            assert!(phone("phone", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_example_number_is_accepted() {
        assert_eq!(phone("phone", PHONE_EXAMPLE).unwrap(), PHONE_EXAMPLE);
        let refusal = phone("phone", "+15551234567").unwrap_err().message;
        assert!(refusal.contains(PHONE_EXAMPLE), "{refusal}");
    }

    #[test]
    fn names_are_bounded() {
        assert!(name("name", &"x".repeat(255)).is_ok());
        assert!(name("name", &"x".repeat(256)).is_err());
    }
}
