//! The vocabulary every harden crate speaks: byte positions and line/column
//! mapping, the byte-range [`Edit`], the [`Fix`] that groups edits with an
//! [`Applicability`], the [`Finding`] a rule reports, the semantic [`Change`]
//! a fix promises, and the unified diff shown to users.

pub mod diff;
pub mod document;
pub mod edit;
pub mod escape;
pub mod finding;
pub mod limits;
pub mod panic;
pub mod requirement;
pub mod text;
pub mod value;

pub use diff::{git_quote, unified_diff};
pub use document::Document;
pub use edit::{
    apply_edits, combine, Applicability, Edit, EditError, Fix, ListSlot, NewFile, Patch,
};
pub use escape::{controls_visible, printable, printable_lines};
pub use finding::{FileKind, Finding, FixInputs, InputRequest, RuleMeta, Severity, Tier};
pub use text::{capability_name, LineCol, LineEnding, LineIndex, ParseError, SourceText};
pub use value::{
    appended, apply_changes, apply_changes_to, nested, same_value, Change, ChangeError, PathSeg,
    ValuePath,
};
