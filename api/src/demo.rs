//! Demo content: the IOM Quito release on the Inter-institutional Commission against human
//! trafficking (reproduced from `shared/seed/000_e5992decc809204b.txt`), the commission, every
//! organisation the text names and the media contact; around it, clearly synthetic sample
//! releases so that paging, filters, translations and visibility have something to show.
//!
//! Loading is idempotent and never changes a record it did not write (see [`load`]): once any
//! demo release is in the database nothing is written, and next to real content the demo merges
//! or stands aside. Everything is written in one transaction, so a failure leaves the database
//! as it was.

use chrono::{DateTime, Duration, TimeZone, Utc};
use entity::{
    commission, commission_member, contact, organisation, release, release_commission, release_contact,
    release_organisation, release_topic, topic,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, PaginatorTrait, PrimaryKeyTrait, QueryFilter, QuerySelect, SqlErr, TransactionTrait,
};
use uuid::Uuid;

use crate::{error::ApiError, service::bulk};

/// Language of the Quito release.
pub const QUITO_LANGUAGE: &str = "en";
/// Slug of the Quito release.
pub const QUITO_SLUG: &str = "iom-supports-drafting-national-plan-of-action-to-combat-human-trafficking";
/// Slug of the commission the Quito release is about.
pub const COMMISSION_SLUG: &str = "ecuador-inter-institutional-commission-against-human-trafficking";

/// Releases in the demo, the Quito one included.
pub const RELEASES: usize = 36;

/// A stable public id for demo record `name`: the same on every machine and every load.
fn demo_id(name: &str) -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_URL, format!("https://newsroom.example/demo/{name}").as_bytes())
}

fn at(year: i32, month: u32, day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, month, day, hour, 0, 0).single().unwrap_or_default()
}

struct Org {
    slug: &'static str,
    name: &'static str,
    acronym: Option<&'static str>,
    kind: organisation::Kind,
    country: Option<&'static str>,
    parent: Option<&'static str>,
    website: Option<&'static str>,
    description: Option<&'static str>,
}

const fn org(slug: &'static str, name: &'static str, kind: organisation::Kind, country: Option<&'static str>) -> Org {
    Org { slug, name, acronym: None, kind, country, parent: None, website: None, description: None }
}

fn organisations() -> Vec<Org> {
    use organisation::Kind::*;
    vec![
        Org {
            acronym: Some("IOM"),
            website: Some("https://www.iom.int"),
            description: Some(
                "The International Organization for Migration is part of the United Nations System as the \
                 leading inter-governmental organization promoting since 1951 humane and orderly migration \
                 for the benefit of all, with 175 member states and a presence in 171 countries.",
            ),
            ..org("iom", "International Organization for Migration", UnAgency, None)
        },
        Org {
            acronym: Some("ILO"),
            website: Some("https://www.ilo.org"),
            ..org("ilo", "International Labour Organization", UnAgency, None)
        },
        Org {
            acronym: Some("USAID"),
            ..org("usaid", "United States Agency for International Development", Donor, Some("US"))
        },
        org("ec-ministry-of-government", "Ministry of the Government", Government, Some("EC")),
        org("ec-ministry-of-foreign-relations", "Ministry of Foreign Relations", Government, Some("EC")),
        Org {
            parent: Some("ec-ministry-of-foreign-relations"),
            ..org(
                "ec-ministry-of-foreign-relations-department-of-human-rights",
                "Department of Human Rights",
                Government,
                Some("EC"),
            )
        },
        org("ec-national-council-of-women", "National Council of Women", Government, Some("EC")),
        org(
            "ec-national-council-of-children-and-adolescents",
            "National Council of Children and Adolescents",
            Government,
            Some("EC"),
        ),
        org(
            "ec-national-institute-of-children-and-the-family",
            "National Institute of Children and the Family",
            Government,
            Some("EC"),
        ),
        org("ec-ministry-of-public-health", "Ministry of Public Health", Government, Some("EC")),
        Org {
            description: Some(
                "The civil society organisations represented on the Commission; the release names none of \
                 them individually.",
            ),
            ..org("ec-civil-society-representatives", "Civil society representatives", CivilSociety, Some("EC"))
        },
        // Synthetic organisations for the sample releases.
        Org {
            acronym: Some("SNO"),
            ..org("sample-northern-observatory", "Sample Northern Observatory", Academic, Some("NO"))
        },
        Org {
            acronym: Some("SRC"),
            ..org("sample-relief-coalition", "Sample Relief Coalition", CivilSociety, Some("KE"))
        },
        Org { acronym: Some("SDF"), ..org("sample-development-fund", "Sample Development Fund", Donor, Some("DE")) },
    ]
}

