//! The generated resolver traits, implemented by delegating each field to the module that owns
//! it. Rust wants one `impl` block per trait, so this file is the map from field to function.

use juniper::ID;

use super::generated::{
    Contact, CreateContactInput, CreatePaymentPlanSessionInput, LinkDelivery, MoveDirection,
    MutationResolvers, OperationSuccess, PaymentLink, PaymentLinkInput, PaymentLinks,
    PaymentPlanSession, QueryResolvers, Selection, SendPaymentLinkInput,
    SendPaymentPlanSessionLinkInput, SqlQuery, UpdateContactInput, UpdatePaymentLinkInput,
    UpdatePaymentPlanSessionInput,
};
use super::{ApiError, Context, Resolvers, contacts, deliveries, payment_links, sessions};

impl QueryResolvers for Resolvers {
    async fn payment_links(
        ctx: &Context,
        selection: Selection,
        direction: Option<MoveDirection>,
        limit: Option<i32>,
        offset: Option<String>,
        offset_id: Option<String>,
        query: Option<SqlQuery>,
    ) -> Result<PaymentLinks, ApiError> {
        payment_links::list(ctx, selection, direction, limit, offset, offset_id, query).await
    }

    async fn contact(ctx: &Context, _: Selection, id: ID) -> Result<Option<Contact>, ApiError> {
        contacts::get(ctx, id).await
    }

    async fn payment_plan_session(
        ctx: &Context,
        selection: Selection,
        id: ID,
    ) -> Result<Option<PaymentPlanSession>, ApiError> {
        sessions::get(ctx, selection, id).await
    }

    async fn payment_link_deliveries(
        ctx: &Context,
        _: Selection,
        link_id: String,
    ) -> Result<Vec<LinkDelivery>, ApiError> {
        deliveries::for_payment_link(ctx, link_id).await
    }
}

impl MutationResolvers for Resolvers {
    async fn create_payment_link(
        ctx: &Context,
        _: Selection,
        input: PaymentLinkInput,
    ) -> Result<PaymentLink, ApiError> {
        payment_links::create(ctx, input).await
    }

    async fn update_payment_link(
        ctx: &Context,
        _: Selection,
        input: UpdatePaymentLinkInput,
    ) -> Result<PaymentLink, ApiError> {
        payment_links::update(ctx, input).await
    }

    async fn create_contact(
        ctx: &Context,
        _: Selection,
        input: CreateContactInput,
    ) -> Result<Contact, ApiError> {
        contacts::create(ctx, input).await
    }

    async fn update_contact(
        ctx: &Context,
        _: Selection,
        input: UpdateContactInput,
    ) -> Result<Contact, ApiError> {
        contacts::update(ctx, input).await
    }

    async fn create_payment_plan_session(
        ctx: &Context,
        selection: Selection,
        input: CreatePaymentPlanSessionInput,
    ) -> Result<PaymentPlanSession, ApiError> {
        sessions::create(ctx, selection, input).await
    }

    async fn update_payment_plan_session(
        ctx: &Context,
        selection: Selection,
        input: UpdatePaymentPlanSessionInput,
    ) -> Result<PaymentPlanSession, ApiError> {
        sessions::update(ctx, selection, input).await
    }

    async fn send_payment_plan_session_link(
        ctx: &Context,
        _: Selection,
        input: SendPaymentPlanSessionLinkInput,
    ) -> Result<OperationSuccess, ApiError> {
        deliveries::send_session_link(ctx, input).await
    }

    async fn send_payment_link(
        ctx: &Context,
        _: Selection,
        input: SendPaymentLinkInput,
    ) -> Result<OperationSuccess, ApiError> {
        deliveries::send_payment_link(ctx, input).await
    }
}
