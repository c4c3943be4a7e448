//! sea-orm models of newsroom's content: one module per table, relations only, no business rules.
//!
//! Every content record has an internal integer key (`id`, used by joins) and a stable public
//! UUID (`public_id`, what the API exposes); slugs are the natural keys that feeds and imports use.

pub mod audit_event;
pub mod change_clock;
pub mod change_log;
pub mod commission;
pub mod commission_member;
pub mod contact;
pub mod external_id;
pub mod names;
pub mod organisation;
pub mod release;
pub mod release_commission;
pub mod release_contact;
pub mod release_country;
pub mod release_organisation;
pub mod release_revision;
pub mod release_search;
pub mod release_topic;
pub mod topic;
pub mod trusted_document;
pub mod webhook;
pub mod webhook_attempt;
pub mod webhook_delivery;
pub mod write_mark;
