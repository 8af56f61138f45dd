//! The generated resolver traits, implemented by delegating each field to the module that owns
//! it. Rust wants one `impl` block per trait, so this file is the map from field to function.

use juniper::ID;

use super::generated::{
    Contact, ContactSelection, Contacts, ContactsSelection, CreateContactInput,
    CreateContactSelection, CreatePaymentLinkSelection, CreatePaymentPlanSessionInput,
    CreatePaymentPlanSessionSelection, LinkDelivery, Merchant, MerchantSelection, MoveDirection,
    MutationResolvers, OperationSuccess, Payment, PaymentLink, PaymentLinkDeliveriesSelection,
    PaymentLinkInput, PaymentLinkPaymentsSelection, PaymentLinks, PaymentLinksSelection,
    PaymentPlanSession, PaymentPlanSessionSelection, PaymentPlanSessions,
    PaymentPlanSessionsSelection, Payments, PaymentsSelection, QueryResolvers, Refund,
    RefundPaymentInput, RefundPaymentSelection, SendPaymentLinkInput, SendPaymentLinkSelection,
    SendPaymentPlanSessionLinkInput, SendPaymentPlanSessionLinkSelection, SqlQuery,
    UpdateContactInput, UpdateContactSelection, UpdatePaymentLinkInput, UpdatePaymentLinkSelection,
    UpdatePaymentPlanSessionInput, UpdatePaymentPlanSessionSelection,
};
use super::listing::ListArgs;
use super::{
    ApiError, Context, Resolvers, contacts, deliveries, merchants, payment_links, payments,
    sessions,
};

impl QueryResolvers for Resolvers {
    async fn payment_links(
        ctx: &Context,
        selection: PaymentLinksSelection<'_>,
        direction: Option<MoveDirection>,
        limit: Option<i32>,
        offset: Option<String>,
        offset_id: Option<String>,
        query: Option<SqlQuery>,
    ) -> Result<PaymentLinks, ApiError> {
        let args = ListArgs {
            count_wanted: selection.total_row_count(),
            direction,
            limit,
            offset,
            offset_id,
            query,
        };
        payment_links::list(ctx, args).await
    }

    async fn payments(
        ctx: &Context,
        selection: PaymentsSelection<'_>,
        direction: Option<MoveDirection>,
        limit: Option<i32>,
        offset: Option<String>,
        offset_id: Option<String>,
        query: Option<SqlQuery>,
    ) -> Result<Payments, ApiError> {
        let args = ListArgs {
            count_wanted: selection.total_row_count(),
            direction,
            limit,
            offset,
            offset_id,
            query,
        };
        payments::list(ctx, args).await
    }

    async fn payment_plan_sessions(
        ctx: &Context,
        selection: PaymentPlanSessionsSelection<'_>,
        direction: Option<MoveDirection>,
        limit: Option<i32>,
        offset: Option<String>,
        offset_id: Option<String>,
        query: Option<SqlQuery>,
    ) -> Result<PaymentPlanSessions, ApiError> {
        let args = ListArgs {
            count_wanted: selection.total_row_count(),
            direction,
            limit,
            offset,
            offset_id,
            query,
        };
        // The lists each item selects (field names of PaymentPlanSession's SDL), read for the
        // whole page at once.
        let wanted = sessions::Wanted {
            deliveries: selection.selects_within("items", "deliveries"),
            payments: selection.selects_within("items", "payments"),
            callbacks: selection.selects_within("items", "callbacks"),
        };
        sessions::list(ctx, wanted, args).await
    }

    async fn contacts(
        ctx: &Context,
        selection: ContactsSelection<'_>,
        direction: Option<MoveDirection>,
        limit: Option<i32>,
        offset: Option<String>,
        offset_id: Option<String>,
        query: Option<SqlQuery>,
    ) -> Result<Contacts, ApiError> {
        let args = ListArgs {
            count_wanted: selection.total_row_count(),
            direction,
            limit,
            offset,
            offset_id,
            query,
        };
        contacts::list(ctx, args).await
    }

