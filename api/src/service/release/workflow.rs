//! The publishing workflow: which state changes a release can make, and making them.
//!
//! `published_at` is the instant a release goes (or went) live. It is set once, at the first
//! publication, and never moves after the release has been live: unpublishing and publishing
//! again keeps it. A schedule sets it to the scheduled instant, which the visibility rule
//! compares with the clock (so no background job is needed); a cancelled schedule clears it.

use chrono::{DateTime, Utc};
use entity::release::{self, Status};
use sea_orm::{ActiveValue::Set, DatabaseConnection};
use uuid::Uuid;

use super::write::{COLUMNS, find, finish, snapshot};
use crate::{
    error::ApiError,
    service::write::{self, Author},
};

/// A workflow step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Publish,
    Schedule(DateTime<Utc>),
    Unpublish,
    Archive,
}

impl Action {
    /// The name the audit log records.
    pub fn name(self) -> &'static str {
        match self {
            Self::Publish => "publish",
            Self::Schedule(_) => "schedule",
            Self::Unpublish => "unpublish",
            Self::Archive => "archive",
        }
    }
}

/// Why a step is impossible from where the release stands.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The state does not allow the step (CONFLICT).
    State(String),
    /// The step's own argument is wrong (BAD_USER_INPUT on `at`).
    At(String),
}

/// The status and `published_at` after `action`, from `status` and `published_at`, at `now`.
pub fn transition(
    status: Status,
    published_at: Option<DateTime<Utc>>,
    action: Action,
    now: DateTime<Utc>,
) -> Result<(Status, Option<DateTime<Utc>>), Refusal> {
    // Whether the release has been live at some point (published, or scheduled and due).
    let went_live = published_at.is_some_and(|at| at <= now);
    let kept = if went_live { published_at } else { None };
    let refuse = |why: &str| Err(Refusal::State(why.to_owned()));
    match (action, status) {
        (Action::Publish, Status::Published) => refuse("the release is already published"),
        (Action::Publish, _) => Ok((Status::Published, kept.or(Some(now)))),
        (Action::Schedule(_), Status::Published) => {
            refuse("the release is published: unpublish it before scheduling it")
        }
        (Action::Schedule(at), _) if at <= now => Err(Refusal::At(format!("{at} is not in the future"))),
        (Action::Schedule(_), _) if went_live => {
            refuse("the release has already been live; publish it again instead (its publication date does not move)")
        }
        (Action::Schedule(at), _) => Ok((Status::Scheduled, Some(at))),
        (Action::Unpublish, Status::Published | Status::Scheduled) => Ok((Status::Draft, kept)),
        (Action::Unpublish, _) => refuse("the release is not published or scheduled"),
        (Action::Archive, Status::Archived) => refuse("the release is already archived"),
        (Action::Archive, _) => Ok((Status::Archived, kept)),
    }
}

/// The last instant sqlx can send to MySQL and MariaDB: it binds UTC instants as `TIMESTAMP`
/// parameters, which end in 2038, and the server silently turns a later one into NULL.
const MYSQL_LAST_INSTANT: DateTime<Utc> = DateTime::from_timestamp(i32::MAX as i64, 0).expect("in range");

/// Takes the workflow step `action` on release `public_id`, if it is still at `expected`.
pub async fn step(
    db: &DatabaseConnection,
    author: Author<'_>,
    public_id: Uuid,
    expected: Option<i32>,
    action: Action,
) -> Result<release::Model, ApiError> {
    if let Action::Schedule(at) = action
        && db.get_database_backend() == sea_orm::DbBackend::MySql
        && at > MYSQL_LAST_INSTANT
    {
        return Err(ApiError::bad_input("at", format!("MySQL and MariaDB store instants up to {MYSQL_LAST_INSTANT}")));
    }
    let txn = write::begin(db).await?;
    let current = write::locked(&txn, find(public_id), "Release", public_id).await?;
    write::check_version("Release", current.version, expected)?;
    let (status, published_at) =
        transition(current.status, current.published_at, action, Utc::now()).map_err(|refusal| match refusal {
            Refusal::State(why) => ApiError::Conflict(why),
            Refusal::At(why) => ApiError::bad_input("at", why),
        })?;
    let before = snapshot(&txn, &current).await?;
    let row = release::ActiveModel { status: Set(status), published_at: Set(published_at), ..Default::default() };
    write::update_versioned(&txn, row, COLUMNS, current.id, current.version, "Release").await?;
    crate::service::search::restate(&txn, &[current.id]).await?;
    finish(txn, author, public_id, action.name(), Some((current, before))).await
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    #[test]
    fn every_step_from_every_state() {
        let now = Utc::now();
        let (past, future, later) = (now - Duration::days(1), now + Duration::days(1), now + Duration::days(2));
        let states = [
            (Status::Draft, None),
            (Status::Draft, Some(past)),
            (Status::Scheduled, Some(future)),
            (Status::Scheduled, Some(past)),
            (Status::Published, Some(past)),
            (Status::Archived, Some(past)),
            (Status::Archived, None),
        ];
        use Status::*;
        // (state index, action) -> expected outcome; None means refused.
        let expect = |state: usize, action: Action| -> Option<(Status, Option<DateTime<Utc>>)> {
            let (status, at) = states[state];
            let live = at.filter(|at| *at <= now);
            match action {
                Action::Publish if status == Published => None,
                Action::Publish => Some((Published, live.or(Some(now)))),
                Action::Schedule(_) if status == Published || live.is_some() => None,
                Action::Schedule(at) => Some((Scheduled, Some(at))),
                Action::Unpublish if matches!(status, Published | Scheduled) => Some((Draft, live)),
                Action::Unpublish => None,
                Action::Archive if status == Archived => None,
                Action::Archive => Some((Archived, live)),
            }
        };
        for (index, (status, at)) in states.into_iter().enumerate() {
            for action in [Action::Publish, Action::Schedule(later), Action::Unpublish, Action::Archive] {
                assert_eq!(
                    transition(status, at, action, now).ok(),
                    expect(index, action),
                    "{status:?} {at:?} {action:?}"
                );
            }
        }
        assert!(matches!(transition(Draft, None, Action::Schedule(past), now), Err(Refusal::At(_))));
    }

    #[test]
    fn the_first_publication_date_never_moves() {
        let now = Utc::now();
        let first = now - Duration::days(30);
        let (status, at) = transition(Status::Published, Some(first), Action::Unpublish, now).unwrap();
        assert_eq!((status, at), (Status::Draft, Some(first)));
        assert_eq!(transition(status, at, Action::Publish, now).unwrap(), (Status::Published, Some(first)));
        // A schedule that was cancelled before it came due leaves no date behind.
        let cancelled = transition(Status::Scheduled, Some(now + Duration::hours(1)), Action::Unpublish, now).unwrap();
        assert_eq!(cancelled, (Status::Draft, None));
    }
}
