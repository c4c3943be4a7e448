//! The content model: organisations, commissions and their members, contacts, topics, releases
//! and the relations between releases and the rest.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Slugs fit in an index on every engine (MariaDB limits index keys to 3072 bytes).
const SLUG_LEN: u32 = 200;
/// The longest BCP 47 tag we accept is well under this.
const LANGUAGE_LEN: u32 = 35;

#[derive(DeriveIden)]
enum Organisation {
    Table,
    Id,
    Slug,
    Name,
    Acronym,
    Kind,
    Country,
    ParentId,
    Website,
    Description,
}

#[derive(DeriveIden)]
enum Commission {
    Table,
    Id,
    Slug,
    Name,
    Mandate,
    Country,
    EstablishedOn,
    LegalBasis,
    HeadOrganisationId,
    Status,
}

#[derive(DeriveIden)]
enum CommissionMember {
    Table,
    CommissionId,
    OrganisationId,
    Role,
    Since,
    Until,
}

#[derive(DeriveIden)]
enum Contact {
    Table,
    Id,
    Name,
    JobTitle,
    OrganisationId,
    Office,
    Email,
    Phones,
    Country,
    IsPublic,
}

#[derive(DeriveIden)]
enum Topic {
    Table,
    Id,
    Slug,
    Name,
}

#[derive(DeriveIden)]
enum Release {
    Table,
    Id,
    Language,
    Slug,
    TranslationGroup,
    Title,
    Summary,
    Body,
    DatelineCity,
    DatelineCountry,
    Status,
    PublishedAt,
}

#[derive(DeriveIden)]
enum ReleaseTopic {
    Table,
    ReleaseId,
    TopicId,
}

#[derive(DeriveIden)]
enum ReleaseCommission {
    Table,
    ReleaseId,
    CommissionId,
}

#[derive(DeriveIden)]
enum ReleaseOrganisation {
    Table,
    ReleaseId,
    OrganisationId,
    Role,
}

#[derive(DeriveIden)]
enum ReleaseContact {
    Table,
    ReleaseId,
    ContactId,
    Position,
}

#[derive(DeriveIden)]
enum Timestamps {
    CreatedAt,
    UpdatedAt,
}

/// A content table: integer key, public UUID, and UTC creation and update times.
fn content_table(table: impl IntoTableRef) -> TableCreateStatement {
    Table::create()
        .table(table)
        .col(pk_auto(Alias::new("id")))
        .col(uuid_uniq(Alias::new("public_id")))
        .col(timestamp_with_time_zone(Timestamps::CreatedAt))
        .col(timestamp_with_time_zone(Timestamps::UpdatedAt))
        .to_owned()
}

fn fk(
    name: &str,
    from: (impl IntoTableRef, impl IntoIden),
    to: (impl IntoTableRef, impl IntoIden),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create().name(name).from(from.0, from.1).to(to.0, to.1).on_delete(on_delete).to_owned()
}

