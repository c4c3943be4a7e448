//! Commission mutations, memberships included.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};

use super::{author, fail, id_of, key, patch};
use crate::{
    auth::policy::Operation,
    error::GqlResult,
    graphql::{
        commission::{Commission, CommissionStatus, MemberRole},
        db,
        node::Kind,
        scalar::Date,
    },
    service::commission::write::{self, Member, MemberPatch, Patch},
};

/// An organisation's seat on a commission.
#[derive(InputObject)]
pub struct CommissionMemberInput {
    organisation: ID,
    role: MemberRole,
    since: Option<Date>,
    until: Option<Date>,
}

impl From<CommissionMemberInput> for Member {
    fn from(input: CommissionMemberInput) -> Self {
        Member {
            organisation: key(&input.organisation, Kind::Organisation),
            role: input.role.into(),
            since: input.since.map(|date| date.0),
            until: input.until.map(|date| date.0),
        }
    }
}

/// Changes to a seat; fields left out stay as they are, `null` clears a date.
#[derive(InputObject)]
pub struct UpdateCommissionMemberInput {
    role: Option<MemberRole>,
    since: MaybeUndefined<Date>,
    until: MaybeUndefined<Date>,
}

/// A new commission.
#[derive(InputObject)]
pub struct CreateCommissionInput {
    /// URL slug: lower-case letters, digits and hyphens; unique.
    slug: String,
    name: String,
    mandate: String,
    /// ISO 3166-1 alpha-2.
    country: Option<String>,
    established_on: Option<Date>,
    /// E.g. "Executive Decree 1981".
    legal_basis: Option<String>,
    head_organisation: Option<ID>,
    /// Default: ACTIVE.
    status: Option<CommissionStatus>,
    members: Option<Vec<CommissionMemberInput>>,
}

/// Changes to a commission; fields left out stay as they are, `null` clears an optional one, and
/// `members`, when given, replaces the whole membership.
#[derive(InputObject)]
pub struct UpdateCommissionInput {
    slug: Option<String>,
    name: Option<String>,
    mandate: Option<String>,
    country: MaybeUndefined<String>,
    established_on: MaybeUndefined<Date>,
    legal_basis: MaybeUndefined<String>,
    head_organisation: MaybeUndefined<ID>,
    status: Option<CommissionStatus>,
    members: Option<Vec<CommissionMemberInput>>,
}

#[derive(Default)]
pub struct CommissionMutation;

#[Object]
impl CommissionMutation {
    /// Creates a commission with its members (editor, admin).
    async fn create_commission(&self, ctx: &Context<'_>, input: CreateCommissionInput) -> GqlResult<Commission> {
        let author = author(ctx, Operation::Create)?;
        let patch = Patch {
            slug: Some(input.slug),
            name: Some(input.name),
            mandate: Some(input.mandate),
            country: Some(input.country),
            established_on: Some(input.established_on.map(|date| date.0)),
            legal_basis: Some(input.legal_basis),
            head_organisation: Some(input.head_organisation.map(|id| key(&id, Kind::Organisation))),
            status: input.status.map(Into::into),
            members: input.members.map(|members| members.into_iter().map(Member::from).collect()),
        };
        write::create(db(ctx)?, author, patch).await.map(Commission::from).map_err(|error| fail(ctx, error))
    }

    /// Changes a commission (editor, admin). With `expectedVersion`, refused (CONFLICT) if it has
    /// changed since that version.
    async fn update_commission(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i32>,
        input: UpdateCommissionInput,
    ) -> GqlResult<Commission> {
        let author = author(ctx, Operation::Update)?;
        let id = id_of("id", &id, Kind::Commission)?;
        let patch = Patch {
            slug: input.slug,
            name: input.name,
            mandate: input.mandate,
            country: patch(input.country, |value| value),
            established_on: patch(input.established_on, |date| date.0),
            legal_basis: patch(input.legal_basis, |value| value),
            head_organisation: patch(input.head_organisation, |id| key(&id, Kind::Organisation)),
            status: input.status.map(Into::into),
            members: input.members.map(|members| members.into_iter().map(Member::from).collect()),
        };
        write::update(db(ctx)?, author, id, expected_version, patch)
            .await
            .map(Commission::from)
            .map_err(|error| fail(ctx, error))
    }

    /// Deletes a commission and its memberships (admin); releases that named it lose it.
    async fn delete_commission(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i32>,
    ) -> GqlResult<Commission> {
        let author = author(ctx, Operation::Delete)?;
        let id = id_of("id", &id, Kind::Commission)?;
        write::delete(db(ctx)?, author, id, expected_version)
            .await
            .map(Commission::from)
            .map_err(|error| fail(ctx, error))
    }

    /// Gives an organisation a seat on the commission (editor, admin); CONFLICT if it has one.
    async fn add_commission_member(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i32>,
        input: CommissionMemberInput,
    ) -> GqlResult<Commission> {
        let author = author(ctx, Operation::Update)?;
        let id = id_of("id", &id, Kind::Commission)?;
        write::add_member(db(ctx)?, author, id, expected_version, input.into())
            .await
            .map(Commission::from)
            .map_err(|error| fail(ctx, error))
    }

    /// Changes an organisation's seat on the commission (editor, admin).
    async fn update_commission_member(
        &self,
        ctx: &Context<'_>,
        id: ID,
        organisation: ID,
        expected_version: Option<i32>,
        input: UpdateCommissionMemberInput,
    ) -> GqlResult<Commission> {
        let author = author(ctx, Operation::Update)?;
        let id = id_of("id", &id, Kind::Commission)?;
        let seat = MemberPatch {
            role: input.role.map(Into::into),
            since: patch(input.since, |date| date.0),
            until: patch(input.until, |date| date.0),
        };
        write::update_member(db(ctx)?, author, id, expected_version, key(&organisation, Kind::Organisation), seat)
            .await
            .map(Commission::from)
            .map_err(|error| fail(ctx, error))
    }

    /// Takes an organisation's seat on the commission away (editor, admin).
    async fn remove_commission_member(
        &self,
        ctx: &Context<'_>,
        id: ID,
        organisation: ID,
        expected_version: Option<i32>,
    ) -> GqlResult<Commission> {
        let author = author(ctx, Operation::Update)?;
        let id = id_of("id", &id, Kind::Commission)?;
        write::remove_member(db(ctx)?, author, id, expected_version, key(&organisation, Kind::Organisation))
            .await
            .map(Commission::from)
            .map_err(|error| fail(ctx, error))
    }
}
