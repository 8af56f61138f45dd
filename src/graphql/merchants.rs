//! Resolvers of the caller's merchant: its name and its service fees.

use paylink_store::service_fees::ServiceFeeRow;

use super::generated::{Merchant, ServiceFee};
use super::{ApiError, Context};
use crate::domain::service_fee::Percent;

/// `merchant`: the API key's merchant, with its service fees when `fees_wanted`.
pub(super) async fn get(ctx: &Context, fees_wanted: bool) -> Result<Merchant, ApiError> {
    let merchant = ctx
        .store
        .find_merchant(&ctx.merchant_uid)
        .await?
        .ok_or_else(|| ApiError::internal(format!("merchant {} is missing", ctx.merchant_uid)))?;
    let service_fees = if fees_wanted {
        ctx.store
            .service_fees(&ctx.merchant_uid)
            .await?
            .into_iter()
            .map(to_service_fee)
            .collect::<Result<_, _>>()?
    } else {
        Vec::new()
    };
    Ok(Merchant {
        merchant_uid: merchant.merchant_uid,
        name: merchant.name,
        service_fees,
    })
}

/// The API's view of a stored fee.
fn to_service_fee(row: ServiceFeeRow) -> Result<ServiceFee, ApiError> {
    let percent = Percent::from_basis_points(row.basis_points).ok_or_else(|| {
        ApiError::internal(format!("service fee of {} out of bounds", row.merchant_uid))
    })?;
    let fixed = i32::try_from(row.fixed_minor).map_err(|_| {
        ApiError::internal(format!(
            "service fee of {} out of Int range",
            row.merchant_uid
        ))
    })?;
    Ok(ServiceFee {
        currency: row.currency,
        percent: percent.text(),
        basis_points: percent.basis_points(),
        fixed,
    })
}