/// Members of the Commission as the release lists them: (organisation, role).
const MEMBERS: [(&str, commission_member::Role); 10] = [
    ("ec-ministry-of-government", commission_member::Role::Chair),
    ("ec-national-council-of-women", commission_member::Role::Member),
    ("ec-national-council-of-children-and-adolescents", commission_member::Role::Member),
    ("ec-ministry-of-foreign-relations-department-of-human-rights", commission_member::Role::Member),
    ("ec-national-institute-of-children-and-the-family", commission_member::Role::Member),
    ("ec-ministry-of-public-health", commission_member::Role::Member),
    ("ec-civil-society-representatives", commission_member::Role::Member),
    ("iom", commission_member::Role::Member),
    ("ilo", commission_member::Role::Member),
    ("usaid", commission_member::Role::Member),
];

const QUITO_TITLE: &str = "IOM Supports the Drafting of a National Plan of Action to Combat Human Trafficking";

const QUITO_SUMMARY: &str = "The IOM office in Quito is providing advice and financial support to the recently \
created Inter-institutional Commission tasked with the drafting of a National Plan to “Combat Human Trafficking \
and Other Forms of Sexual and Labour Exploitation” in Ecuador.";

const QUITO_BODY: &str = "The IOM office in Quito is providing advice and financial support to the recently \
created Inter-institutional Commission tasked with the drafting of a National Plan to “Combat Human Trafficking \
and Other Forms of Sexual and Labour Exploitation” in Ecuador.

In the coming months, the Commission will hold four regional seminars to discuss the National Plan and to \
collect pertinent information that will be systematized and approved in a final meeting in Quito. IOM, as part \
of the Commission, will support the development of these workshops.

Although there is no research or concrete statistics on human trafficking in Ecuador, the International Labour \
Organization (ILO) estimates that more than 5,000 girls and adolescents have been trafficked for purposes of \
sexual exploitation. The majority of the victims come from small towns and are trafficked to larger urban areas.

The drafting of the National Plan to Combat Human Trafficking is a top priority for the Ecuadorian authorities, \
as it will provide a political base to carry out concrete actions to fight human trafficking.

The Commission is headed by the Ministry of the Government and is made up of representatives from other \
government entities such as the National Council of Women, the National Council of Children and Adolescents, \
the Department of Human Rights of the Ministry of Foreign Relations, the National Institute of Children and the \
Family, and the Ministry of Public Health, amongst others.

Civil society and international organizations such as IOM, the ILO and the United States Agency for \
International Development also are part of the Commission.

The Commission was formed in 2004 following an Executive Decree, which declared that combating human \
trafficking, migrant smuggling, sexual and labour exploitation, the prostitution of women, boys and adolescents, \
child pornography, and the corruption of minors, is a political priority of the State.

Currently IOM has more than 130 counter-trafficking projects throughout the world that include medical, \
psychological and return and reintegration assistance to victims, as well as research, awareness raising, \
training for government officials and NGOs and technical support to governments.
";