fn index(name: &str, table: impl IntoTableRef, columns: &[&'static str]) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(Alias::new(*column));
    }
    index.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                content_table(Organisation::Table)
                    .col(string_len_uniq(Organisation::Slug, SLUG_LEN))
                    .col(string(Organisation::Name))
                    .col(string_null(Organisation::Acronym))
                    .col(string_len(Organisation::Kind, 32))
                    .col(char_len_null(Organisation::Country, 2))
                    .col(integer_null(Organisation::ParentId))
                    .col(string_null(Organisation::Website))
                    .col(text_null(Organisation::Description))
                    .foreign_key(&mut fk(
                        "fk-organisation-parent_id",
                        (Organisation::Table, Organisation::ParentId),
                        (Organisation::Table, Organisation::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                content_table(Commission::Table)
                    .col(string_len_uniq(Commission::Slug, SLUG_LEN))
                    .col(string(Commission::Name))
                    .col(text(Commission::Mandate))
                    .col(char_len_null(Commission::Country, 2))
                    .col(date_null(Commission::EstablishedOn))
                    .col(string_null(Commission::LegalBasis))
                    .col(integer_null(Commission::HeadOrganisationId))
                    .col(string_len(Commission::Status, 16))
                    .foreign_key(&mut fk(
                        "fk-commission-head_organisation_id",
                        (Commission::Table, Commission::HeadOrganisationId),
                        (Organisation::Table, Organisation::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CommissionMember::Table)
                    .col(integer(CommissionMember::CommissionId))
                    .col(integer(CommissionMember::OrganisationId))
                    .col(string_len(CommissionMember::Role, 32))
                    .col(date_null(CommissionMember::Since))
                    .col(date_null(CommissionMember::Until))
                    .primary_key(
                        Index::create().col(CommissionMember::CommissionId).col(CommissionMember::OrganisationId),
                    )
                    .foreign_key(&mut fk(
                        "fk-commission_member-commission_id",
                        (CommissionMember::Table, CommissionMember::CommissionId),
                        (Commission::Table, Commission::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk-commission_member-organisation_id",
                        (CommissionMember::Table, CommissionMember::OrganisationId),
                        (Organisation::Table, Organisation::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                content_table(Contact::Table)
                    .col(string(Contact::Name))
                    .col(string_null(Contact::JobTitle))
                    .col(integer_null(Contact::OrganisationId))
                    .col(string_null(Contact::Office))
                    .col(string_null(Contact::Email))
                    .col(json(Contact::Phones))
                    .col(char_len_null(Contact::Country, 2))
                    .col(boolean(Contact::IsPublic))
                    .foreign_key(&mut fk(
                        "fk-contact-organisation_id",
                        (Contact::Table, Contact::OrganisationId),
                        (Organisation::Table, Organisation::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                content_table(Topic::Table)
                    .col(string_len_uniq(Topic::Slug, SLUG_LEN))
                    .col(string(Topic::Name))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                content_table(Release::Table)
                    .col(string_len(Release::Language, LANGUAGE_LEN))
                    .col(string_len(Release::Slug, SLUG_LEN))
                    .col(uuid_null(Release::TranslationGroup))
                    .col(string_len(Release::Title, 500))
                    .col(text_null(Release::Summary))
                    .col(text(Release::Body))
                    .col(string_null(Release::DatelineCity))
                    .col(char_len_null(Release::DatelineCountry, 2))
                    .col(string_len(Release::Status, 16))
                    .col(timestamp_with_time_zone_null(Release::PublishedAt))
                    .to_owned(),
            )
            .await?;
        let junctions: [(TableCreateStatement, &str, &str); 4] = [
            (
                Table::create()
                    .table(ReleaseTopic::Table)
                    .col(integer(ReleaseTopic::ReleaseId))
                    .col(integer(ReleaseTopic::TopicId))
                    .primary_key(Index::create().col(ReleaseTopic::ReleaseId).col(ReleaseTopic::TopicId))
                    .foreign_key(&mut fk(
                        "fk-release_topic-release_id",
                        (ReleaseTopic::Table, ReleaseTopic::ReleaseId),
                        (Release::Table, Release::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk-release_topic-topic_id",
                        (ReleaseTopic::Table, ReleaseTopic::TopicId),
                        (Topic::Table, Topic::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
                "release_topic",
                "topic_id",
            ),
            (
                Table::create()
                    .table(ReleaseCommission::Table)
                    .col(integer(ReleaseCommission::ReleaseId))
                    .col(integer(ReleaseCommission::CommissionId))
                    .primary_key(Index::create().col(ReleaseCommission::ReleaseId).col(ReleaseCommission::CommissionId))
                    .foreign_key(&mut fk(
                        "fk-release_commission-release_id",
                        (ReleaseCommission::Table, ReleaseCommission::ReleaseId),
                        (Release::Table, Release::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk-release_commission-commission_id",
                        (ReleaseCommission::Table, ReleaseCommission::CommissionId),
                        (Commission::Table, Commission::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
                "release_commission",
                "commission_id",
            ),
            (
                Table::create()
                    .table(ReleaseOrganisation::Table)
                    .col(integer(ReleaseOrganisation::ReleaseId))
                    .col(integer(ReleaseOrganisation::OrganisationId))
                    .col(string_len(ReleaseOrganisation::Role, 16))
                    .primary_key(
                        Index::create().col(ReleaseOrganisation::ReleaseId).col(ReleaseOrganisation::OrganisationId),
                    )
                    .foreign_key(&mut fk(
                        "fk-release_organisation-release_id",
                        (ReleaseOrganisation::Table, ReleaseOrganisation::ReleaseId),
                        (Release::Table, Release::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk-release_organisation-organisation_id",
                        (ReleaseOrganisation::Table, ReleaseOrganisation::OrganisationId),
                        (Organisation::Table, Organisation::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
                "release_organisation",
                "organisation_id",
            ),
            (
                Table::create()
                    .table(ReleaseContact::Table)
                    .col(integer(ReleaseContact::ReleaseId))
                    .col(integer(ReleaseContact::ContactId))
                    .col(integer(ReleaseContact::Position))
                    .primary_key(Index::create().col(ReleaseContact::ReleaseId).col(ReleaseContact::ContactId))
                    .foreign_key(&mut fk(
                        "fk-release_contact-release_id",
                        (ReleaseContact::Table, ReleaseContact::ReleaseId),
                        (Release::Table, Release::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk-release_contact-contact_id",
                        (ReleaseContact::Table, ReleaseContact::ContactId),
                        (Contact::Table, Contact::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
                "release_contact",
                "contact_id",
            ),
        ];
        for (table, name, reverse_column) in junctions {
            manager.create_table(table).await?;
            // The primary key serves release -> X; this index serves X -> releases.
            manager
                .create_index(index(&format!("idx-{name}-{reverse_column}"), Alias::new(name), &[reverse_column]))
                .await?;
        }

        let indexes = [
            ("idx-organisation-parent_id", "organisation", &["parent_id"][..]),
            ("idx-organisation-kind", "organisation", &["kind"][..]),
            ("idx-organisation-country", "organisation", &["country"][..]),
            ("idx-commission-head_organisation_id", "commission", &["head_organisation_id"][..]),
            ("idx-commission-country", "commission", &["country"][..]),
            ("idx-commission_member-organisation_id", "commission_member", &["organisation_id"][..]),
            ("idx-contact-organisation_id", "contact", &["organisation_id"][..]),
            ("idx-release-translation_group", "release", &["translation_group"][..]),
            // Lists walk this index in order and filter on status as they go (no (status, ...)
            // index: SQLite would prefer it for the visibility rule's equality and sort every
            // visible release to return twenty).
            ("idx-release-published_at", "release", &["published_at"][..]),
            ("idx-release-dateline_country", "release", &["dateline_country"][..]),
        ];
        for (name, table, columns) in indexes {
            manager.create_index(index(name, Alias::new(table), columns)).await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx-release-language-slug")
                    .table(Release::Table)
                    .col(Release::Language)
                    .col(Release::Slug)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let tables = [
            "release_contact",
            "release_organisation",
            "release_commission",
            "release_topic",
            "release",
            "topic",
            "contact",
            "commission_member",
            "commission",
            "organisation",
        ];
        for table in tables {
            manager.drop_table(Table::drop().table(Alias::new(table)).to_owned()).await?;
        }
        Ok(())
    }
}
