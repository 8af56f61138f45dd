//! The served schema against the checked-in SDL: every difference the contract diff finds
//! (descriptions included) counts, so `schema check` passes only when they are the same.

use std::path::Path;

use paylink_contract::{SdlSource, Side};

/// Every semantic difference between the SDL in `dir` and the schema this binary serves, one
/// line each.
pub fn differences(dir: &Path) -> std::io::Result<Vec<String>> {
    let invalid = |error: String| std::io::Error::new(std::io::ErrorKind::InvalidData, error);
    let contract = Side::Path(dir.to_path_buf())
        .load(&[])
        .map_err(|error| invalid(error.to_string()))?;
    let served =
        paylink_contract::sdl::parse(&[SdlSource::new("served schema", super::schema().as_sdl())])
            .map_err(|error| invalid(error.to_string()))?;
    Ok(paylink_contract::diff(&contract, &served)
        .into_iter()
        .map(|change| {
            format!(
                "{}: {} ({})",
                change.coordinate, change.reason, change.criticality
            )
        })
        .collect())
}