const TOPICS: [(&str, &str); 6] = [
    ("counter-trafficking", "Counter-trafficking"),
    ("migration-governance", "Migration governance"),
    ("emergency-response", "Emergency response"),
    ("climate-and-migration", "Climate and migration"),
    ("health", "Health"),
    ("labour-mobility", "Labour mobility"),
];

/// A demo record as messages name it: its kind and its natural key, e.g. organisation `iom`.
struct Named {
    kind: &'static str,
    key: String,
}

impl Named {
    fn new(kind: &'static str, key: impl Into<String>) -> Self {
        Self { kind, key: key.into() }
    }

    /// `error` from writing this record, with a unique violation turned into a conflict that
    /// names the record: the generic message names none, and the operator has to find it. The
    /// lookups before each write leave only clashes they cannot see, such as a writer racing the
    /// demo outside the set-up lock or a unique key added to the schema by hand.
    fn clash(&self, error: DbErr) -> ApiError {
        match error.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                ApiError::Conflict(format!("{self} clashes with an existing record: one of its unique keys is taken"))
            }
            _ => error.into(),
        }
    }
}

impl std::fmt::Display for Named {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} `{}`", self.kind, self.key)
    }
}

/// What one load did, for its closing log line.
#[derive(Default)]
struct Tally {
    created: usize,
    reused: usize,
    skipped: usize,
}

/// The internal key of the row of `E` that `filter` finds, if any.
async fn find_id<E: EntityTrait>(
    txn: &DatabaseTransaction,
    id: E::Column,
    filter: Condition,
) -> Result<Option<i32>, ApiError> {
    Ok(E::find().select_only().column(id).filter(filter).into_tuple::<i32>().one(txn).await?)
}

/// Inserts `row` and returns its new internal key; a clash names `record`.
async fn create<A>(txn: &DatabaseTransaction, record: &Named, row: A) -> Result<i32, ApiError>
where
    A: ActiveModelTrait,
    <A::Entity as EntityTrait>::PrimaryKey: PrimaryKeyTrait<ValueType = i32>,
{
    let result = <A::Entity as EntityTrait>::insert(row).exec(txn).await.map_err(|error| record.clash(error))?;
    Ok(result.last_insert_id)
}

/// What the demo found for one of its records.
enum Found {
    /// Created now: the demo owns it and may link it.
    Created(i32),
    /// There already, left exactly as it was.
    Reused(i32),
}

impl Found {
    fn id(&self) -> i32 {
        match self {
            Self::Created(id) | Self::Reused(id) => *id,
        }
    }
}

impl Tally {
    /// The demo's reference record `record` (an organisation, topic, contact or commission): the
    /// one already stored under its natural key (`by_key`) or, failing that, under the demo's own
    /// public id (`by_public_id`: loaded before, its key since edited) is reused as it is;
    /// otherwise `row` is created.
    async fn reuse_or_create<A>(
        &mut self,
        txn: &DatabaseTransaction,
        record: Named,
        id: <A::Entity as EntityTrait>::Column,
        by_key: Condition,
        by_public_id: Condition,
        row: A,
    ) -> Result<Found, ApiError>
    where
        A: ActiveModelTrait,
        <A::Entity as EntityTrait>::PrimaryKey: PrimaryKeyTrait<ValueType = i32>,
    {
        for filter in [by_key, by_public_id] {
            if let Some(existing) = find_id::<A::Entity>(txn, id, filter).await? {
                tracing::info!(record = %record, "demo content: an existing record is reused as it is");
                self.reused += 1;
                return Ok(Found::Reused(existing));
            }
        }
        self.created += 1;
        Ok(Found::Created(create(txn, &record, row).await?))
    }

