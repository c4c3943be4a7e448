//! Who may do what: the one table of permissions. Every face asks `permits`; none decides itself.
//!
//! Which records a caller may *see* follows from the same roles (`sees_unpublished`), and the
//! release workflow decides which state changes are possible at all (`service::release::workflow`).

use super::role::{Role, Roles};

/// Something a caller can ask to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Read drafts, scheduled and archived releases and non-public contacts.
    ReadUnpublished,
    /// Create a record.
    Create,
    /// Change a record's fields or relations (commission memberships included).
    Update,
    /// Delete a record.
    Delete,
    /// Publish, schedule, unpublish or archive a release.
    Workflow,
    /// List a release's revisions, diff them and restore one.
    Revisions,
    /// Read the audit log.
    ReadAudit,
    /// Bulk import.
    Import,
    /// Bulk export.
    Export,
    /// Manage webhook subscriptions and read their deliveries.
    ManageWebhooks,
}

impl Operation {
    /// Every operation, for tests that walk the whole table.
    pub const ALL: [Operation; 10] = [
        Operation::ReadUnpublished,
        Operation::Create,
        Operation::Update,
        Operation::Delete,
        Operation::Workflow,
        Operation::Revisions,
        Operation::ReadAudit,
        Operation::Import,
        Operation::Export,
        Operation::ManageWebhooks,
    ];
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::ReadUnpublished => "read unpublished content",
            Self::Create => "create records",
            Self::Update => "change records",
            Self::Delete => "delete records",
            Self::Workflow => "publish, schedule, unpublish or archive releases",
            Self::Revisions => "read and restore revisions",
            Self::ReadAudit => "read the audit log",
            Self::Import => "import",
            Self::Export => "export",
            Self::ManageWebhooks => "manage webhooks",
        })
    }
}

/// Whether one role allows `operation`.
fn role_permits(role: Role, operation: Operation) -> bool {
    use Operation::*;
    match role {
        Role::Admin => true,
        Role::Reader => matches!(operation, ReadUnpublished),
        Role::Editor => matches!(operation, ReadUnpublished | Create | Update | Workflow | Revisions),
        Role::Importer => matches!(operation, Import | Export),
    }
}

/// Whether a caller holding `roles` may do `operation` (any one role suffices).
pub fn permits(roles: Roles, operation: Operation) -> bool {
    roles.iter().any(|role| role_permits(role, operation))
}

/// Whether a caller holding `roles` sees unpublished content.
pub fn sees_unpublished(roles: Roles) -> bool {
    permits(roles, Operation::ReadUnpublished)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table, written out rather than derived, so that a change to `role_permits`
    /// has to change this too.
    #[test]
    fn the_permission_table() {
        use Operation::*;
        let expected: [(Role, &[Operation]); 4] = [
            (Role::Reader, &[ReadUnpublished]),
            (Role::Editor, &[ReadUnpublished, Create, Update, Workflow, Revisions]),
            (Role::Importer, &[Import, Export]),
            (Role::Admin, &Operation::ALL),
        ];
        for (role, allowed) in expected {
            for operation in Operation::ALL {
                assert_eq!(permits(role.into(), operation), allowed.contains(&operation), "{role} {operation:?}");
            }
        }
        for operation in Operation::ALL {
            assert!(!permits(Roles::NONE, operation), "anonymous {operation:?}");
        }
        let both: Roles = [Role::Editor, Role::Importer].into_iter().collect();
        assert!(permits(both, Import) && permits(both, Create) && !permits(both, Delete));
    }
}
