//! A header sent with the introspection query of an endpoint side.

use std::fmt;

/// An HTTP header sent with the introspection query, such as `Authorization: Bearer ...`.
#[derive(Clone, PartialEq, Eq)]
pub struct Header {
    /// The header's name.
    pub name: String,
    /// The header's value.
    pub value: String,
}

impl Header {
    /// Reads `Name: value`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (name, value) = text
            .split_once(':')
            .ok_or_else(|| format!("{text:?} is not `Name: value`"))?;
        let name = name.trim();
        let valid_name = !name.is_empty()
            && name
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte));
        if !valid_name {
            return Err(format!("{name:?} is not a valid header name"));
        }
        Ok(Self {
            name: name.to_owned(),
            value: value.trim().to_owned(),
        })
    }
}

/// Headers often carry credentials: only the name is shown.
impl fmt::Debug for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Header({}: ...)", self.name)
    }
}