    /// Creates the demo release `row` unless its language and slug are taken, and returns its key.
    ///
    /// A taken one is real content (`load` writes nothing once any demo release is there), and a
    /// release cannot be shared the way an organisation is: the demo stands aside for that one
    /// release, with a warning naming it, and loads the rest. Refusing to start instead would
    /// make optional sample content a reason for the server not to come up.
    async fn create_release(
        &mut self,
        txn: &DatabaseTransaction,
        row: release::ActiveModel,
        language: &str,
        slug: &str,
    ) -> Result<Option<i32>, ApiError> {
        let record = Named::new("release", format!("{language}/{slug}"));
        let taken = Condition::all().add(release::Column::Language.eq(language)).add(release::Column::Slug.eq(slug));
        if find_id::<release::Entity>(txn, release::Column::Id, taken).await?.is_some() {
            tracing::warn!(
                record = %record,
                "demo content: another release holds this language and slug; the demo leaves it alone and goes without its own"
            );
            self.skipped += 1;
            return Ok(None);
        }
        self.created += 1;
        Ok(Some(create(txn, &record, row).await?))
    }
}

/// Public ids of every demo release: if any is stored, the demo was loaded.
fn release_public_ids() -> Vec<Uuid> {
    std::iter::once(demo_id("release/quito"))
        .chain((0..RELEASES - 1).map(|index| demo_id(&format!("release/sample-{index}"))))
        .collect()
}

