//! Webhooks: subscriptions, the outbox their deliveries wait in, and sending them.
//!
//! A change's deliveries are written by `changes::log`, in the change's transaction (the
//! transactional outbox: migration `m20261201_000012_webhooks`). Every server then sends what is
//! due (`send_due`): it leases a batch (`FOR UPDATE SKIP LOCKED` on PostgreSQL and MariaDB, so
//! two servers never take the same one), sends each as the Standard Webhooks specification says
//! (`webhook-id`, `webhook-timestamp`, `webhook-signature`), and records the attempt. A failed
//! attempt is tried again after the next wait of the schedule; a server that dies holding a lease
//! loses it when it runs out. A record's deliveries to one webhook go one at a time, in order.
//!
//! Events follow what anonymous readers see, as the change log shows it to them: a partner hears
//! `release.published` when a release enters the public set (a schedule coming due included) and
//! `release.unpublished`, `release.archived` or `release.deleted` when it leaves; drafts make
//! none.

use std::{
    net::{IpAddr, SocketAddr},
    sync::{Arc, LazyLock},
    time::{Duration, Instant},
};

use base64::{Engine, engine::general_purpose::STANDARD};
use chrono::{DateTime, Utc};
use entity::{change_log, webhook, webhook_attempt, webhook_delivery};
use futures_util::{FutureExt, StreamExt};
use hmac::{KeyInit, Mac};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
    sea_query::{Expr, ExprTrait, LockBehavior, LockType, Query},
};
use serde_json::json;
use uuid::Uuid;

use super::changes::{Change, Subject};
use crate::{
    auth::{Access, Viewer},
    config::WebhookSettings,
    error::{ApiError, FieldErrors},
};

/// Deliveries one server leases at a time.
const BATCH: u64 = 32;

/// How long a secret replaced by a rotation still signs deliveries, so that receivers can move to
/// the new one.
const ROTATION_OVERLAP: chrono::Duration = chrono::Duration::hours(24);

/// Wakes this process's senders when a write has committed deliveries (the others find them at
/// their next tick).
static OUTBOX: LazyLock<tokio::sync::Notify> = LazyLock::new(tokio::sync::Notify::new);

/// Tells this process's senders that deliveries may be waiting.
pub fn wake() {
    OUTBOX.notify_waiters();
}

/// Waits until `wake` is called or `tick` has passed.
pub async fn wait(tick: Duration) {
    let _ = tokio::time::timeout(tick, OUTBOX.notified()).await;
}

/// Every event a webhook can ask for.
pub fn events() -> Vec<String> {
    let mut events: Vec<String> = ["published", "updated", "unpublished", "archived", "deleted"]
        .iter()
        .map(|change| format!("release.{change}"))
        .collect();
    for subject in ["topic", "organisation", "commission", "contact"] {
        events.extend(["created", "updated", "deleted"].iter().map(|change| format!("{subject}.{change}")));
    }
    events
}

/// Whether a webhook that asked for `patterns` (`release.published`, `release.*`, `*`) gets `event`.
fn wants(patterns: &str, event: &str) -> bool {
    patterns.split(',').map(str::trim).any(|pattern| {
        pattern == "*"
            || pattern == event
            || pattern
                .strip_suffix(".*")
                .is_some_and(|prefix| event.split_once('.').is_some_and(|(kind, _)| kind == prefix))
    })
}

/// What a subscription is made of.
#[derive(Clone, Debug, Default)]
pub struct WebhookInput {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    /// `Some(None)` clears it.
    pub description: Option<Option<String>>,
    pub enabled: Option<bool>,
}

/// A new signing secret: `whsec_` and 24 random bytes in base64 (the Standard Webhooks form).
fn new_secret() -> String {
    let bytes: Vec<u8> = (0..24).map(|_| fastrand::u8(..)).collect();
    format!("whsec_{}", STANDARD.encode(bytes))
}

/// Whether `ip` is on a network a receiver may not be on without
/// `NEWSROOM_WEBHOOK_ALLOW_PRIVATE_NETWORKS`: loopback, private, link-local, unspecified, shared
/// (CGNAT), multicast or broadcast.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || (a == 100 && (64..128).contains(&b))
                || a == 0
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || v6.to_ipv4_mapped().is_some_and(|v4| is_private(IpAddr::V4(v4)))
        }
    }
}

