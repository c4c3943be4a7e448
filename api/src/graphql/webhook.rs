//! Webhook subscriptions, their delivery log and redelivery, for admins (see `service::webhook`).

use async_graphql::{ComplexObject, Context, ErrorExtensions, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{webhook, webhook_attempt, webhook_delivery};
use uuid::Uuid;

use super::mutation::fail;
use crate::{
    auth::{Caller, policy::Operation},
    config::WebhookSettings,
    error::{ApiError, GqlResult},
    service::{self, webhook::WebhookInput},
};

/// Fails unless the caller may manage webhooks (admins).
fn require(ctx: &Context<'_>) -> GqlResult<()> {
    ctx.data::<Caller>()?.require(Operation::ManageWebhooks).map(|_| ()).map_err(|error| error.extend())
}

fn uuid_of(field: &str, id: &ID) -> GqlResult<Uuid> {
    id.parse::<Uuid>()
        .map_err(|_| ApiError::bad_input(field, format!("`{}` is not a webhook id", id.as_str())).extend())
}

fn settings<'a>(ctx: &Context<'a>) -> GqlResult<&'a WebhookSettings> {
    ctx.data::<WebhookSettings>()
}

/// A webhook subscription: where newsroom sends which events.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Webhook {
    /// Its id (a UUID).
    id: ID,
    /// Where deliveries are POSTed.
    url: String,
    /// The events it receives: `release.published`, a type's `release.*`, or `*`.
    events: Vec<String>,
    /// What it is for, in the admins' words.
    description: Option<String>,
    /// Whether deliveries are sent. Newsroom turns it off when the receiver answers 410 Gone.
    enabled: bool,
    /// Why newsroom turned it off.
    disabled_reason: Option<String>,
    /// Until when deliveries are also signed with the secret before the last rotation.
    previous_secret_until: Option<DateTime<Utc>>,
    /// When it was created.
    created_at: DateTime<Utc>,
    /// When it last changed.
    updated_at: DateTime<Utc>,
    #[graphql(skip)]
    key: i32,
}

impl From<webhook::Model> for Webhook {
    fn from(row: webhook::Model) -> Self {
        Self {
            id: ID(row.public_id.to_string()),
            url: row.url,
            events: row.events.split(',').map(str::to_owned).collect(),
            description: row.description,
            enabled: row.enabled,
            disabled_reason: row.disabled_reason,
            previous_secret_until: row.previous_secret_until,
            created_at: row.created_at,
            updated_at: row.updated_at,
            key: row.id,
        }
    }
}

#[ComplexObject]
impl Webhook {
    /// Its deliveries, newest first: the delivery log.
    async fn deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only those in this state: `pending`, `delivered` or `failed`.")] status: Option<String>,
        #[graphql(desc = "How many (default 50, at most 500).", default = 50)] first: i32,
    ) -> GqlResult<Vec<WebhookDelivery>> {
        if !(0..=500).contains(&first) {
            return Err(ApiError::PageSizeExceeded { argument: "first", max: 500, requested: first.into() }.extend());
        }
        let db = super::db(ctx)?;
        let rows = service::webhook::deliveries(db, self.key, status.as_deref(), first as u64)
            .await
            .map_err(|error| error.extend())?;
        let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
        let attempts = service::webhook::attempts(db, &ids).await.map_err(|error| error.extend())?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let of: Vec<WebhookAttempt> =
                    attempts.iter().filter(|a| a.delivery_id == row.id).cloned().map(WebhookAttempt::from).collect();
                WebhookDelivery::new(row, of)
            })
            .collect())
    }
}