/// Loads the demo content unless it is already there, next to whatever else is stored, changing no
/// record it did not create.
///
/// - Once any demo release is stored (by its public id), nothing is written: a second load changes
///   nothing, and demo records an editor has since deleted stay deleted.
/// - Organisations, topics, contacts and the commission already stored under the demo's natural
///   keys (slug, contact key) are reused as they are, never updated: a real `iom` keeps its name and
///   the demo's releases link to it. Only commissions and releases the demo creates get the demo's
///   members and links.
/// - A demo release whose language and slug are taken is skipped with a warning (see
///   [`Tally::create_release`]).
/// - A write that still clashes fails the whole load with a `CONFLICT` that names the record.
pub async fn load(db: &DatabaseConnection) -> Result<(), ApiError> {
    let already =
        release::Entity::find().filter(release::Column::PublicId.is_in(release_public_ids())).count(db).await?;
    if already > 0 {
        tracing::info!("demo content already loaded");
        return Ok(());
    }
    let txn = db.begin().await?;
    let mut tally = Tally::default();
    // The capture carries no date. The text calls the Commission (formed in 2004) "recently
    // created" and announces seminars "in the coming months", so we date it to early 2005.
    let quito_published = at(2005, 2, 14, 15);
    let created = quito_published - Duration::days(1);

    let mut org_ids = std::collections::HashMap::new();
    for org in organisations() {
        let public_id = demo_id(&format!("organisation/{}", org.slug));
        let row = organisation::ActiveModel {
            public_id: Set(public_id),
            slug: Set(org.slug.into()),
            name: Set(org.name.into()),
            acronym: Set(org.acronym.map(Into::into)),
            kind: Set(org.kind),
            country: Set(org.country.map(Into::into)),
            parent_id: Set(org.parent.and_then(|parent| org_ids.get(parent).copied())),
            website: Set(org.website.map(Into::into)),
            description: Set(org.description.map(Into::into)),
            created_at: Set(created),
            updated_at: Set(created),
            ..Default::default()
        };
        let found = tally
            .reuse_or_create(
                &txn,
                Named::new("organisation", org.slug),
                organisation::Column::Id,
                Condition::all().add(organisation::Column::Slug.eq(org.slug)),
                Condition::all().add(organisation::Column::PublicId.eq(public_id)),
                row,
            )
            .await?;
        org_ids.insert(org.slug, found.id());
    }
    let org = |slug: &str| org_ids.get(slug).copied().ok_or_else(|| ApiError::bad_input("demo", slug.to_owned()));

    let commission_public_id = demo_id("commission/ecuador");
    let commission = tally
        .reuse_or_create(
            &txn,
            Named::new("commission", COMMISSION_SLUG),
            commission::Column::Id,
            Condition::all().add(commission::Column::Slug.eq(COMMISSION_SLUG)),
            Condition::all().add(commission::Column::PublicId.eq(commission_public_id)),
            commission::ActiveModel {
                public_id: Set(commission_public_id),
                slug: Set(COMMISSION_SLUG.into()),
                name: Set("Inter-institutional Commission for the National Plan to Combat Human Trafficking".into()),
                mandate: Set(
                    "To draft a National Plan to “Combat Human Trafficking and Other Forms of Sexual and Labour \
                Exploitation” in Ecuador, combating human trafficking, migrant smuggling, sexual and labour \
                exploitation, the prostitution of women, boys and adolescents, child pornography and the \
                corruption of minors having been declared a political priority of the State."
                        .into(),
                ),
                country: Set(Some("EC".into())),
                // The text says only "formed in 2004": the day is unknown, so no date is invented.
                established_on: Set(None),
                legal_basis: Set(Some("Executive Decree (2004)".into())),
                head_organisation_id: Set(Some(org("ec-ministry-of-government")?)),
                status: Set(commission::Status::Active),
                created_at: Set(created),
                updated_at: Set(created),
                ..Default::default()
            },
        )
        .await?;
    let commission_id = commission.id();
    // A commission that was already there keeps the members it has: adding the demo's would
    // change real content.
    if let Found::Created(commission_id) = commission {
        let mut members = Vec::new();
        for (slug, role) in MEMBERS {
            members.push(commission_member::ActiveModel {
                commission_id: Set(commission_id),
                organisation_id: Set(org(slug)?),
                role: Set(role),
                since: Set(None),
                until: Set(None),
            });
        }
        bulk::insert_all(&txn, members).await?;
    }

    let mut topic_ids = Vec::new();
    for (slug, name) in TOPICS {
        let public_id = demo_id(&format!("topic/{slug}"));
        let row = topic::ActiveModel {
            public_id: Set(public_id),
            slug: Set(slug.into()),
            name: Set(name.into()),
            created_at: Set(created),
            updated_at: Set(created),
            ..Default::default()
        };
        let found = tally
            .reuse_or_create(
                &txn,
                Named::new("topic", slug),
                topic::Column::Id,
                Condition::all().add(topic::Column::Slug.eq(slug)),
                Condition::all().add(topic::Column::PublicId.eq(public_id)),
                row,
            )
            .await?;
        topic_ids.push(found.id());
    }

    let moncayo = contact(
        &mut tally,
        &txn,
        "maria-isabel-moncayo",
        contact::ActiveModel {
            public_id: Set(demo_id("contact/maria-isabel-moncayo")),
            key: Set(Some("maria-isabel-moncayo".into())),
            name: Set("Maria Isabel Moncayo".into()),
            job_title: Set(None),
            organisation_id: Set(Some(org("iom")?)),
            office: Set(Some("IOM Ecuador".into())),
            email: Set(Some("mmoncayo@oim.org.ec".into())),
            phones: Set(contact::Phones(vec!["+ 593 2-22-53-948/49/50".into()])),
            country: Set(Some("EC".into())),
            is_public: Set(true),
            created_at: Set(created),
            updated_at: Set(created),
            ..Default::default()
        },
    )
    .await?;
    let sample_desk = contact(
        &mut tally,
        &txn,
        "sample-press-desk",
        contact::ActiveModel {
            public_id: Set(demo_id("contact/sample-press-desk")),
            key: Set(Some("sample-press-desk".into())),
            name: Set("Sample Press Desk".into()),
            job_title: Set(Some("Media relations (synthetic)".into())),
            organisation_id: Set(Some(org("sample-relief-coalition")?)),
            office: Set(Some("Sample Relief Coalition, Nairobi".into())),
            email: Set(Some("press@sample-relief.example".into())),
            phones: Set(contact::Phones(vec!["+254 20 000 0000".into(), "+254 700 000 000".into()])),
            country: Set(Some("KE".into())),
            is_public: Set(true),
            created_at: Set(created),
            updated_at: Set(created),
            ..Default::default()
        },
    )
    .await?;
    // Never shown to anonymous readers: proves the visibility rule on demo data.
    let private_desk = contact(
        &mut tally,
        &txn,
        "sample-duty-officer",
        contact::ActiveModel {
            public_id: Set(demo_id("contact/sample-duty-officer")),
            key: Set(Some("sample-duty-officer".into())),
            name: Set("Sample Duty Officer".into()),
            job_title: Set(Some("Duty officer, not for publication (synthetic)".into())),
            organisation_id: Set(Some(org("sample-relief-coalition")?)),
            office: Set(Some("Sample Relief Coalition, Nairobi".into())),
            email: Set(Some("duty@sample-relief.example".into())),
            phones: Set(contact::Phones(vec!["+254 711 111 111".into()])),
            country: Set(Some("KE".into())),
            is_public: Set(false),
            created_at: Set(created),
            updated_at: Set(created),
            ..Default::default()
        },
    )
    .await?;

    let mut release_topics = Vec::new();
    let mut release_commissions = Vec::new();
    let mut release_organisations = Vec::new();
    let mut release_contacts = Vec::new();
    let quito = tally
        .create_release(
            &txn,
            release::ActiveModel {
                public_id: Set(demo_id("release/quito")),
                language: Set(QUITO_LANGUAGE.into()),
                slug: Set(QUITO_SLUG.into()),
                translation_group: Set(None),
                title: Set(QUITO_TITLE.into()),
                summary: Set(Some(QUITO_SUMMARY.into())),
                body: Set(QUITO_BODY.into()),
                dateline_city: Set(Some("Quito".into())),
                dateline_country: Set(Some("EC".into())),
                status: Set(release::Status::Published),
                published_at: Set(Some(quito_published)),
                created_at: Set(created),
                updated_at: Set(quito_published),
                ..Default::default()
            },
            QUITO_LANGUAGE,
            QUITO_SLUG,
        )
        .await?;
    // Links go only from releases created now, so they never touch a release the demo did not
    // write, and none of them can exist already.
    if let Some(quito) = quito {
        release_topics.push(release_topic::ActiveModel { release_id: Set(quito), topic_id: Set(topic_ids[0]) });
        // What it is about, besides where it was issued: Ecuador's national plan.
        entity::release_country::Entity::insert(entity::release_country::ActiveModel {
            release_id: Set(quito),
            country: Set("EC".into()),
        })
        .exec_without_returning(&txn)
        .await?;
        release_commissions
            .push(release_commission::ActiveModel { release_id: Set(quito), commission_id: Set(commission_id) });
        for (slug, _) in MEMBERS {
            let role = match slug {
                "iom" => release_organisation::Role::Funder,
                _ => release_organisation::Role::Member,
            };
            release_organisations.push(release_organisation::ActiveModel {
                release_id: Set(quito),
                organisation_id: Set(org(slug)?),
                role: Set(role),
            });
        }
        release_contacts.push(release_contact::ActiveModel {
            release_id: Set(quito),
            contact_id: Set(moncayo),
            position: Set(0),
        });
    }

    // Synthetic samples: five stories, each told in up to three languages (a translation group),
    // plus drafts and a release scheduled far ahead that anonymous readers never see.
    let languages = [("en", "Sample"), ("es", "Ejemplo"), ("fr", "Exemple")];
    let cities = [("Nairobi", "KE"), ("Geneva", "CH"), ("Dhaka", "BD"), ("Bogotá", "CO"), ("Oslo", "NO")];
    let base = at(2026, 1, 5, 9);
    for index in 0..RELEASES - 1 {
        let story = index / 3;
        let (language, word) = languages[index % 3];
        let (city, country) = cities[story % cities.len()];
        let (status, published_at) = match index {
            32 | 33 => (release::Status::Draft, None),
            // Far ahead, but within what every engine stores (MariaDB's limit is 2038-01-19).
            34 => (release::Status::Scheduled, Some(at(2037, 12, 31, 0))),
            _ => (release::Status::Published, Some(base + Duration::days(index as i64 * 3))),
        };
        let slug = format!("sample-release-{story:02}");
        let id = tally
            .create_release(
                &txn,
                release::ActiveModel {
                    public_id: Set(demo_id(&format!("release/sample-{index}"))),
                    language: Set(language.into()),
                    slug: Set(slug.clone()),
                    translation_group: Set(Some(demo_id(&format!("translation-group/{story}")))),
                    title: Set(format!(
                        "[{word} {story:02}] Synthetic release about {}",
                        TOPICS[story % TOPICS.len()].1
                    )),
                    summary: Set(Some(format!(
                        "Synthetic demo content ({language}), story {story}, datelined {city}."
                    ))),
                    body: Set(format!(
                        "*Synthetic demo content: this release is not real.*\n\nStory {story} in `{language}`, \
                     written to show paging, filters and translations.\n\n- datelined {city}\n- topic: {}\n",
                        TOPICS[story % TOPICS.len()].1
                    )),
                    dateline_city: Set(Some(city.into())),
                    dateline_country: Set(Some(country.into())),
                    status: Set(status),
                    published_at: Set(published_at),
                    created_at: Set(base - Duration::days(1)),
                    // Written before it goes live: never a change time in the future.
                    updated_at: Set(published_at.map_or(base, |at| at.min(base + Duration::days(120)))),
                    ..Default::default()
                },
                language,
                &slug,
            )
            .await?;
        let Some(id) = id else { continue };
        release_topics.push(release_topic::ActiveModel {
            release_id: Set(id),
            topic_id: Set(topic_ids[story % topic_ids.len()]),
        });
        if story % 4 == 0 {
            release_commissions
                .push(release_commission::ActiveModel { release_id: Set(id), commission_id: Set(commission_id) });
        }
        release_organisations.push(release_organisation::ActiveModel {
            release_id: Set(id),
            organisation_id: Set(org([
                "sample-northern-observatory",
                "sample-relief-coalition",
                "sample-development-fund",
            ][story % 3])?),
            role: Set(release_organisation::Role::Partner),
        });
        release_contacts.push(release_contact::ActiveModel {
            release_id: Set(id),
            contact_id: Set(sample_desk),
            position: Set(0),
        });
        release_contacts.push(release_contact::ActiveModel {
            release_id: Set(id),
            contact_id: Set(private_desk),
            position: Set(1),
        });
    }
    bulk::insert_all(&txn, release_topics).await?;
    bulk::insert_all(&txn, release_commissions).await?;
    bulk::insert_all(&txn, release_organisations).await?;
    bulk::insert_all(&txn, release_contacts).await?;
    if tally.created > 0 {
        crate::service::write::advance_mark(&txn).await?;
    }
    txn.commit().await?;
    tracing::info!(created = tally.created, reused = tally.reused, skipped = tally.skipped, "demo content loaded");
    Ok(())
}

/// The demo contact `key`: reused if a contact holds that key (or the demo's public id), else `row`.
async fn contact(
    tally: &mut Tally,
    txn: &DatabaseTransaction,
    key: &str,
    row: contact::ActiveModel,
) -> Result<i32, ApiError> {
    let public_id = demo_id(&format!("contact/{key}"));
    let found = tally
        .reuse_or_create(
            txn,
            Named::new("contact", key),
            contact::Column::Id,
            Condition::all().add(contact::Column::Key.eq(key)),
            Condition::all().add(contact::Column::PublicId.eq(public_id)),
            row,
        )
        .await?;
    Ok(found.id())
}
