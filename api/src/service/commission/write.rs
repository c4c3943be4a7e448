//! Creating, changing and deleting commissions, and their members.

use chrono::{NaiveDate, Utc};
use entity::{
    commission::{self, Status},
    commission_member::{self, Role},
    organisation,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect, RelationTrait,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    error::{ApiError, FieldErrors},
    service::{
        bulk,
        organisation::write::TARGET as ORGANISATION,
        write::{self, Author, Key, Target, required},
    },
    validate,
};

/// A commission's fields as a write gives them: `None` leaves a field as it is, `Some(None)`
/// clears an optional one; `members`, when given, replaces the whole membership.
#[derive(Clone, Debug, Default)]
pub struct Patch {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub mandate: Option<String>,
    pub country: Option<Option<String>>,
    pub established_on: Option<Option<NaiveDate>>,
    pub legal_basis: Option<Option<String>>,
    pub head_organisation: Option<Option<Key>>,
    pub status: Option<Status>,
    pub members: Option<Vec<Member>>,
    /// Names in other languages, replacing the current ones.
    pub names: Option<Vec<(String, String)>>,
}

/// An organisation's seat on a commission.
#[derive(Clone, Debug)]
pub struct Member {
    pub organisation: Key,
    pub role: Role,
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

/// Changes to one seat: `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct MemberPatch {
    pub role: Option<Role>,
    pub since: Option<Option<NaiveDate>>,
    pub until: Option<Option<NaiveDate>>,
}

/// Where commission references point.
pub const TARGET: Target<commission::Entity> = Target {
    entity: "Commission",
    id: commission::Column::Id,
    public_id: commission::Column::PublicId,
    slug: Some(commission::Column::Slug),
};

/// Key, version and update-time columns, for `write::update_versioned`.
pub(crate) const COLUMNS: [commission::Column; 3] =
    [commission::Column::Id, commission::Column::Version, commission::Column::UpdatedAt];

fn find(public_id: Uuid) -> sea_orm::Select<commission::Entity> {
    commission::Entity::find().filter(commission::Column::PublicId.eq(public_id))
}

/// What the audit log records of a commission: its fields, its head and its members by slug.
async fn snapshot(txn: &DatabaseTransaction, commission: &commission::Model) -> Result<Value, ApiError> {
    let head = match commission.head_organisation_id {
        Some(id) => {
            organisation::Entity::find_by_id(id)
                .select_only()
                .column(organisation::Column::Slug)
                .into_tuple::<String>()
                .one(txn)
                .await?
        }
        None => None,
    };
    let members: Vec<(String, Role, Option<NaiveDate>, Option<NaiveDate>)> = commission_member::Entity::find()
        .select_only()
        .column(organisation::Column::Slug)
        .column(commission_member::Column::Role)
        .column(commission_member::Column::Since)
        .column(commission_member::Column::Until)
        .join(JoinType::InnerJoin, commission_member::Relation::Organisation.def())
        .filter(commission_member::Column::CommissionId.eq(commission.id))
        .order_by_asc(organisation::Column::Slug)
        .into_tuple()
        .all(txn)
        .await?;
    let members: Vec<Value> = members
        .into_iter()
        .map(|(organisation, role, since, until)| json!({ "organisation": organisation, "role": role, "since": since, "until": until }))
        .collect();
    Ok(json!({
        "id": commission.public_id,
        "slug": commission.slug,
        "name": commission.name,
        "mandate": commission.mandate,
        "country": commission.country,
        "establishedOn": commission.established_on,
        "legalBasis": commission.legal_basis,
        "headOrganisation": head,
        "status": commission.status,
        "members": members,
        "names": commission.names,
        "version": commission.version,
    }))
}

/// Reports a term that ends before it starts, at `{prefix}until`.
fn check_term(errors: &mut FieldErrors, prefix: &str, since: Option<NaiveDate>, until: Option<NaiveDate>) {
    if let (Some(since), Some(until)) = (since, until)
        && until < since
    {
        errors.add(format!("{prefix}until"), format!("{until} is before `since` ({since})"));
    }
}