    async fn contact(
        ctx: &Context,
        _: ContactSelection<'_>,
        id: ID,
    ) -> Result<Option<Contact>, ApiError> {
        contacts::get(ctx, id).await
    }

    async fn payment_plan_session(
        ctx: &Context,
        selection: PaymentPlanSessionSelection<'_>,
        id: ID,
    ) -> Result<Option<PaymentPlanSession>, ApiError> {
        sessions::get(
            ctx,
            sessions::Wanted {
                deliveries: selection.deliveries(),
                payments: selection.payments(),
                callbacks: selection.callbacks(),
            },
            id,
        )
        .await
    }

    async fn payment_link_deliveries(
        ctx: &Context,
        _: PaymentLinkDeliveriesSelection<'_>,
        link_id: String,
    ) -> Result<Vec<LinkDelivery>, ApiError> {
        deliveries::for_payment_link(ctx, link_id).await
    }

    async fn merchant(
        ctx: &Context,
        selection: MerchantSelection<'_>,
    ) -> Result<Merchant, ApiError> {
        merchants::get(ctx, selection.service_fees()).await
    }

    async fn payment_link_payments(
        ctx: &Context,
        _: PaymentLinkPaymentsSelection<'_>,
        link_id: String,
    ) -> Result<Vec<Payment>, ApiError> {
        payments::for_payment_link(ctx, link_id).await
    }
}

impl MutationResolvers for Resolvers {
    async fn refund_payment(
        ctx: &Context,
        _: RefundPaymentSelection<'_>,
        input: RefundPaymentInput,
    ) -> Result<Refund, ApiError> {
        payments::refund(ctx, input).await
    }

    async fn create_payment_link(
        ctx: &Context,
        _: CreatePaymentLinkSelection<'_>,
        input: PaymentLinkInput,
    ) -> Result<PaymentLink, ApiError> {
        payment_links::create(ctx, input).await
    }

    async fn update_payment_link(
        ctx: &Context,
        _: UpdatePaymentLinkSelection<'_>,
        input: UpdatePaymentLinkInput,
    ) -> Result<PaymentLink, ApiError> {
        payment_links::update(ctx, input).await
    }

    async fn create_contact(
        ctx: &Context,
        _: CreateContactSelection<'_>,
        input: CreateContactInput,
    ) -> Result<Contact, ApiError> {
        contacts::create(ctx, input).await
    }

    async fn update_contact(
        ctx: &Context,
        _: UpdateContactSelection<'_>,
        input: UpdateContactInput,
    ) -> Result<Contact, ApiError> {
        contacts::update(ctx, input).await
    }

    async fn create_payment_plan_session(
        ctx: &Context,
        selection: CreatePaymentPlanSessionSelection<'_>,
        input: CreatePaymentPlanSessionInput,
    ) -> Result<PaymentPlanSession, ApiError> {
        sessions::create(
            ctx,
            sessions::Wanted {
                deliveries: selection.deliveries(),
                payments: selection.payments(),
                callbacks: selection.callbacks(),
            },
            input,
        )
        .await
    }

    async fn update_payment_plan_session(
        ctx: &Context,
        selection: UpdatePaymentPlanSessionSelection<'_>,
        input: UpdatePaymentPlanSessionInput,
    ) -> Result<PaymentPlanSession, ApiError> {
        sessions::update(
            ctx,
            sessions::Wanted {
                deliveries: selection.deliveries(),
                payments: selection.payments(),
                callbacks: selection.callbacks(),
            },
            input,
        )
        .await
    }

    async fn send_payment_plan_session_link(
        ctx: &Context,
        _: SendPaymentPlanSessionLinkSelection<'_>,
        input: SendPaymentPlanSessionLinkInput,
    ) -> Result<OperationSuccess, ApiError> {
        deliveries::send_session_link(ctx, input).await
    }

    async fn send_payment_link(
        ctx: &Context,
        _: SendPaymentLinkSelection<'_>,
        input: SendPaymentLinkInput,
    ) -> Result<OperationSuccess, ApiError> {
        deliveries::send_payment_link(ctx, input).await
    }
}
