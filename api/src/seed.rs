//! Deterministic synthetic content at any scale, for benchmarks: the same `--releases N` always
//! gives the same rows (ids, slugs, text, relations), so figures from different runs compare.

use std::fmt;

use chrono::{DateTime, Duration, TimeZone, Utc};
use entity::{
    commission, commission_member, contact, organisation, release, release_commission, release_contact,
    release_organisation, release_topic, topic,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait,
};
use uuid::Uuid;

use crate::{error::ApiError, service::bulk};

/// What a seed run wrote.
#[derive(Debug, Default)]
pub struct Counts {
    pub releases: u32,
    pub organisations: u32,
    pub commissions: u32,
    pub contacts: u32,
    pub topics: u32,
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} releases, {} organisations, {} commissions, {} contacts, {} topics",
            self.releases, self.organisations, self.commissions, self.contacts, self.topics
        )
    }
}

const WORDS: [&str; 24] = [
    "migration",
    "displacement",
    "water",
    "health",
    "shelter",
    "trafficking",
    "returns",
    "climate",
    "labour",
    "border",
    "protection",
    "recovery",
    "drought",
    "flood",
    "data",
    "mobility",
    "integration",
    "livelihoods",
    "vaccination",
    "resettlement",
    "assistance",
    "training",
    "registration",
    "emergency",
];
const PLACES: [(&str, &str); 12] = [
    ("Quito", "EC"),
    ("Khartoum", "SD"),
    ("Niamey", "NE"),
    ("Dhaka", "BD"),
    ("Geneva", "CH"),
    ("Nairobi", "KE"),
    ("Bogotá", "CO"),
    ("Amman", "JO"),
    ("Kabul", "AF"),
    ("Manila", "PH"),
    ("Tegucigalpa", "HN"),
    ("Beirut", "LB"),
];
const LANGUAGES: [&str; 3] = ["en", "es", "fr"];
const KINDS: [organisation::Kind; 8] = [
    organisation::Kind::Government,
    organisation::Kind::CivilSociety,
    organisation::Kind::International,
    organisation::Kind::UnAgency,
    organisation::Kind::Donor,
    organisation::Kind::Academic,
    organisation::Kind::PrivateSector,
    organisation::Kind::Other,
];
const ROLES: [commission_member::Role; 4] = [
    commission_member::Role::Member,
    commission_member::Role::Member,
    commission_member::Role::Observer,
    commission_member::Role::TechnicalAdvisor,
];

fn uuid(rng: &mut fastrand::Rng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.u128(..).to_le_bytes()).into_uuid()
}

fn words(rng: &mut fastrand::Rng, count: usize) -> String {
    (0..count).map(|_| WORDS[rng.usize(..WORDS.len())]).collect::<Vec<_>>().join(" ")
}

/// Picks `count` distinct indexes below `len` (`count` must not exceed `len`).
fn distinct(rng: &mut fastrand::Rng, len: usize, count: usize) -> Vec<usize> {
    let mut picked = Vec::with_capacity(count);
    while picked.len() < count.min(len) {
        let index = rng.usize(..len);
        if !picked.contains(&index) {
            picked.push(index);
        }
    }
    picked
}

