//! Plain-text structure of a message body: the new text versus the quoted earlier
//! messages, and the parts of a letter that hold the writer's own contact details.

pub mod bounds;
#[cfg(test)]
pub(crate) mod generated;
pub(crate) mod hash;
mod pattern;
mod quoted;
mod zones;

pub(crate) use pattern::{LinePattern, PatternSet, SetUnion, UnionMatches, compile, compile_set};

pub use bounds::bounded;
pub use quoted::{ReplySplit, split_reply};
pub use zones::{contact_zones, in_zones};
