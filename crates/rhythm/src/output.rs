//! Printing: tables for people, JSON and CSV for scripts. A closed pipe (`| head`) ends
//! quietly.

use std::io::{self, Write};

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};

use crate::Failure;

/// Writes to stdout; a broken pipe is a quiet success.
pub fn write_out(s: &str) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => Err(Failure::error(format!("cannot write output: {e}"))),
    }
}

pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(headers.to_vec());
    for r in rows {
        t.add_row(r.clone());
    }
    format!("{t}\n")
}

pub fn csv(headers: &[&str], rows: &[Vec<String>]) -> Result<String, Failure> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(headers).map_err(|e| Failure::error(e.to_string()))?;
    for r in rows {
        w.write_record(r).map_err(|e| Failure::error(e.to_string()))?;
    }
    let bytes = w.into_inner().map_err(|e| Failure::error(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| Failure::error(e.to_string()))
}