/// One event on its way to a webhook.
#[derive(SimpleObject)]
pub struct WebhookDelivery {
    /// Its id, for `redeliverWebhookDelivery`.
    id: ID,
    /// The `webhook-id` header: the same on every attempt and redelivery.
    message_id: String,
    /// The event, e.g. `release.published`.
    event: String,
    /// The change-log cursor of the change it announces.
    cursor: String,
    /// `pending`, `delivered` or `failed` (the retries ran out, or the receiver answered 410).
    status: String,
    /// Attempts made so far.
    attempt_count: i32,
    /// When the next attempt is due, while pending.
    next_attempt_at: DateTime<Utc>,
    /// The HTTP status of the last attempt (none when it got no answer).
    last_status: Option<i32>,
    /// Why the last attempt failed without an answer (a timeout, a refused connection).
    last_error: Option<String>,
    /// When the receiver accepted it.
    delivered_at: Option<DateTime<Utc>>,
    /// When the change it announces committed.
    created_at: DateTime<Utc>,
    /// The JSON body every attempt sends.
    payload: String,
    /// Each attempt, oldest first.
    attempts: Vec<WebhookAttempt>,
}

impl WebhookDelivery {
    fn new(row: webhook_delivery::Model, attempts: Vec<WebhookAttempt>) -> Self {
        Self {
            id: ID(row.id.to_string()),
            message_id: row.message_id,
            event: row.event,
            cursor: row.position.to_string(),
            status: row.status,
            attempt_count: row.attempts,
            next_attempt_at: row.next_attempt_at,
            last_status: row.last_status,
            last_error: row.last_error,
            delivered_at: row.delivered_at,
            created_at: row.created_at,
            payload: row.payload,
            attempts,
        }
    }
}

/// One attempt at a delivery.
#[derive(SimpleObject)]
pub struct WebhookAttempt {
    /// When it was sent.
    attempted_at: DateTime<Utc>,
    /// The receiver's HTTP status; none when it did not answer.
    status_code: Option<i32>,
    /// How long the attempt took, in milliseconds.
    duration_ms: i32,
    /// Why there was no answer.
    error: Option<String>,
}

impl From<webhook_attempt::Model> for WebhookAttempt {
    fn from(row: webhook_attempt::Model) -> Self {
        Self {
            attempted_at: row.attempted_at,
            status_code: row.status_code,
            duration_ms: row.duration_ms,
            error: row.error,
        }
    }
}

/// A webhook with its signing secret: answered once, when it is created or rotated.
#[derive(SimpleObject)]
pub struct WebhookWithSecret {
    /// The subscription.
    webhook: Webhook,
    /// `whsec_…`: verify each delivery's `webhook-signature` with it (Standard Webhooks).
    secret: String,
}

/// A new subscription.
#[derive(InputObject)]
pub struct CreateWebhookInput {
    /// Where to POST deliveries (http or https; private and loopback addresses only when the
    /// server allows them).
    url: String,
    /// The events to receive: `release.published`, `release.updated`, `release.unpublished`,
    /// `release.archived`, `release.deleted`, `topic.created` (… `organisation`, `commission`,
    /// `contact`), a type's `release.*`, or `*`.
    events: Vec<String>,
    /// What it is for (at most 500 characters).
    description: Option<String>,
}

/// Changes to a subscription; what is left out stays.
#[derive(InputObject)]
pub struct UpdateWebhookInput {
    /// A new receiver URL.
    url: Option<String>,
    /// The events to receive instead.
    events: Option<Vec<String>>,
    /// A new description; null clears it.
    description: MaybeUndefined<String>,
    /// Turn deliveries on or off.
    enabled: Option<bool>,
}

/// Webhook root fields.
#[derive(Default)]
pub struct WebhookQuery;

#[Object]
impl WebhookQuery {
    /// Every webhook subscription (admin).
    async fn webhooks(&self, ctx: &Context<'_>) -> GqlResult<Vec<Webhook>> {
        require(ctx)?;
        let rows = service::webhook::list(super::db(ctx)?).await.map_err(|error| error.extend())?;
        Ok(rows.into_iter().map(Webhook::from).collect())
    }

    /// One webhook subscription (admin); null when there is none.
    async fn webhook(&self, ctx: &Context<'_>, #[graphql(desc = "Its id.")] id: ID) -> GqlResult<Option<Webhook>> {
        require(ctx)?;
        let uuid = uuid_of("id", &id)?;
        super::node::found(service::webhook::get(super::db(ctx)?, uuid).await)
            .map(|found| found.map(Webhook::from))
            .map_err(|error| error.extend())
    }
}