/// The rules of a commission's own fields and of its members' terms, for every face that writes
/// one (the mutations and the import), each reported at its field as GraphQL names it. Members
/// are checked where they are resolved (each organisation must exist, and sit once).
pub fn rules(patch: &Patch, creating: bool, errors: &mut FieldErrors) {
    required(errors, creating, [("slug", patch.slug.is_some()), ("name", patch.name.is_some())]);
    if let Some(slug) = &patch.slug {
        errors.check("slug", validate::slug(slug));
    }
    if let Some(name) = &patch.name {
        errors.check("name", validate::text(name, 255));
    }
    if let Some(mandate) = &patch.mandate {
        errors.check("mandate", validate::long_text(mandate));
    }
    if let Some(Some(code)) = &patch.country {
        errors.check("country", validate::country_code(code).map(drop));
    }
    if let Some(Some(legal_basis)) = &patch.legal_basis {
        errors.check("legalBasis", validate::text(legal_basis, 255));
    }
    for (index, member) in patch.members.iter().flatten().enumerate() {
        check_term(errors, &format!("members[{index}]."), member.since, member.until);
    }
    if let Some(names) = &patch.names {
        write::names(errors, "names", names.clone());
    }
}

/// The columns `patch` sets, as they are stored: the one place a commission's fields become a
/// row, for the mutations and the import alike. `rules` has checked them; its head and members
/// are resolved (one by one, or a file's at a time) by the caller.
pub(crate) fn columns(patch: &Patch, creating: bool) -> commission::ActiveModel {
    let mut row = commission::ActiveModel { ..Default::default() };
    if let Some(slug) = &patch.slug {
        row.slug = Set(slug.clone());
    }
    if let Some(name) = &patch.name {
        row.name = Set(name.clone());
    }
    if let Some(names) = &patch.names {
        // Checked by `rules`; here only their stored form is wanted.
        row.names = Set(write::names(&mut FieldErrors::default(), "names", names.clone()));
    }
    if let Some(mandate) = &patch.mandate {
        row.mandate = Set(mandate.clone());
    } else if creating {
        // No mandate is stored as empty text (and read as none): making the column nullable would
        // mean rebuilding the table on SQLite, which cannot alter a column.
        row.mandate = Set(String::new());
    }
    row.country = write::country(patch.country.clone());
    if let Some(established_on) = patch.established_on {
        row.established_on = Set(established_on);
    }
    row.legal_basis = write::given(patch.legal_basis.clone());
    if let Some(status) = patch.status {
        row.status = Set(status);
    }
    row
}

async fn changes(
    txn: &DatabaseTransaction,
    patch: &Patch,
    creating: bool,
    errors: &mut FieldErrors,
) -> Result<(commission::ActiveModel, Option<Vec<i32>>), ApiError> {
    rules(patch, creating, errors);
    let mut row = columns(patch, creating);
    if let Some(head) = &patch.head_organisation {
        let id = match head {
            Some(key) => write::resolve(txn, &ORGANISATION, &[("headOrganisation".into(), key)], errors).await?[0],
            None => None,
        };
        row.head_organisation_id = Set(id);
    }
    let members = match &patch.members {
        Some(members) => {
            let keys: Vec<(String, &Key)> = members
                .iter()
                .enumerate()
                .map(|(index, member)| (format!("members[{index}].organisation"), &member.organisation))
                .collect();
            write::no_duplicates(errors, "members", members.iter().map(|member| &member.organisation));
            let ids = write::resolve(txn, &ORGANISATION, &keys, errors).await?;
            Some(ids.into_iter().flatten().collect())
        }
        None => None,
    };
    Ok((row, members))
}

/// A seat as it is stored: the organisation by internal key, with its role and term.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Seat {
    pub organisation: i32,
    pub role: Role,
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

impl Seat {
    fn of(member: &Member, organisation: i32) -> Self {
        Self { organisation, role: member.role, since: member.since, until: member.until }
    }
}

/// Replaces the members of each of `commissions` (commission, seats in order): the one write of
/// a commission's members, for the mutations (one commission) and the import (a chunk), in two
/// statements whatever their number.
pub(crate) async fn replace_members(
    txn: &impl ConnectionTrait,
    commissions: &[(i32, Vec<Seat>)],
) -> Result<(), ApiError> {
    let ids: Vec<i32> = commissions.iter().map(|(id, _)| *id).collect();
    for part in ids.chunks(1000) {
        commission_member::Entity::delete_many()
            .filter(commission_member::Column::CommissionId.is_in(part.iter().copied()))
            .exec(txn)
            .await?;
    }
    let rows: Vec<commission_member::ActiveModel> = commissions
        .iter()
        .flat_map(|(commission_id, seats)| {
            seats.iter().map(|seat| commission_member::ActiveModel {
                commission_id: Set(*commission_id),
                organisation_id: Set(seat.organisation),
                role: Set(seat.role),
                since: Set(seat.since),
                until: Set(seat.until),
            })
        })
        .collect();
    bulk::insert_all(txn, rows).await
}

