//! Panics inside a third-party parser, caught where the parser is called
//! and turned into a located error. The binary's panic hook stays silent
//! for these (their text is the parser's, not ours to show); any other
//! panic is a bug in harden and is reported without its payload, which may
//! quote input.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};

thread_local! {
    static CONTAINED: Cell<usize> = const { Cell::new(0) };
}

/// Run `f`, catching a panic; while it runs, [`panic_is_contained`] is true.
pub fn contain<R>(f: impl FnOnce() -> R) -> Option<R> {
    CONTAINED.with(|c| c.set(c.get() + 1));
    let result = catch_unwind(AssertUnwindSafe(f));
    CONTAINED.with(|c| c.set(c.get() - 1));
    result.ok()
}

/// Whether the current thread is inside [`contain`].
pub fn panic_is_contained() -> bool {
    CONTAINED.with(|c| c.get() > 0)
}

/// The hook the binary installs: nothing for contained panics; for others a
/// line naming where in the code it happened, never the payload.
pub fn install_quiet_hook() {
    std::panic::set_hook(Box::new(|info| {
        if panic_is_contained() {
            return;
        }
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("harden: internal error{at} (a bug in harden; please report it)");
    }));
}
