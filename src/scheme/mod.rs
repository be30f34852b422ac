//! Credential schemes: parse, verify, sign, download and update.