/// Creates a commission with its members.
pub async fn create(db: &DatabaseConnection, author: Author<'_>, patch: Patch) -> Result<commission::Model, ApiError> {
    let txn = write::begin(db).await?;
    let mut errors = FieldErrors::default();
    let (mut row, members) = changes(&txn, &patch, true, &mut errors).await?;
    errors.finish()?;
    let now = Utc::now();
    if row.status.is_not_set() {
        row.status = Set(Status::Active);
    }
    write::stamp_new(&mut row, Uuid::now_v7(), now);
    let created = row.insert(&txn).await?;
    if let (Some(members), Some(ids)) = (&patch.members, members) {
        let seats = members.iter().zip(ids).map(|(member, id)| Seat::of(member, id)).collect();
        replace_members(&txn, &[(created.id, seats)]).await?;
    }
    let after = snapshot(&txn, &created).await?;
    write::audit(&txn, author, "Commission", created.public_id, "create", None, Some(&after)).await?;
    write::commit(txn, author, &write::touched("Commission", created.public_id)).await?;
    Ok(created)
}

/// Changes the fields `patch` gives, if the commission is still at `expected` (when given).
pub async fn update(
    db: &DatabaseConnection,
    author: Author<'_>,
    public_id: Uuid,
    expected: Option<i32>,
    patch: Patch,
) -> Result<commission::Model, ApiError> {
    let txn = write::begin(db).await?;
    let current = write::locked(&txn, find(public_id), "Commission", public_id).await?;
    write::check_version("Commission", current.version, expected)?;
    let before = snapshot(&txn, &current).await?;
    let mut errors = FieldErrors::default();
    let (row, members) = changes(&txn, &patch, false, &mut errors).await?;
    errors.finish()?;
    write::update_versioned(&txn, row, COLUMNS, current.id, current.version, "Commission").await?;
    if let (Some(members), Some(ids)) = (&patch.members, members) {
        let seats = members.iter().zip(ids).map(|(member, id)| Seat::of(member, id)).collect();
        replace_members(&txn, &[(current.id, seats)]).await?;
    }
    finish(txn, author, public_id, "update", (current, before)).await
}

/// Re-reads the commission, records the write and commits; or rolls back a write that changed
/// nothing of the commission `current` (`write::commit_update`) and returns it as it was.
async fn finish(
    txn: DatabaseTransaction,
    author: Author<'_>,
    public_id: Uuid,
    operation: &str,
    (current, before): (commission::Model, Value),
) -> Result<commission::Model, ApiError> {
    let updated = write::locked(&txn, find(public_id), "Commission", public_id).await?;
    let after = snapshot(&txn, &updated).await?;
    let kept = write::commit_update(txn, author, ("Commission", public_id), operation, &before, &after).await?;
    Ok(if kept { updated } else { current })
}

/// Deletes a commission and its members (releases that named it simply lose it).
pub async fn delete(
    db: &DatabaseConnection,
    author: Author<'_>,
    public_id: Uuid,
    expected: Option<i32>,
) -> Result<commission::Model, ApiError> {
    write::delete::<commission::Model>(db, author, public_id, expected).await
}

#[async_trait::async_trait]
impl write::Editable for commission::Model {
    type Entity = commission::Entity;
    const NAME: &'static str = "Commission";

    fn find(public_id: Uuid) -> sea_orm::Select<Self::Entity> {
        find(public_id)
    }

    fn key(&self) -> i32 {
        self.id
    }

    fn version(&self) -> i32 {
        self.version
    }

    async fn snapshot(&self, txn: &DatabaseTransaction) -> Result<Value, ApiError> {
        snapshot(txn, self).await
    }
}

