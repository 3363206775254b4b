//! The first pass over a CSV file: strict RFC 4180 quoting and the field and column caps, in
//! constant memory, before the reader builds any record.

/// Longest field accepted, in bytes.
pub const MAX_FIELD_BYTES: usize = 64 * 1024;
/// Most columns a row may have.
pub const MAX_COLUMNS: usize = 256;

/// The header's names, when the first line reads as UTF-8 CSV (for naming columns in errors
/// of the first pass).
pub(super) fn header_names(bytes: &[u8]) -> Option<Vec<String>> {
    let end = bytes.iter().position(|b| *b == b'\n').unwrap_or(bytes.len());
    let first = std::str::from_utf8(&bytes[..end]).ok()?;
    let mut r = ::csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(first.as_bytes());
    let rec = r.records().next()?.ok()?;
    Some(rec.iter().map(|s| s.trim().to_ascii_lowercase()).collect())
}

pub(super) struct ShapeError {
    pub(super) line: u64,
    /// 0-based field index in its record.
    pub(super) field: usize,
    pub(super) message: String,
}

/// The first pass: strict RFC 4180 quoting, the field and column caps. Constant memory, so a
/// hostile file is refused before the reader builds anything from it.
pub(super) fn shape(bytes: &[u8]) -> Result<(), ShapeError> {
    let mut line = 1u64;
    let mut field = 0usize;
    let mut len = 0usize;
    let mut field_line = 1u64;
    let mut at_start = true;
    let mut quoted = false;
    let fail = |line, field, message: &str| Err(ShapeError { line, field, message: message.to_owned() });
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if quoted {
            match b {
                b'"' if bytes.get(i + 1) == Some(&b'"') => {
                    i += 1;
                    len += 1;
                }
                b'"' => {
                    quoted = false;
                    if !matches!(bytes.get(i + 1), None | Some(b',' | b'\n' | b'\r')) {
                        return fail(
                            line,
                            field,
                            "text after the closing quote of a quoted field; inside quotes, write a quote as \"\"",
                        );
                    }
                }
                b'\n' => {
                    line += 1;
                    len += 1;
                }
                _ => len += 1,
            }
        } else {
            match b {
                b'"' if at_start => quoted = true,
                b'"' => {
                    return fail(
                        line,
                        field,
                        "a quote inside an unquoted field; quote the whole field and write the quote as \"\"",
                    );
                }
                b',' => {
                    field += 1;
                    if field >= MAX_COLUMNS {
                        return fail(line, field, &format!("a row has more than {MAX_COLUMNS} columns"));
                    }
                    len = 0;
                    field_line = line;
                    at_start = true;
                    i += 1;
                    continue;
                }
                b'\n' | b'\r' => {
                    if b == b'\n' {
                        line += 1;
                    }
                    field = 0;
                    len = 0;
                    field_line = line;
                    at_start = true;
                    i += 1;
                    continue;
                }
                _ => len += 1,
            }
        }
        at_start = false;
        if len > MAX_FIELD_BYTES {
            return fail(field_line, field, &format!("a field is longer than {} KiB", MAX_FIELD_BYTES / 1024));
        }
        i += 1;
    }
    if quoted {
        return fail(field_line, field, "a quoted field is never closed (a \" is missing)");
    }
    Ok(())
}
