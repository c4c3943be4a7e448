//! Webhooks: subscriptions, and the outbox of their deliveries.
//!
//! A delivery is inserted in the transaction of the change it announces (the transactional
//! outbox): a change never commits without its deliveries, nor a delivery without its change.
//! Servers then send them. A server claims a delivery by leasing it (`leased_until`); one that
//! dies with the lease held loses it when it runs out, and another server sends it again: at
//! least once, under a stable `message_id` a receiver deduplicates by. `attempt` keeps each try.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Webhook {
    Table,
    Id,
    PublicId,
    Url,
    Events,
    Description,
    Secret,
    PreviousSecret,
    PreviousSecretUntil,
    Enabled,
    DisabledReason,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WebhookDelivery {
    Table,
    Id,
    WebhookId,
    MessageId,
    Event,
    RecordType,
    RecordId,
    Position,
    Payload,
    Status,
    Attempts,
    NextAttemptAt,
    LeasedUntil,
    LastStatus,
    LastError,
    CreatedAt,
    DeliveredAt,
}

#[derive(DeriveIden)]
enum WebhookAttempt {
    Table,
    Id,
    DeliveryId,
    AttemptedAt,
    StatusCode,
    DurationMs,
    Error,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Webhook::Table)
                    .col(pk_auto(Webhook::Id))
                    .col(uuid_uniq(Webhook::PublicId))
                    .col(string_len(Webhook::Url, 2000))
                    .col(text(Webhook::Events))
                    .col(string_len_null(Webhook::Description, 500))
                    .col(string_len(Webhook::Secret, 100))
                    .col(string_len_null(Webhook::PreviousSecret, 100))
                    .col(timestamp_with_time_zone_null(Webhook::PreviousSecretUntil))
                    .col(boolean(Webhook::Enabled))
                    .col(string_len_null(Webhook::DisabledReason, 500))
                    .col(timestamp_with_time_zone(Webhook::CreatedAt))
                    .col(timestamp_with_time_zone(Webhook::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDelivery::Table)
                    .col(big_pk_auto(WebhookDelivery::Id))
                    .col(integer(WebhookDelivery::WebhookId))
                    .col(string_len(WebhookDelivery::MessageId, 64))
                    .col(string_len(WebhookDelivery::Event, 64))
                    .col(string_len(WebhookDelivery::RecordType, 32))
                    .col(uuid(WebhookDelivery::RecordId))
                    .col(big_integer(WebhookDelivery::Position))
                    .col(text(WebhookDelivery::Payload))
                    .col(string_len(WebhookDelivery::Status, 16))
                    .col(integer(WebhookDelivery::Attempts).default(0))
                    .col(timestamp_with_time_zone(WebhookDelivery::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(WebhookDelivery::LeasedUntil))
                    .col(integer_null(WebhookDelivery::LastStatus))
                    .col(text_null(WebhookDelivery::LastError))
                    .col(timestamp_with_time_zone(WebhookDelivery::CreatedAt))
                    .col(timestamp_with_time_zone_null(WebhookDelivery::DeliveredAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk-webhook_delivery-webhook")
                            .from(WebhookDelivery::Table, WebhookDelivery::WebhookId)
                            .to(Webhook::Table, Webhook::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // What the senders look for: pending deliveries that are due.
        manager
            .create_index(
                Index::create()
                    .name("idx-webhook_delivery-due")
                    .table(WebhookDelivery::Table)
                    .col(WebhookDelivery::Status)
                    .col(WebhookDelivery::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        // A record's deliveries to one webhook, in order: each waits for the one before it.
        manager
            .create_index(
                Index::create()
                    .name("idx-webhook_delivery-record")
                    .table(WebhookDelivery::Table)
                    .col(WebhookDelivery::WebhookId)
                    .col(WebhookDelivery::RecordId)
                    .col(WebhookDelivery::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookAttempt::Table)
                    .col(big_pk_auto(WebhookAttempt::Id))
                    .col(big_integer(WebhookAttempt::DeliveryId))
                    .col(timestamp_with_time_zone(WebhookAttempt::AttemptedAt))
                    .col(integer_null(WebhookAttempt::StatusCode))
                    .col(integer(WebhookAttempt::DurationMs))
                    .col(text_null(WebhookAttempt::Error))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk-webhook_attempt-delivery")
                            .from(WebhookAttempt::Table, WebhookAttempt::DeliveryId)
                            .to(WebhookDelivery::Table, WebhookDelivery::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx-webhook_attempt-delivery")
                    .table(WebhookAttempt::Table)
                    .col(WebhookAttempt::DeliveryId)
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == sea_orm::DatabaseBackend::MySql {
            // As every instant newsroom keeps (migration 2): `TIMESTAMP` keeps whole seconds and
            // ends in 2038; retries are scheduled to the millisecond.
            let columns = [
                ("webhook", "previous_secret_until", true),
                ("webhook", "created_at", false),
                ("webhook", "updated_at", false),
                ("webhook_delivery", "next_attempt_at", false),
                ("webhook_delivery", "leased_until", true),
                ("webhook_delivery", "created_at", false),
                ("webhook_delivery", "delivered_at", true),
                ("webhook_attempt", "attempted_at", false),
            ];
            for (table, column, nullable) in columns {
                let null = if nullable { "NULL" } else { "NOT NULL" };
                let sql = format!("ALTER TABLE `{table}` MODIFY `{column}` DATETIME(6) {null}");
                manager.get_connection().execute_unprepared(&sql).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(WebhookAttempt::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(WebhookDelivery::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Webhook::Table).to_owned()).await
    }
}