/// One seat change: locks the commission, checks the version, resolves the organisation. An
/// organisation given in the input (`in_input`) that does not exist is a field error; one that
/// names an existing seat is simply not found.
async fn seat(
    db: &DatabaseConnection,
    public_id: Uuid,
    expected: Option<i32>,
    organisation: &Key,
    in_input: bool,
) -> Result<(DatabaseTransaction, commission::Model, Value, i32), ApiError> {
    let txn = write::begin(db).await?;
    let current = write::locked(&txn, find(public_id), "Commission", public_id).await?;
    write::check_version("Commission", current.version, expected)?;
    let before = snapshot(&txn, &current).await?;
    let mut errors = FieldErrors::default();
    let id = write::resolve(&txn, &ORGANISATION, &[("organisation".into(), organisation)], &mut errors).await?[0];
    match id {
        Some(id) => Ok((txn, current, before, id)),
        None if in_input => Err(errors.finish().err().unwrap_or(ApiError::BadRequest("unknown organisation".into()))),
        None => Err(ApiError::NotFound { entity: "Member", key: organisation.to_string() }),
    }
}

fn find_seat(commission_id: i32, organisation_id: i32) -> sea_orm::Select<commission_member::Entity> {
    commission_member::Entity::find()
        .filter(commission_member::Column::CommissionId.eq(commission_id))
        .filter(commission_member::Column::OrganisationId.eq(organisation_id))
}

/// Gives an organisation a seat on the commission.
pub async fn add_member(
    db: &DatabaseConnection,
    author: Author<'_>,
    public_id: Uuid,
    expected: Option<i32>,
    member: Member,
) -> Result<commission::Model, ApiError> {
    let (txn, current, before, organisation_id) = seat(db, public_id, expected, &member.organisation, true).await?;
    let mut errors = FieldErrors::default();
    check_term(&mut errors, "", member.since, member.until);
    errors.finish()?;
    if find_seat(current.id, organisation_id).one(&txn).await?.is_some() {
        return Err(ApiError::Conflict(format!("`{}` already sits on the commission", member.organisation)));
    }
    let row = commission_member::ActiveModel {
        commission_id: Set(current.id),
        organisation_id: Set(organisation_id),
        role: Set(member.role),
        since: Set(member.since),
        until: Set(member.until),
    };
    commission_member::Entity::insert(row).exec_without_returning(&txn).await?;
    write::touch::<commission::Entity>(&txn, COLUMNS, current.id, current.version, "Commission").await?;
    finish(txn, author, public_id, "add_member", (current, before)).await
}

/// Changes an organisation's seat on the commission.
pub async fn update_member(
    db: &DatabaseConnection,
    author: Author<'_>,
    public_id: Uuid,
    expected: Option<i32>,
    organisation: Key,
    patch: MemberPatch,
) -> Result<commission::Model, ApiError> {
    let (txn, current, before, organisation_id) = seat(db, public_id, expected, &organisation, false).await?;
    let seat = find_seat(current.id, organisation_id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::NotFound { entity: "Member", key: organisation.to_string() })?;
    let (since, until) = (patch.since.unwrap_or(seat.since), patch.until.unwrap_or(seat.until));
    let mut errors = FieldErrors::default();
    check_term(&mut errors, "", since, until);
    errors.finish()?;
    let mut row: commission_member::ActiveModel = seat.into();
    if let Some(role) = patch.role {
        row.role = Set(role);
    }
    row.since = Set(since);
    row.until = Set(until);
    row.update(&txn).await?;
    write::touch::<commission::Entity>(&txn, COLUMNS, current.id, current.version, "Commission").await?;
    finish(txn, author, public_id, "update_member", (current, before)).await
}

/// Takes an organisation's seat on the commission away.
pub async fn remove_member(
    db: &DatabaseConnection,
    author: Author<'_>,
    public_id: Uuid,
    expected: Option<i32>,
    organisation: Key,
) -> Result<commission::Model, ApiError> {
    let (txn, current, before, organisation_id) = seat(db, public_id, expected, &organisation, false).await?;
    let removed = commission_member::Entity::delete_many()
        .filter(commission_member::Column::CommissionId.eq(current.id))
        .filter(commission_member::Column::OrganisationId.eq(organisation_id))
        .exec(&txn)
        .await?;
    if removed.rows_affected == 0 {
        return Err(ApiError::NotFound { entity: "Member", key: organisation.to_string() });
    }
    write::touch::<commission::Entity>(&txn, COLUMNS, current.id, current.version, "Commission").await?;
    finish(txn, author, public_id, "remove_member", (current, before)).await
}
