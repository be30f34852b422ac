//! Wire types shared by every side of the protocol.

pub mod identifiers;