/// Checks a receiver URL: http(s), a host, and (unless allowed) no private address, as written or
/// as its name resolves now. Delivery checks the addresses again (`Guarded`), since a name can
/// change what it resolves to.
async fn check_url(url: &str, settings: &WebhookSettings) -> Result<String, String> {
    let parsed = url::Url::parse(url.trim()).map_err(|error| format!("`{url}` is not a URL: {error}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("must be an http:// or https:// URL".into());
    }
    let Some(host) = parsed.host() else { return Err("must name a host".into()) };
    if parsed.username() != "" || parsed.password().is_some() {
        return Err("must not carry credentials: receivers verify the signature instead".into());
    }
    if !settings.allow_private_networks {
        let addresses: Vec<IpAddr> = match host {
            url::Host::Ipv4(ip) => vec![IpAddr::V4(ip)],
            url::Host::Ipv6(ip) => vec![IpAddr::V6(ip)],
            url::Host::Domain(name) => {
                let port = parsed.port_or_known_default().unwrap_or(443);
                tokio::net::lookup_host((name, port))
                    .await
                    .map(|found| found.map(|a| a.ip()).collect())
                    .unwrap_or_default()
            }
        };
        if let Some(ip) = addresses.into_iter().find(|ip| is_private(*ip)) {
            return Err(format!(
                "`{host}` is on a private or loopback address ({ip}); set NEWSROOM_WEBHOOK_ALLOW_PRIVATE_NETWORKS=true to allow it"
            ));
        }
    }
    Ok(parsed.to_string())
}

fn check_events(events: &[String]) -> Result<String, String> {
    let known = self::events();
    if events.is_empty() {
        return Err(format!("name at least one event: {}, a type's `release.*`, or `*`", known.join(", ")));
    }
    for event in events {
        let kind_wildcard =
            event.strip_suffix(".*").is_some_and(|kind| known.iter().any(|e| e.starts_with(&format!("{kind}."))));
        if event != "*" && !kind_wildcard && !known.contains(event) {
            return Err(format!("unknown event `{event}`: the events are {}", known.join(", ")));
        }
    }
    Ok(events.join(","))
}

/// Creates a subscription; returns it with its signing secret, which is shown this once.
pub async fn create(
    db: &DatabaseConnection,
    settings: &WebhookSettings,
    input: WebhookInput,
) -> Result<(webhook::Model, String), ApiError> {
    let mut errors = FieldErrors::default();
    let url = match input.url.as_deref() {
        Some(url) => check_url(url, settings).await.map_err(|message| errors.add("url", message)).ok(),
        None => {
            errors.add("url", "is required");
            None
        }
    };
    let events = check_events(&input.events.unwrap_or_default()).map_err(|m| errors.add("events", m)).ok();
    let description = input.description.flatten();
    if description.as_ref().is_some_and(|d| d.chars().count() > 500) {
        errors.add("description", "must be at most 500 characters");
    }
    errors.finish()?;
    let (Some(url), Some(events)) = (url, events) else { return Err(ApiError::Internal) };
    let secret = new_secret();
    let now = Utc::now();
    let row = webhook::ActiveModel {
        public_id: Set(Uuid::now_v7()),
        url: Set(url),
        events: Set(events),
        description: Set(description),
        secret: Set(secret.clone()),
        previous_secret: Set(None),
        previous_secret_until: Set(None),
        enabled: Set(input.enabled.unwrap_or(true)),
        disabled_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    Ok((row.insert(db).await?, secret))
}

/// Every subscription, oldest first.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<webhook::Model>, ApiError> {
    Ok(webhook::Entity::find().order_by_asc(webhook::Column::Id).all(db).await?)
}

/// The subscription `public_id`.
pub async fn get(db: &impl ConnectionTrait, public_id: Uuid) -> Result<webhook::Model, ApiError> {
    webhook::Entity::find()
        .filter(webhook::Column::PublicId.eq(public_id))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound { entity: "Webhook", key: public_id.to_string() })
}

/// Changes what `input` gives. Enabling a webhook clears why it was disabled.
pub async fn update(
    db: &DatabaseConnection,
    settings: &WebhookSettings,
    public_id: Uuid,
    input: WebhookInput,
) -> Result<webhook::Model, ApiError> {
    let current = get(db, public_id).await?;
    let mut row: webhook::ActiveModel = current.into();
    let mut errors = FieldErrors::default();
    if let Some(url) = input.url.as_deref() {
        match check_url(url, settings).await {
            Ok(url) => row.url = Set(url),
            Err(message) => errors.add("url", message),
        }
    }
    if let Some(events) = &input.events {
        match check_events(events) {
            Ok(events) => row.events = Set(events),
            Err(message) => errors.add("events", message),
        }
    }
    if let Some(description) = input.description {
        row.description = Set(description);
    }
    if let Some(enabled) = input.enabled {
        row.enabled = Set(enabled);
        if enabled {
            row.disabled_reason = Set(None);
        }
    }
    errors.finish()?;
    row.updated_at = Set(Utc::now());
    Ok(row.update(db).await?)
}

