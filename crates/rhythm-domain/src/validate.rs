//! Field-level validation errors that every surface (API, UI, CLI) shows the same way.

use serde::Serialize;
use time::{Date, OffsetDateTime};

/// One field that was refused, and why, in words a user understands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The field, as named in the API (`statement`, `system_ids[2]`).
    pub field: String,
    /// Why it was refused.
    pub message: String,
}

/// A refused input: every field error at once, so a form can show them all.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("invalid input: {}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    pub fn one(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self(vec![FieldError { field: field.into(), message: message.into() }])
    }
}

/// Collects field errors while an input is checked.
#[derive(Debug, Default)]
pub struct Check(Vec<FieldError>);

impl Check {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn fail(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError { field: field.into(), message: message.into() });
    }

    /// A required single-line-or-more text: trimmed, non-empty, at most `max` characters,
    /// no control characters other than newlines and tabs.
    pub fn required_text(&mut self, field: &str, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.fail(field, "is required");
        } else {
            self.text(field, value, max);
        }
    }

    /// An optional text: at most `max` characters and no control characters.
    pub fn text(&mut self, field: &str, value: &str, max: usize) {
        let len = value.chars().count();
        if len > max {
            self.fail(field, format!("is {len} characters long; the limit is {max}"));
        }
        if value.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
            self.fail(field, "contains control characters");
        }
    }

    /// A one-line name: required, no newlines.
    pub fn name(&mut self, field: &str, value: &str, max: usize) {
        self.required_text(field, value, max);
        if value.contains('\n') {
            self.fail(field, "must be a single line");
        }
    }

    pub fn range(&mut self, field: &str, value: i64, min: i64, max: i64) {
        if value < min || value > max {
            self.fail(field, format!("must be between {min} and {max}; got {value}"));
        }
    }

    /// An optional URL: http or https only (never `javascript:`).
    pub fn url(&mut self, field: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.text(field, v, 2000);
            if !(v.starts_with("https://") || v.starts_with("http://")) {
                self.fail(field, "must be an http:// or https:// address");
            }
        }
    }

    /// Times that must not go backwards: each present one is at or after the previous present one.
    pub fn ordered_times(&mut self, times: &[(&str, Option<OffsetDateTime>)]) {
        let mut last: Option<(&str, OffsetDateTime)> = None;
        for (name, t) in times {
            if let Some(t) = t {
                if let Some((prev_name, prev)) = last
                    && *t < prev
                {
                    self.fail(*name, format!("must not be before {prev_name}"));
                }
                last = Some((name, *t));
            }
        }
    }

    pub fn date_not_before(&mut self, field: &str, value: Option<Date>, floor: Date, floor_name: &str) {
        if let Some(v) = value
            && v < floor
        {
            self.fail(field, format!("must not be before {floor_name} ({floor})"));
        }
    }

    pub fn finish(self) -> Result<(), Invalid> {
        if self.0.is_empty() { Ok(()) } else { Err(Invalid(self.0)) }
    }
}

/// Tags: lower-case words with dashes, at most 20 of them, no duplicates.
pub fn check_tags(check: &mut Check, field: &str, tags: &[String]) {
    if tags.len() > 20 {
        check.fail(field, "at most 20 tags");
    }
    for (i, t) in tags.iter().enumerate() {
        if t.is_empty()
            || t.len() > 40
            || !t.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        {
            check.fail(format!("{field}[{i}]"), "a tag is 1-40 lower-case letters, digits, '-' or '_'");
        }
        if tags[..i].contains(t) {
            check.fail(format!("{field}[{i}]"), format!("duplicate tag '{t}'"));
        }
    }
}
