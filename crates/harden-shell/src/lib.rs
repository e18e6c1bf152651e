//! Shell matcher (work in progress).