/// Generates `releases` releases and the records around them, in one transaction.
/// Refuses to run twice on the same database (the slugs would clash).
pub async fn generate(db: &DatabaseConnection, releases: u32) -> Result<Counts, ApiError> {
    let existing =
        organisation::Entity::find().filter(organisation::Column::Slug.eq("seed-organisation-0")).count(db).await?;
    if existing > 0 {
        return Err(ApiError::bad_input("seed", "this database is already seeded; start from an empty one"));
    }
    let mut rng = fastrand::Rng::with_seed(2026);
    let epoch: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap_or_default();
    let counts = Counts {
        releases,
        organisations: (releases / 100).max(50),
        commissions: (releases / 200).max(10),
        contacts: (releases / 50).max(20),
        topics: 40,
    };
    let txn = db.begin().await?;

    let mut organisation_ids = Vec::new();
    for index in 0..counts.organisations {
        let (_, country) = PLACES[index as usize % PLACES.len()];
        let kind = KINDS[index as usize % KINDS.len()];
        let parent = (index % 10 == 9).then(|| organisation_ids[index as usize - 1]);
        let id = bulk::insert_one(
            &txn,
            organisation::ActiveModel {
                public_id: Set(uuid(&mut rng)),
                slug: Set(format!("seed-organisation-{index}")),
                name: Set(format!("Seed {} organisation {index}", words(&mut rng, 2))),
                acronym: Set(Some(format!("SO{index}"))),
                kind: Set(kind),
                country: Set(matches!(kind, organisation::Kind::International | organisation::Kind::UnAgency)
                    .then_some(())
                    .map_or(Some(country.into()), |_| None)),
                parent_id: Set(parent),
                website: Set(Some(format!("https://seed-{index}.example.org"))),
                description: Set(Some(format!("Synthetic organisation working on {}.", words(&mut rng, 3)))),
                created_at: Set(epoch),
                updated_at: Set(epoch),
                ..Default::default()
            },
        )
        .await?;
        organisation_ids.push(id);
    }

    let mut topic_ids = Vec::new();
    for index in 0..counts.topics {
        let word = WORDS[index as usize % WORDS.len()];
        let id = bulk::insert_one(
            &txn,
            topic::ActiveModel {
                public_id: Set(uuid(&mut rng)),
                slug: Set(format!("seed-topic-{index}-{word}")),
                name: Set(format!("Seed topic {index}: {word}")),
                created_at: Set(epoch),
                updated_at: Set(epoch),
                ..Default::default()
            },
        )
        .await?;
        topic_ids.push(id);
    }

    let mut commission_ids = Vec::new();
    let mut members = Vec::new();
    for index in 0..counts.commissions {
        let (city, country) = PLACES[index as usize % PLACES.len()];
        let seat_count = 4 + rng.usize(..5);
        let seats = distinct(&mut rng, organisation_ids.len(), seat_count);
        let id = bulk::insert_one(
            &txn,
            commission::ActiveModel {
                public_id: Set(uuid(&mut rng)),
                slug: Set(format!("seed-commission-{index}")),
                name: Set(format!("Seed commission {index} on {} in {city}", words(&mut rng, 2))),
                mandate: Set(format!("Synthetic mandate: coordinate {}.", words(&mut rng, 12))),
                country: Set(Some(country.into())),
                established_on: Set((epoch - Duration::days(365 + i64::from(index) * 7)).date_naive().into()),
                legal_basis: Set(Some("Executive Decree".into())),
                head_organisation_id: Set(Some(organisation_ids[seats[0]])),
                status: Set(if index % 7 == 6 { commission::Status::Dissolved } else { commission::Status::Active }),
                created_at: Set(epoch),
                updated_at: Set(epoch),
                ..Default::default()
            },
        )
        .await?;
        for (seat, organisation) in seats.into_iter().enumerate() {
            members.push(commission_member::ActiveModel {
                commission_id: Set(id),
                organisation_id: Set(organisation_ids[organisation]),
                role: Set(if seat == 0 { commission_member::Role::Chair } else { ROLES[rng.usize(..ROLES.len())] }),
                since: Set(Some((epoch - Duration::days(300)).date_naive())),
                until: Set(None),
            });
        }
        commission_ids.push(id);
    }
    bulk::insert_all(&txn, members).await?;

    let mut contact_ids = Vec::new();
    for index in 0..counts.contacts {
        let (_, country) = PLACES[index as usize % PLACES.len()];
        let id = bulk::insert_one(
            &txn,
            contact::ActiveModel {
                public_id: Set(uuid(&mut rng)),
                key: Set(Some(format!("seed-contact-{index}"))),
                name: Set(format!("Seed Contact {index}")),
                job_title: Set(Some("Media officer".into())),
                organisation_id: Set(Some(organisation_ids[rng.usize(..organisation_ids.len())])),
                office: Set(Some(format!("Seed office {}", index % 17))),
                email: Set(Some(format!("contact{index}@seed.example.org"))),
                phones: Set(contact::Phones(vec![format!("+41 22 717 {:04}", index % 10_000)])),
                country: Set(Some(country.into())),
                is_public: Set(index % 10 != 0),
                created_at: Set(epoch),
                updated_at: Set(epoch),
                ..Default::default()
            },
        )
        .await?;
        contact_ids.push(id);
    }

    let (mut topics, mut commissions, mut organisations, mut contacts) = (vec![], vec![], vec![], vec![]);
    for index in 0..releases {
        let (city, country) = PLACES[rng.usize(..PLACES.len())];
        let language = LANGUAGES[index as usize % LANGUAGES.len()];
        let published_at = epoch - Duration::minutes(i64::from(index) * 37);
        let status = match index % 50 {
            0 => release::Status::Draft,
            1 => release::Status::Archived,
            _ => release::Status::Published,
        };
        let headline = words(&mut rng, 5);
        let paragraphs: Vec<String> = (0..6).map(|_| words(&mut rng, 70)).collect();
        let id = bulk::insert_one(
            &txn,
            release::ActiveModel {
                public_id: Set(uuid(&mut rng)),
                language: Set(language.into()),
                slug: Set(format!("seed-{}-{index}", headline.replace(' ', "-"))),
                translation_group: Set(None),
                title: Set(format!("Seed release {index}: {headline} in {city}")),
                summary: Set(Some(format!("Synthetic summary about {}.", words(&mut rng, 20)))),
                body: Set(paragraphs.join("\n\n")),
                dateline_city: Set(Some(city.into())),
                dateline_country: Set(Some(country.into())),
                status: Set(status),
                published_at: Set((status != release::Status::Draft).then_some(published_at)),
                created_at: Set(published_at - Duration::hours(2)),
                updated_at: Set(published_at),
                ..Default::default()
            },
        )
        .await?;
        let topic_count = 1 + rng.usize(..3);
        for topic in distinct(&mut rng, topic_ids.len(), topic_count) {
            topics.push(release_topic::ActiveModel { release_id: Set(id), topic_id: Set(topic_ids[topic]) });
        }
        if index % 5 != 4 {
            let commission = commission_ids[rng.usize(..commission_ids.len())];
            commissions.push(release_commission::ActiveModel { release_id: Set(id), commission_id: Set(commission) });
        }
        for organisation in distinct(&mut rng, organisation_ids.len(), 2) {
            organisations.push(release_organisation::ActiveModel {
                release_id: Set(id),
                organisation_id: Set(organisation_ids[organisation]),
                role: Set(release_organisation::Role::Mentioned),
            });
        }
        let contact_count = 1 + rng.usize(..2);
        for (position, contact) in distinct(&mut rng, contact_ids.len(), contact_count).into_iter().enumerate() {
            contacts.push(release_contact::ActiveModel {
                release_id: Set(id),
                contact_id: Set(contact_ids[contact]),
                position: Set(position as i32),
            });
        }
    }
    bulk::insert_all(&txn, topics).await?;
    bulk::insert_all(&txn, commissions).await?;
    bulk::insert_all(&txn, organisations).await?;
    bulk::insert_all(&txn, contacts).await?;
    crate::service::write::advance_mark(&txn).await?;
    txn.commit().await?;
    Ok(counts)
}
