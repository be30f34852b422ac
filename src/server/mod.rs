//! The HTTP side of `irma server` (axum): the only module that imports axum.
//!
//! - [`error`]: the one error boundary, mapping errors to the reference's JSON bodies.

pub mod error;