/// Deletes a subscription with its deliveries.
pub async fn delete(db: &DatabaseConnection, public_id: Uuid) -> Result<webhook::Model, ApiError> {
    let current = get(db, public_id).await?;
    webhook::Entity::delete_by_id(current.id).exec(db).await?;
    Ok(current)
}

/// Gives a subscription a new secret; the old one still signs deliveries (beside the new one)
/// for a day. Returns the new secret, shown this once.
pub async fn rotate(db: &DatabaseConnection, public_id: Uuid) -> Result<(webhook::Model, String), ApiError> {
    let current = get(db, public_id).await?;
    let secret = new_secret();
    let now = Utc::now();
    let row = webhook::ActiveModel {
        id: Set(current.id),
        previous_secret: Set(Some(current.secret.clone())),
        previous_secret_until: Set(Some(now + ROTATION_OVERLAP)),
        secret: Set(secret.clone()),
        updated_at: Set(now),
        ..Default::default()
    };
    Ok((row.update(db).await?, secret))
}

/// The `webhook-id` of the delivery of change `position` to `webhook`: the same however often it
/// is sent or redelivered, so receivers can drop duplicates.
fn message_id(webhook: &webhook::Model, position: i64) -> String {
    format!("msg_{position}_{}", webhook.public_id.simple())
}

/// The event an anonymous reader would see in a change-log row, if any (`release.published`).
fn event_of(row: &change_log::Model) -> Option<(Subject, Change, String)> {
    let entry = super::changes::seen_by(&Access { viewer: Viewer::Anonymous, now: row.at }, row.clone())?;
    let event = format!("{}.{}", entry.subject.name().to_lowercase(), entry.change.name());
    Some((entry.subject, entry.change, event))
}

/// The delivery of `row` to `webhook`, if it wants the event: the thin body of the Standard
/// Webhooks form (`type`, `timestamp`, `data` naming the record and the change-log cursor).
fn delivery(
    webhook: &webhook::Model,
    row: &change_log::Model,
    now: DateTime<Utc>,
) -> Option<webhook_delivery::ActiveModel> {
    let (subject, _, event) = event_of(row)?;
    if !wants(&webhook.events, &event) {
        return None;
    }
    let payload = json!({
        "type": event,
        "timestamp": row.at,
        "data": {
            "type": subject.name().to_lowercase(),
            "id": row.record_id,
            "key": row.record_key,
            "cursor": row.id.to_string(),
        },
    });
    Some(webhook_delivery::ActiveModel {
        webhook_id: Set(webhook.id),
        message_id: Set(message_id(webhook, row.id)),
        event: Set(event),
        record_type: Set(subject.name().to_owned()),
        record_id: Set(row.record_id),
        position: Set(row.id),
        payload: Set(payload.to_string()),
        status: Set("pending".into()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        leased_until: Set(None),
        last_status: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        delivered_at: Set(None),
        ..Default::default()
    })
}

/// The enabled subscriptions: read by every write, so it is one small statement.
pub(crate) async fn enabled(db: &impl ConnectionTrait) -> Result<Vec<webhook::Model>, ApiError> {
    Ok(webhook::Entity::find().filter(webhook::Column::Enabled.eq(true)).all(db).await?)
}

/// Queues the deliveries of change-log `rows` to `webhooks`, in the change's transaction.
pub(crate) async fn enqueue(
    txn: &impl ConnectionTrait,
    webhooks: &[webhook::Model],
    rows: &[change_log::Model],
) -> Result<usize, ApiError> {
    let now = Utc::now();
    let deliveries: Vec<webhook_delivery::ActiveModel> =
        rows.iter().flat_map(|row| webhooks.iter().filter_map(move |webhook| delivery(webhook, row, now))).collect();
    let queued = deliveries.len();
    super::bulk::insert_all(txn, deliveries).await?;
    Ok(queued)
}

/// Queues again the changes after `after` up to `through` (the log's head when `None`) for
/// `webhook`, under their own message ids. Returns how many.
pub async fn redeliver_changes(
    db: &DatabaseConnection,
    public_id: Uuid,
    after: i64,
    through: Option<i64>,
) -> Result<usize, ApiError> {
    let webhook = get(db, public_id).await?;
    let through = match through {
        Some(through) => through,
        None => super::changes::head(db).await?,
    };
    let rows = change_log::Entity::find()
        .filter(change_log::Column::Id.gt(after))
        .filter(change_log::Column::Id.lte(through))
        .order_by_asc(change_log::Column::Id)
        .all(db)
        .await?;
    let txn = db.begin().await?;
    let queued = enqueue(&txn, std::slice::from_ref(&webhook), &rows).await?;
    txn.commit().await?;
    wake();
    Ok(queued)
}

/// Sends one delivery again, now, with the whole retry schedule ahead of it.
pub async fn redeliver(db: &DatabaseConnection, id: i64) -> Result<webhook_delivery::Model, ApiError> {
    let found = webhook_delivery::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound { entity: "WebhookDelivery", key: id.to_string() })?;
    let row = webhook_delivery::ActiveModel {
        id: Set(found.id),
        status: Set("pending".into()),
        attempts: Set(0),
        next_attempt_at: Set(Utc::now()),
        leased_until: Set(None),
        ..Default::default()
    };
    let updated = row.update(db).await?;
    wake();
    Ok(updated)
}