/// Webhook mutations (admin).
#[derive(Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Subscribes a receiver to events; answers its signing secret, this once.
    async fn create_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The subscription.")] input: CreateWebhookInput,
    ) -> GqlResult<WebhookWithSecret> {
        require(ctx)?;
        let input = WebhookInput {
            url: Some(input.url),
            events: Some(input.events),
            description: Some(input.description),
            enabled: None,
        };
        let (webhook, secret) =
            service::webhook::create(super::db(ctx)?, settings(ctx)?, input).await.map_err(|error| fail(ctx, error))?;
        Ok(WebhookWithSecret { webhook: webhook.into(), secret })
    }

    /// Changes a subscription.
    async fn update_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Its id.")] id: ID,
        #[graphql(desc = "What changes.")] input: UpdateWebhookInput,
    ) -> GqlResult<Webhook> {
        require(ctx)?;
        let uuid = uuid_of("id", &id)?;
        let input = WebhookInput {
            url: input.url,
            events: input.events,
            description: super::mutation::patch(input.description, |d| d),
            enabled: input.enabled,
        };
        service::webhook::update(super::db(ctx)?, settings(ctx)?, uuid, input)
            .await
            .map(Webhook::from)
            .map_err(|error| fail(ctx, error))
    }

    /// Deletes a subscription and its delivery log.
    async fn delete_webhook(&self, ctx: &Context<'_>, #[graphql(desc = "Its id.")] id: ID) -> GqlResult<Webhook> {
        require(ctx)?;
        let uuid = uuid_of("id", &id)?;
        service::webhook::delete(super::db(ctx)?, uuid).await.map(Webhook::from).map_err(|error| error.extend())
    }

    /// Gives a subscription a new signing secret, answered this once. For a day deliveries carry
    /// signatures by both, so the receiver can switch without missing one.
    async fn rotate_webhook_secret(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Its id.")] id: ID,
    ) -> GqlResult<WebhookWithSecret> {
        require(ctx)?;
        let uuid = uuid_of("id", &id)?;
        let (webhook, secret) =
            service::webhook::rotate(super::db(ctx)?, uuid).await.map_err(|error| error.extend())?;
        Ok(WebhookWithSecret { webhook: webhook.into(), secret })
    }

    /// Sends one delivery again, now, with its retries ahead of it (the same `webhook-id`).
    async fn redeliver_webhook_delivery(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The delivery's id.")] id: ID,
    ) -> GqlResult<WebhookDelivery> {
        require(ctx)?;
        let id = id.parse::<i64>().map_err(|_| ApiError::bad_input("id", "not a delivery id").extend())?;
        let row = service::webhook::redeliver(super::db(ctx)?, id).await.map_err(|error| error.extend())?;
        Ok(WebhookDelivery::new(row, Vec::new()))
    }

    /// Queues again, for one subscription, the events of the change log after `after` up to
    /// `through` (its head when left out): a receiver that lost its data resyncs through its usual
    /// endpoint. Deliveries keep their `webhook-id`s. Answers how many were queued.
    async fn redeliver_changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The subscription's id.")] webhook: ID,
        #[graphql(desc = "A change-log cursor: redeliver what came after it (`0`: from the start).")] after: String,
        #[graphql(desc = "The last cursor to redeliver.")] through: Option<String>,
    ) -> GqlResult<i32> {
        require(ctx)?;
        let uuid = uuid_of("webhook", &webhook)?;
        let after = service::changes::parse_cursor("after", &after).map_err(|error| error.extend())?;
        let through = through
            .map(|cursor| service::changes::parse_cursor("through", &cursor))
            .transpose()
            .map_err(|error| error.extend())?;
        let queued = service::webhook::redeliver_changes(super::db(ctx)?, uuid, after, through)
            .await
            .map_err(|error| error.extend())?;
        Ok(i32::try_from(queued).unwrap_or(i32::MAX))
    }
}
