//! Forms: render a register's fields, and turn a posted form into the API's JSON.

use std::collections::HashMap;

use maud::{Markup, html};
use rhythm_domain::FieldError;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::spec::{Field, FieldKind, Spec};

/// Raw form values by field name (several for multi-selects).
pub type Values = HashMap<String, Vec<String>>;

/// Choices for reference fields: (id, label) by register or "user".
pub type Choices = HashMap<&'static str, Vec<(Uuid, String)>>;

pub fn choice_key(kind: &FieldKind) -> Option<&'static str> {
    match kind {
        FieldKind::Ref(k) | FieldKind::Refs(k) => Some(k.as_str()),
        FieldKind::User => Some("user"),
        _ => None,
    }
}

/// The form values of a stored entry.
pub fn values_of(spec: &Spec, entity: &Value) -> Values {
    let mut out = Values::new();
    for f in &spec.fields {
        let v = entity.get(f.name).unwrap_or(&Value::Null);
        let strings = match (&f.kind, v) {
            (_, Value::Null) => vec![],
            (FieldKind::Tags, Value::Array(a)) => {
                vec![a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", ")]
            }
            (_, Value::Array(a)) => a.iter().map(scalar).collect(),
            (FieldKind::DateTime, Value::String(s)) => vec![to_local_input(s)],
            (_, other) => vec![scalar(other)],
        };
        out.insert(f.name.to_owned(), strings);
    }
    out
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// `2026-03-01T10:00:00Z` → `2026-03-01T10:00` for a datetime-local input (UTC).
fn to_local_input(rfc3339: &str) -> String {
    rfc3339.get(..16).unwrap_or(rfc3339).to_owned()
}

/// Posted form → values by field.
pub fn values_from(spec: &Spec, form: &super::Form) -> Values {
    spec.fields
        .iter()
        .filter(|f| !f.read_only)
        .map(|f| (f.name.to_owned(), form.all(f.name).into_iter().map(str::to_owned).collect()))
        .collect()
}

/// Turns form values into the JSON object the API takes. `creating` leaves out fields that
/// are only set later. Values that cannot even be typed (letters in a number) become field
/// errors here; everything else is left to the domain's validation.
pub fn to_json(spec: &Spec, values: &Values, creating: bool) -> Result<Map<String, Value>, Vec<FieldError>> {
    let mut obj = Map::new();
    let mut errors = Vec::new();
    for f in spec.fields.iter().filter(|f| !f.read_only && (f.on_create || !creating)) {
        let vals = values.get(f.name).cloned().unwrap_or_default();
        let first = vals.first().map(|s| s.trim().to_owned()).unwrap_or_default();
        let value = match f.kind {
            FieldKind::Bool => Value::Bool(first == "true" || first == "on"),
            FieldKind::Refs(_) | FieldKind::EnumSet(_) => {
                Value::Array(vals.iter().filter(|v| !v.is_empty()).map(|v| Value::String(v.clone())).collect())
            }
            FieldKind::Tags => Value::Array(
                first
                    .split(',')
                    .map(|t| t.trim().to_lowercase())
                    .filter(|t| !t.is_empty())
                    .map(Value::String)
                    .collect(),
            ),
            _ if first.is_empty() => {
                if f.nullable {
                    Value::Null
                } else {
                    if f.required {
                        errors.push(FieldError { field: f.name.into(), message: "is required".into() });
                    }
                    continue;
                }
            }
            FieldKind::Int | FieldKind::Scale(_) => match first.parse::<i64>() {
                Ok(n) => Value::from(n),
                Err(_) => {
                    errors
                        .push(FieldError { field: f.name.into(), message: format!("'{first}' is not a whole number") });
                    continue;
                }
            },
            FieldKind::DateTime => {
                let with_seconds = if first.len() == 16 { format!("{first}:00") } else { first.clone() };
                Value::String(if with_seconds.ends_with('Z') || with_seconds.contains('+') {
                    with_seconds
                } else {
                    format!("{with_seconds}Z")
                })
            }
            _ => Value::String(if matches!(f.kind, FieldKind::LongText { .. }) {
                vals[0].replace("\r\n", "\n")
            } else {
                first
            }),
        };
        obj.insert(f.name.to_owned(), value);
    }
    if errors.is_empty() { Ok(obj) } else { Err(errors) }
}

/// Maps a JSON deserialization error to the field it is about.
pub fn serde_error_to_field(spec: &Spec, path: &str, message: &str) -> FieldError {
    let field = path.split(['.', '[']).next().unwrap_or("").to_owned();
    if let Some(rest) = message.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or("").to_owned();
        return FieldError { field: name, message: "is required".into() };
    }
    let label = spec.field(&field).map_or("this value", |f| f.label);
    let message = if message.contains("invalid value")
        || message.contains("unknown variant")
        || message.contains("invalid type")
        || message.contains("Date")
        || message.contains("date")
    {
        format!("{label} is not valid here")
    } else {
        message.to_owned()
    };
    FieldError { field, message }
}

