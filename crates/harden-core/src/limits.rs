//! Per-file budgets: a small valid file must not make harden's work or
//! memory blow up. Each limit ends in a located error that names it
//! (docs/limits.md lists them all).

/// Items in one list, or entries in one mapping or object.
pub const MAX_ITEMS: usize = 1_000;

/// Nodes (scalars, lists, mappings) in one YAML or JSON document as written.
pub const MAX_NODES: usize = 200_000;

/// Services in one compose file.
pub const MAX_SERVICES: usize = 500;

/// Findings with a fix in one file.
pub const MAX_FIXES: usize = 4_000;

/// The message for a limit that was hit.
pub fn exceeded(what: &str, limit: usize) -> String {
    format!("more than {limit} {what}: over harden's limit for one file (docs/limits.md)")
}
