//! Resolvers of contacts.

use juniper::ID;
use paylink_store::contacts::ContactRow;
use paylink_store::listing::Listing;

use super::generated::{Contact, Contacts, CreateContactInput, UpdateContactInput};
use super::listing::{ListArgs, boundary, list_request, total_row_count, unknown_boundary};
use super::patch::set_optional;
use super::scalars::DateTime;
use super::sql_query::fields::ContactFields;
use super::{ApiError, Context};
use crate::domain::{contact_rules, ids, timestamps};

/// `contacts`: one page of the caller's contacts, counted as well when asked.
pub(super) async fn list(ctx: &Context, args: ListArgs) -> Result<Contacts, ApiError> {
    let request = list_request::<ContactFields>(args)?;
    let after = boundary(&request);
    let Listing { rows, total } = ctx
        .store
        .list_contacts(&ctx.merchant_uid, request)
        .await?
        .ok_or_else(|| unknown_boundary(after, "contacts"))?;
    Ok(Contacts {
        items: rows.into_iter().map(to_contact).collect(),
        total_row_count: total_row_count(total),
    })
}

/// `contact(id)`: the caller's contact, or null.
pub(super) async fn get(ctx: &Context, id: ID) -> Result<Option<Contact>, ApiError> {
    let row = ctx.store.find_contact(&ctx.merchant_uid, &id).await?;
    Ok(row.map(to_contact))
}

/// `createContact`.
pub(super) async fn create(ctx: &Context, input: CreateContactInput) -> Result<Contact, ApiError> {
    let now = timestamps::now();
    let mut row = ContactRow {
        id: ids::new_contact_id(),
        merchant_uid: ctx.merchant_uid.clone(),
        name: input.name,
        given_name: input.given_name,
        family_name: input.family_name,
        email: input.email,
        phone: input.phone,
        created_at: now,
        updated_at: now,
    };
    normalize(&mut row)?;
    let row = ctx.store.insert_contact(row).await?;
    Ok(to_contact(row))
}

/// `updateContact`: omitted fields stay, null clears.
pub(super) async fn update(ctx: &Context, input: UpdateContactInput) -> Result<Contact, ApiError> {
    let id = input.id.to_string();
    let missing = format!("contact {id} not found");
    let row = ctx
        .store
        .update_contact(&ctx.merchant_uid, &id, |mut row| {
            set_optional(&mut row.name, input.name);
            set_optional(&mut row.given_name, input.given_name);
            set_optional(&mut row.family_name, input.family_name);
            set_optional(&mut row.email, input.email);
            set_optional(&mut row.phone, input.phone);
            row.updated_at = timestamps::now();
            normalize(&mut row)?;
            Ok::<_, ApiError>(row)
        })
        .await
        .map_err(|error| match error {
            ApiError::NotFound(_) => ApiError::NotFound(missing),
            other => other,
        })?;
    Ok(to_contact(row))
}

/// Checks every field and stores emails trimmed and phones in E.164 spelling.
fn normalize(row: &mut ContactRow) -> Result<(), ApiError> {
    for (field, value) in [
        ("name", &mut row.name),
        ("givenName", &mut row.given_name),
        ("familyName", &mut row.family_name),
    ] {
        if let Some(text) = value {
            *text = contact_rules::name(field, text)?;
        }
    }
    if let Some(email) = &mut row.email {
        *email = contact_rules::email("email", email)?;
    }
    if let Some(phone) = &mut row.phone {
        *phone = contact_rules::phone("phone", phone)?;
    }
    Ok(())
}

/// The API's view of a contact.
pub(super) fn to_contact(row: ContactRow) -> Contact {
    Contact {
        id: ID::new(row.id),
        name: row.name,
        given_name: row.given_name,
        family_name: row.family_name,
        email: row.email,
        phone: row.phone,
        created_at: DateTime(row.created_at),
        updated_at: DateTime(row.updated_at),
    }
}