/// One field, with its label, hint and error wired up for screen readers.
pub fn field(f: &Field, values: &Values, errors: &[FieldError], choices: &Choices) -> Markup {
    let id = format!("f-{}", f.name);
    let vals = values.get(f.name).cloned().unwrap_or_default();
    let first = vals.first().cloned().unwrap_or_default();
    let errs: Vec<&FieldError> =
        errors.iter().filter(|e| e.field == f.name || e.field.starts_with(&format!("{}[", f.name))).collect();
    let err_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let mut described = Vec::new();
    if !f.hint.is_empty() {
        described.push(hint_id.clone());
    }
    if !errs.is_empty() {
        described.push(err_id.clone());
    }
    let described = (!described.is_empty()).then(|| described.join(" "));
    let invalid = (!errs.is_empty()).then_some("true");
    let class = if errs.is_empty() { "field" } else { "field has-error" };
    html! {
        div class=(class) {
            @match f.kind {
                FieldKind::Bool => {
                    label class="check" for=(id) {
                        input id=(id) type="checkbox" name=(f.name) value="true" checked[first == "true"] aria-describedby=[described.as_deref()] aria-invalid=[invalid];
                        " " (f.label)
                    }
                }
                FieldKind::EnumSet(opts) => {
                    fieldset aria-describedby=[described.as_deref()] {
                        legend { (f.label) }
                        div class="checks" {
                            @for (v, l) in opts() {
                                label class="check" {
                                    input type="checkbox" name=(f.name) value=(v) checked[vals.iter().any(|x| x == v)];
                                    " " (l)
                                }
                            }
                        }
                    }
                }
                _ => {
                    label for=(id) { (f.label) @if f.required { span class="muted" { " (required)" } } }
                    (control(f, &id, &vals, &first, described.as_deref(), invalid, choices))
                }
            }
            @if !f.hint.is_empty() { p class="hint" id=(hint_id) { (f.hint) } }
            @if !errs.is_empty() {
                p class="error" id=(err_id) { @for (i, e) in errs.iter().enumerate() { @if i > 0 { " " } (sentence(&e.message)) } }
            }
        }
    }
}

fn control(
    f: &Field,
    id: &str,
    vals: &[String],
    first: &str,
    described: Option<&str>,
    invalid: Option<&str>,
    choices: &Choices,
) -> Markup {
    let required = f.required;
    html! {
        @match f.kind {
            FieldKind::Text => input id=(id) name=(f.name) type=(if f.name.ends_with("url") { "url" } else { "text" }) value=(first) required[required] aria-describedby=[described] aria-invalid=[invalid];,
            FieldKind::Tags => input id=(id) name=(f.name) type="text" value=(first) aria-describedby=[described] aria-invalid=[invalid];,
            FieldKind::LongText { rows } => textarea id=(id) name=(f.name) rows=(rows) required[required] aria-describedby=[described] aria-invalid=[invalid] { (first) },
            FieldKind::Int => input id=(id) name=(f.name) type="number" step="1" inputmode="numeric" value=(first) required[required] aria-describedby=[described] aria-invalid=[invalid];,
            FieldKind::Date => input id=(id) name=(f.name) type="date" value=(first) required[required] aria-describedby=[described] aria-invalid=[invalid];,
            FieldKind::DateTime => input id=(id) name=(f.name) type="datetime-local" value=(first) required[required] aria-describedby=[described] aria-invalid=[invalid];,
            FieldKind::Scale(words) => {
                select id=(id) name=(f.name) required[required] aria-describedby=[described] aria-invalid=[invalid] {
                    @if first.is_empty() { option value="" { "Choose…" } }
                    @for (i, w) in words.iter().enumerate() {
                        @let v = (i + 1).to_string();
                        option value=(v) selected[first == v] { (v) " — " (w) }
                    }
                }
            }
            FieldKind::Enum(opts) => {
                select id=(id) name=(f.name) required[required] aria-describedby=[described] aria-invalid=[invalid] {
                    @if !required || first.is_empty() { option value="" { @if required { "Choose…" } @else { "—" } } }
                    @for (v, l) in opts() { option value=(v) selected[first == v] { (l) } }
                }
            }
            FieldKind::Ref(_) | FieldKind::User => {
                select id=(id) name=(f.name) aria-describedby=[described] aria-invalid=[invalid] {
                    option value="" { "—" }
                    @for (cid, label) in choice_key(&f.kind).and_then(|k| choices.get(k)).map(Vec::as_slice).unwrap_or(&[]) {
                        @let v = cid.to_string();
                        option value=(v) selected[first == v] { (label) }
                    }
                }
            }
            FieldKind::Refs(_) => {
                select id=(id) name=(f.name) multiple size="6" aria-describedby=[described] aria-invalid=[invalid] {
                    @for (cid, label) in choice_key(&f.kind).and_then(|k| choices.get(k)).map(Vec::as_slice).unwrap_or(&[]) {
                        @let v = cid.to_string();
                        option value=(v) selected[vals.contains(&v)] { (label) }
                    }
                }
            }
            FieldKind::Bool | FieldKind::EnumSet(_) => {}
        }
    }
}

/// A field error as a sentence: capital first letter, full stop.
pub fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    let mut s: String = chars.next().map(|c| c.to_uppercase().collect::<String>()).unwrap_or_default();
    s.push_str(chars.as_str());
    if !s.ends_with('.') {
        s.push('.');
    }
    s
}