/// Drops the finished deliveries (delivered or failed) of changes older than `retention`, with
/// their attempts: the delivery log keeps what the change log keeps.
pub async fn purge(db: &DatabaseConnection, retention: chrono::Duration) -> Result<u64, ApiError> {
    let result = webhook_delivery::Entity::delete_many()
        .filter(webhook_delivery::Column::Status.ne("pending"))
        .filter(webhook_delivery::Column::CreatedAt.lt(Utc::now() - retention))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// A webhook's deliveries, newest first, optionally of one status.
pub async fn deliveries(
    db: &impl ConnectionTrait,
    webhook_id: i32,
    status: Option<&str>,
    limit: u64,
) -> Result<Vec<webhook_delivery::Model>, ApiError> {
    let mut select = webhook_delivery::Entity::find().filter(webhook_delivery::Column::WebhookId.eq(webhook_id));
    if let Some(status) = status {
        select = select.filter(webhook_delivery::Column::Status.eq(status));
    }
    Ok(select.order_by_desc(webhook_delivery::Column::Id).limit(limit).all(db).await?)
}

/// The attempts of `deliveries`, oldest first.
pub async fn attempts(db: &impl ConnectionTrait, deliveries: &[i64]) -> Result<Vec<webhook_attempt::Model>, ApiError> {
    if deliveries.is_empty() {
        return Ok(Vec::new());
    }
    Ok(webhook_attempt::Entity::find()
        .filter(webhook_attempt::Column::DeliveryId.is_in(deliveries.iter().copied()))
        .order_by_asc(webhook_attempt::Column::Id)
        .all(db)
        .await?)
}

/// The `webhook-signature` header for `body` sent as `id` at `timestamp`: `v1,` and the base64 of
/// HMAC-SHA256 over `id.timestamp.body`, keyed with the secret's bytes; one per secret, space
/// separated, so that during a rotation receivers holding either secret can verify.
pub fn signature(secrets: &[&str], id: &str, timestamp: i64, body: &str) -> String {
    secrets
        .iter()
        .filter_map(|secret| {
            let key = STANDARD.decode(secret.strip_prefix("whsec_").unwrap_or(secret)).ok()?;
            let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).ok()?;
            mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
            Some(format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes())))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A DNS resolver that drops private addresses unless they are allowed: the check a receiver's
/// URL passed when it was registered, made again at every connection.
struct Guarded {
    allow_private: bool,
}

impl reqwest::dns::Resolve for Guarded {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> =
                found.into_iter().filter(|address| allow_private || !is_private(address.ip())).collect();
            if allowed.is_empty() {
                return Err(format!("`{host}` resolves to no address a webhook may reach").into());
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Sends deliveries.
pub struct Sender {
    client: reqwest::Client,
    settings: WebhookSettings,
}

impl Sender {
    pub fn new(settings: WebhookSettings) -> Result<Self, ApiError> {
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("newsroom-webhooks/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(Arc::new(Guarded { allow_private: settings.allow_private_networks }))
            .build()
            .map_err(|error| {
                tracing::error!(error = %error, "cannot build the webhook client");
                ApiError::Internal
            })?;
        Ok(Self { client, settings })
    }

    /// How long a lease lasts: an attempt's timeout, and room to record it.
    fn lease(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.settings.timeout).unwrap_or(chrono::Duration::MAX)
            + chrono::Duration::seconds(5)
    }

    /// Leases what is due and sends it; returns how many attempts were made.
    pub async fn send_due(&self, db: &DatabaseConnection) -> Result<usize, ApiError> {
        let leased = self.lease_due(db).await?;
        if leased.is_empty() {
            return Ok(0);
        }
        let ids: Vec<i32> = leased.iter().map(|delivery| delivery.webhook_id).collect();
        let webhooks = webhook::Entity::find().filter(webhook::Column::Id.is_in(ids)).all(db).await?;
        let count = leased.len();
        let mut attempts: futures_util::stream::FuturesUnordered<_> = leased
            .into_iter()
            .filter_map(|delivery| {
                let webhook = webhooks.iter().find(|webhook| webhook.id == delivery.webhook_id)?.clone();
                Some(async move { self.attempt(&webhook, delivery).await })
            })
            .collect();
        // What has been answered is recorded together, one transaction for all the attempts that
        // ended at about the same time: one write per burst rather than per delivery (on SQLite,
        // whose writers take turns, per-delivery transactions starved the sender).
        while let Some(first) = attempts.next().await {
            let mut ended = vec![first];
            while let Some(Some(next)) = attempts.next().now_or_never() {
                ended.push(next);
            }
            record(db, ended).await?;
        }
        Ok(count)
    }

    /// Leases up to a batch of due deliveries whose record has no earlier one still pending to the
    /// same webhook.
    async fn lease_due(&self, db: &DatabaseConnection) -> Result<Vec<webhook_delivery::Model>, ApiError> {
        use webhook_delivery::Column;
        let now = Utc::now();
        let earlier = Query::select()
            .expr(Expr::val(1))
            .from_as(webhook_delivery::Entity, "earlier")
            .and_where(Expr::col(("earlier", Column::WebhookId)).equals((webhook_delivery::Entity, Column::WebhookId)))
            .and_where(Expr::col(("earlier", Column::RecordId)).equals((webhook_delivery::Entity, Column::RecordId)))
            .and_where(Expr::col(("earlier", Column::Status)).eq("pending"))
            .and_where(Expr::col(("earlier", Column::Id)).lt(Expr::col((webhook_delivery::Entity, Column::Id))))
            .to_owned();
        let enabled = Query::select()
            .column(webhook::Column::Id)
            .from(webhook::Entity)
            .and_where(webhook::Column::Enabled.eq(true))
            .to_owned();
        let mut select = webhook_delivery::Entity::find()
            .filter(Column::Status.eq("pending"))
            .filter(Column::NextAttemptAt.lte(now))
            .filter(Condition::any().add(Column::LeasedUntil.is_null()).add(Column::LeasedUntil.lt(now)))
            .filter(Column::WebhookId.in_subquery(enabled))
            .filter(Expr::exists(earlier).not())
            .order_by_asc(Column::Id)
            .limit(BATCH);
        if db.get_database_backend() == sea_orm::DbBackend::Sqlite {
            // SQLite's writers take turns: look first without the write lock, which the sender
            // would otherwise take from every write it is woken by.
            if select.clone().one(db).await?.is_none() {
                return Ok(Vec::new());
            }
        } else {
            select = select.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let txn = super::write::begin_next(db).await?;
        let due = select.all(&txn).await?;
        if !due.is_empty() {
            webhook_delivery::Entity::update_many()
                .col_expr(Column::LeasedUntil, Expr::value(now + self.lease()))
                .filter(Column::Id.is_in(due.iter().map(|delivery| delivery.id)))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(due)
    }

    /// Sends one delivery; what happened, to record.
    async fn attempt(&self, webhook: &webhook::Model, delivery: webhook_delivery::Model) -> Attempted {
        let now = Utc::now();
        let mut secrets = vec![webhook.secret.as_str()];
        if let (Some(previous), Some(until)) = (&webhook.previous_secret, webhook.previous_secret_until)
            && now < until
        {
            secrets.push(previous);
        }
        let timestamp = now.timestamp();
        let started = Instant::now();
        let sent = self
            .client
            .post(&webhook.url)
            .header("content-type", "application/json")
            .header("webhook-id", &delivery.message_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature(&secrets, &delivery.message_id, timestamp, &delivery.payload))
            .body(delivery.payload.clone())
            .send()
            .await;
        let (status, error) = match sent {
            Ok(response) => (Some(response.status().as_u16()), None),
            Err(error) if error.is_timeout() => (None, Some(format!("no answer within {:?}", self.settings.timeout))),
            Err(error) => (None, Some(error_chain(&error))),
        };
        let duration_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
        let attempts = delivery.attempts + 1;
        let mut row = webhook_delivery::ActiveModel {
            id: Set(delivery.id),
            attempts: Set(attempts),
            leased_until: Set(None),
            last_status: Set(status.map(i32::from)),
            last_error: Set(error.clone()),
            ..Default::default()
        };
        let gone = status == Some(410);
        match status {
            Some(200..=299) => {
                row.status = Set("delivered".into());
                row.delivered_at = Set(Some(Utc::now()));
            }
            _ if gone => row.status = Set("failed".into()),
            _ => match self.settings.retry_schedule.get(usize::try_from(attempts - 1).unwrap_or(usize::MAX)) {
                Some(wait) => {
                    let jittered = wait.mul_f64(fastrand::f64().mul_add(0.2, 0.9));
                    row.next_attempt_at =
                        Set(Utc::now() + chrono::Duration::from_std(jittered).unwrap_or(chrono::Duration::MAX));
                }
                None => row.status = Set("failed".into()),
            },
        }
        let attempt = webhook_attempt::ActiveModel {
            delivery_id: Set(delivery.id),
            attempted_at: Set(now),
            status_code: Set(status.map(i32::from)),
            duration_ms: Set(duration_ms),
            error: Set(error),
            ..Default::default()
        };
        Attempted { delivery: delivery.id, row, attempt, gone: gone.then_some(webhook.id) }
    }
}

/// One attempt, as it is to be recorded.
struct Attempted {
    delivery: i64,
    /// The delivery's new state.
    row: webhook_delivery::ActiveModel,
    attempt: webhook_attempt::ActiveModel,
    /// The webhook to disable: its receiver answered 410 Gone.
    gone: Option<i32>,
}

/// Records `attempts` in one transaction: each delivery's new state (if it is still pending: a
/// redelivery asked meanwhile wins), the attempts, and the webhooks whose receivers are gone.
async fn record(db: &DatabaseConnection, attempts: Vec<Attempted>) -> Result<(), ApiError> {
    let txn = super::write::begin_next(db).await?;
    let mut rows = Vec::with_capacity(attempts.len());
    for attempted in attempts {
        webhook_delivery::Entity::update_many()
            .set(attempted.row)
            .filter(webhook_delivery::Column::Id.eq(attempted.delivery))
            .filter(webhook_delivery::Column::Status.eq("pending"))
            .exec(&txn)
            .await?;
        if let Some(webhook) = attempted.gone {
            // 410 Gone: the receiver says it will never want these; stop sending any.
            webhook::Entity::update_many()
                .col_expr(webhook::Column::Enabled, Expr::value(false))
                .col_expr(webhook::Column::DisabledReason, Expr::value("the receiver answered 410 Gone"))
                .col_expr(webhook::Column::UpdatedAt, Expr::value(Utc::now()))
                .filter(webhook::Column::Id.eq(webhook))
                .exec(&txn)
                .await?;
        }
        rows.push(attempted.attempt);
    }
    super::bulk::insert_all(&txn, rows).await?;
    txn.commit().await?;
    Ok(())
}

/// An error with its causes, for the delivery log.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_match_names_type_wildcards_and_everything() {
        assert!(wants("release.published", "release.published"));
        assert!(!wants("release.published", "release.updated"));
        assert!(wants("topic.created,release.*", "release.deleted"));
        assert!(!wants("release.*", "topic.deleted"));
        assert!(wants("*", "contact.updated"));
        assert!(check_events(&["release.*".into(), "topic.created".into()]).is_ok());
        assert!(check_events(&["release.created".into()]).is_err(), "releases are published, not created");
        assert!(check_events(&[]).is_err());
    }

    #[test]
    fn private_networks_are_recognised() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_private(private.parse().unwrap()), "{private}");
        }
        for public in ["8.8.8.8", "193.0.6.139", "2001:db8::1"] {
            assert!(!is_private(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn signatures_follow_the_standard_webhooks_test_vector() {
        // The specification's example: secret, id, timestamp, body and the signature it gives.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = r#"{"test": 2432232314}"#;
        let signed = signature(&[secret], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        assert_eq!(signed, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        let both = signature(&[secret, secret], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        assert_eq!(both.split(' ').count(), 2);
    }
}
