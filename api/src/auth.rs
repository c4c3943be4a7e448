//! Who is asking (a verified JWT, or nobody), what they may do (`policy`), and the one visibility
//! rule every face applies (`Access`). Faces only ever ask `Caller` and `Access`; none of them
//! looks at tokens or roles itself.

pub mod policy;
pub mod role;
pub mod token;

use chrono::{DateTime, Utc};
use entity::{contact, release};
use sea_orm::{ColumnTrait, Condition};

use self::{
    policy::Operation,
    role::{Principal, Roles},
    token::{TokenError, Verifier},
};
use crate::error::ApiError;

/// The caller of one request: the principal its token proves, or why its token proved nothing.
#[derive(Clone, Debug, Default)]
pub struct Caller {
    pub principal: Option<Principal>,
    /// Set when a token was sent and refused: reads go on as anonymous, writes say why.
    pub refused: Option<TokenError>,
}

impl Caller {
    /// Nobody: no token was sent.
    pub fn anonymous() -> Self {
        Self::default()
    }

    /// The caller an `Authorization` header value makes (`None`: no header).
    pub fn from_authorization(verifier: &Verifier, header: Option<&str>) -> Self {
        let Some(header) = header else { return Self::anonymous() };
        let token = header.strip_prefix("Bearer ").or_else(|| header.strip_prefix("bearer ")).map(str::trim);
        match token.ok_or(TokenError::NotBearer).and_then(|token| verifier.verify(token)) {
            Ok(principal) => Self { principal: Some(principal), refused: None },
            Err(refused) => Self { principal: None, refused: Some(refused) },
        }
    }

    /// The roles the caller holds (none when anonymous).
    pub fn roles(&self) -> Roles {
        self.principal.as_ref().map_or(Roles::NONE, |principal| principal.roles)
    }

    /// What the caller may see, now.
    pub fn access(&self) -> Access {
        let viewer = if policy::sees_unpublished(self.roles()) { Viewer::Preview } else { Viewer::Anonymous };
        Access { viewer, now: Utc::now() }
    }

    /// The principal, if it may do `operation`: UNAUTHENTICATED without a valid token, FORBIDDEN
    /// with one whose roles do not allow it.
    pub fn require(&self, operation: Operation) -> Result<&Principal, ApiError> {
        let Some(principal) = &self.principal else {
            let reason =
                self.refused.as_ref().map_or_else(|| "this operation needs a bearer token".into(), ToString::to_string);
            return Err(ApiError::Unauthenticated { reason });
        };
        if policy::permits(principal.roles, operation) {
            Ok(principal)
        } else {
            Err(ApiError::Forbidden { roles: principal.roles.to_string(), operation })
        }
    }
}

/// The kind of caller, as far as visibility is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Viewer {
    /// Sees published releases (and scheduled ones whose time has come) and public contacts.
    Anonymous,
    /// Sees every release in every state and every contact (previews, accredited partners).
    Preview,
}

/// A caller at one instant: the same `now` is used for every check in a request, so that a
/// release scheduled for this second is either visible everywhere in the response or nowhere.
#[derive(Clone, Copy, Debug)]
pub struct Access {
    pub viewer: Viewer,
    pub now: DateTime<Utc>,
}

impl Access {
    /// An anonymous caller, now.
    pub fn anonymous() -> Self {
        Self { viewer: Viewer::Anonymous, now: Utc::now() }
    }

    /// A caller who sees everything, now (previews and tests).
    pub fn preview() -> Self {
        Self { viewer: Viewer::Preview, now: Utc::now() }
    }

    /// The releases this caller may see, as a SQL condition.
    pub fn release_condition(&self) -> Condition {
        match self.viewer {
            Viewer::Preview => Condition::all(),
            // Visible releases always have a publication time; saying so lets PostgreSQL start its
            // walk down the published_at index past the drafts (it sorts NULLs first in DESC).
            Viewer::Anonymous => Condition::all().add(release::Column::PublishedAt.is_not_null()).add(
                Condition::any().add(release::Column::Status.eq(release::Status::Published)).add(
                    Condition::all()
                        .add(release::Column::Status.eq(release::Status::Scheduled))
                        .add(release::Column::PublishedAt.lte(self.now)),
                ),
            ),
        }
    }

    /// The same rule as `release_condition`, for a row already loaded.
    pub fn sees_release(&self, release: &release::Model) -> bool {
        self.sees_release_in(release.status, release.published_at)
    }

    /// The same rule, for a release in `status` with publication time `published_at`.
    pub fn sees_release_in(&self, status: release::Status, published_at: Option<DateTime<Utc>>) -> bool {
        match self.viewer {
            Viewer::Preview => true,
            Viewer::Anonymous => match status {
                release::Status::Published => published_at.is_some(),
                release::Status::Scheduled => published_at.is_some_and(|at| at <= self.now),
                release::Status::Draft | release::Status::Archived => false,
            },
        }
    }

    /// The contacts this caller may see, as a SQL condition.
    pub fn contact_condition(&self) -> Condition {
        match self.viewer {
            Viewer::Preview => Condition::all(),
            Viewer::Anonymous => Condition::all().add(contact::Column::IsPublic.eq(true)),
        }
    }

    /// The same rule as `contact_condition`, for a row already loaded.
    pub fn sees_contact(&self, contact: &contact::Model) -> bool {
        self.viewer == Viewer::Preview || contact.is_public
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use entity::{contact, release};

    use super::*;

    fn release(status: release::Status, published_at: Option<DateTime<Utc>>) -> release::Model {
        let now = Utc::now();
        release::Model {
            id: 1,
            public_id: uuid::Uuid::nil(),
            language: "en".into(),
            slug: "s".into(),
            translation_group: None,
            title: "t".into(),
            summary: None,
            body: String::new(),
            body_format: release::BodyFormat::Markdown,
            canonical_url: None,
            revised_at: None,
            attachments: None,
            dateline_city: None,
            dateline_country: None,
            status,
            published_at,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    #[test]
    fn anonymous_readers_see_published_and_due_releases_only() {
        let (anonymous, preview) = (Access::anonymous(), Access::preview());
        let past = Some(anonymous.now - Duration::hours(1));
        let future = Some(anonymous.now + Duration::hours(1));
        let cases = [
            (release::Status::Published, past, true),
            (release::Status::Scheduled, past, true),
            (release::Status::Scheduled, future, false),
            (release::Status::Draft, None, false),
            (release::Status::Archived, past, false),
        ];
        for (status, at, visible) in cases {
            assert_eq!(anonymous.sees_release(&release(status, at)), visible, "{status:?} at {at:?}");
            assert!(preview.sees_release(&release(status, at)), "previews see {status:?}");
        }
    }

    #[test]
    fn private_contacts_are_for_previews_only() {
        let now = Utc::now();
        let private = contact::Model {
            id: 1,
            public_id: uuid::Uuid::nil(),
            key: None,
            name: "n".into(),
            job_title: None,
            organisation_id: None,
            office: None,
            email: None,
            phones: contact::Phones::default(),
            country: None,
            is_public: false,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        assert!(!Access::anonymous().sees_contact(&private));
        assert!(Access::preview().sees_contact(&private));
    }
}
