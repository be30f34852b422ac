//! The fields of the plain-text log, with control characters escaped: a value that came
//! from a request (a JWT `kid`, a URL, a header) cannot start a forged log line or move the
//! terminal's cursor. The JSON log escapes them already.

use std::fmt::Write;

use tracing_subscriber::field::MakeExt;
use tracing_subscriber::fmt::format::{self, FormatFields, Writer};

/// The plain-text formatter of event and span fields: `message` as is, others as
/// `name=value` (strings quoted, as tracing's default), separated by spaces; control
/// characters in either escaped as Rust does (`\n`, `\u{1b}`).
pub(super) fn escaped_fields() -> impl for<'w> FormatFields<'w> + Send + Sync + 'static {
    format::debug_fn(|writer: &mut Writer<'_>, field, value| {
        let mut text = String::new();
        write!(text, "{value:?}")?;
        let text = escape_controls(&text);
        if field.name() == "message" {
            writer.write_str(&text)
        } else {
            write!(writer, "{field}={text}")
        }
    })
    .delimited(" ")
}

/// `text` with every control character escaped.
fn escape_controls(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_debug().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Formats `fields` (for the test) as the log would.
#[cfg(test)]
fn format_fields(fields: impl tracing_subscriber::field::RecordFields) -> String {
    let mut out = String::new();
    escaped_fields()
        .format_fields(Writer::new(&mut out), fields)
        .unwrap();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(
            escape_controls("a\nb\r\u{1b}[31mc\té"),
            "a\\nb\\r\\u{1b}[31mc\\té"
        );
        assert_eq!(escape_controls("plain text: ok"), "plain text: ok");
    }

    #[test]
    fn log_fields_cannot_start_a_line() {
        // A subscriber that formats each event's fields as the plain-text log does.
        use std::sync::{Arc, Mutex};
        use tracing_subscriber::layer::{Context, SubscriberExt};
        struct Capture(Arc<Mutex<Vec<String>>>);
        impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Capture {
            fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
                self.0.lock().unwrap().push(format_fields(event));
            }
        }
        let lines = Arc::new(Mutex::new(Vec::new()));
        let subscriber = tracing_subscriber::registry().with(Capture(Arc::clone(&lines)));
        tracing::subscriber::with_default(subscriber, || {
            let kid = "k\nINFO forged line";
            tracing::warn!(kid, "unknown key {kid}");
            tracing::warn!(kid = %kid, "display");
        });
        let lines = lines.lock().unwrap();
        assert_eq!(
            lines[0],
            r#"unknown key k\nINFO forged line kid="k\nINFO forged line""#
        );
        assert_eq!(lines[1], r"display kid=k\nINFO forged line");
        assert!(lines.iter().all(|l| !l.contains('\n')));
    }
}
