//! `rhythm import FORMAT FILE…` and `rhythm export REGISTER`: files into and out of a server,
//! for people at a terminal (a progress bar with the upload rate) and for CI pipelines (plain
//! lines, exit codes).

use std::fs::File;
use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use rhythm_ingest::format::Format;
use serde_json::Value;

use crate::Failure;
use crate::args::{ExportArgs, ImportArgs};
use crate::client::Api;

/// Files smaller than this get no progress display: they are done before it would draw.
const PROGRESS_FROM_BYTES: u64 = 1024 * 1024;

/// How the upload's progress is shown.
enum Display {
    /// Nothing (small files).
    Quiet,
    /// A bar with the rate on a terminal.
    Bar(ProgressBar),
    /// Plain lines at each quarter, for logs.
    Lines { name: String, next_quarter: u64 },
}

/// A file reader that reports how much of it has been sent.
struct Counting {
    file: File,
    sent: u64,
    len: u64,
    started: Instant,
    display: Display,
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

impl Read for Counting {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(buf)?;
        self.sent += n as u64;
        match &mut self.display {
            Display::Quiet => {}
            Display::Bar(bar) => {
                bar.set_position(self.sent);
                if n == 0 {
                    // Sent: the server now parses and writes it.
                    bar.set_style(ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("valid template"));
                    bar.set_message("uploaded; the server is importing it…");
                    bar.enable_steady_tick(Duration::from_millis(120));
                }
            }
            Display::Lines { name, next_quarter } => {
                while *next_quarter <= 4 && self.sent * 4 >= self.len * *next_quarter {
                    let secs = self.started.elapsed().as_secs_f64().max(0.001);
                    eprintln!(
                        "rhythm: {name}: sent {:.1} of {:.1} MiB ({}%), {:.1} MiB/s",
                        mib(self.sent),
                        mib(self.len),
                        *next_quarter * 25,
                        mib(self.sent) / secs
                    );
                    if *next_quarter == 4 {
                        eprintln!("rhythm: {name}: uploaded; the server is importing it…");
                    }
                    *next_quarter += 1;
                }
            }
        }
        Ok(n)
    }
}

/// The content type a file is sent with.
fn content_type(format: Option<Format>, path: &Path) -> &'static str {
    match format.and_then(Format::json) {
        Some(true) => "application/json",
        Some(false) => "text/csv",
        None if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) => "text/csv",
        None => "application/octet-stream",
    }
}

fn summary(r: &Value, secs: f64) -> String {
    let c = &r["counts"];
    let n = |k: &str| c[k].as_u64().unwrap_or(0);
    let what = match r["format"].as_str().unwrap_or("") {
        f if f.ends_with("-csv") => "rows",
        "github-issues" | "jira" => "issues",
        _ => "findings",
    };
    format!(
        "{} {} {}: {} {what} — {} created, {} updated, {} unchanged, {} closed, {} reopened, {} silent ({secs:.1} s)",
        r["reference"].as_str().unwrap_or("?"),
        r["format"].as_str().unwrap_or("?"),
        r["file_name"].as_str().unwrap_or("?"),
        n("total"),
        n("created"),
        n("updated"),
        n("unchanged"),
        n("closed"),
        n("reopened"),
        n("silent"),
    )
}

fn query(format: Option<Format>, a: &ImportArgs, file_name: &str) -> String {
    let mut q: Vec<(&str, String)> = vec![("file_name", file_name.to_owned())];
    if let Some(f) = format {
        q.push(("format", f.as_str().to_owned()));
    }
    if let Some(s) = &a.system {
        q.push(("system", s.clone()));
    }
    if let Some(e) = &a.environment {
        q.push(("environment", e.clone()));
    }
    serde_urlencoded::to_string(q).expect("query pairs encode")
}

fn import_one(api: &Api, a: &ImportArgs, format: Option<Format>, path: &Path) -> Result<Value, Failure> {
    let file = File::open(path).map_err(|e| Failure::error(format!("cannot read {}: {e}", path.display())))?;
    let len = file.metadata().map_err(|e| Failure::error(format!("{}: {e}", path.display())))?.len();
    let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let display = if len < PROGRESS_FROM_BYTES {
        Display::Quiet
    } else if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(len);
        bar.set_style(
            ProgressStyle::with_template(
                "{msg} [{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} eta {eta}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.set_message(name.clone());
        Display::Bar(bar)
    } else {
        Display::Lines { name: name.clone(), next_quarter: 1 }
    };
    let reader = Counting { file, sent: 0, len, started: Instant::now(), display };
    let body = reqwest::blocking::Body::sized(reader, len);
    let result = api.upload(&format!("/api/v1/imports?{}", query(format, a, &name)), content_type(format, path), body);
    result.map_err(|f| Failure { code: f.code, message: format!("{}: {}", path.display(), f.message) })
}

pub fn run(a: ImportArgs) -> Result<(), Failure> {
    let format = match a.format.trim() {
        f if f.eq_ignore_ascii_case("auto") => None,
        f => Some(f.parse::<Format>().map_err(Failure::error)?),
    };
    if let Some(f) = format
        && !f.is_scanner()
        && (a.system.is_some() || a.environment.is_some())
    {
        return Err(Failure::error(format!(
            "--system and --environment apply to scanner files only; a {f} file says where each row belongs"
        )));
    }
    let api = Api::new(a.server.clone(), a.token.clone())?;
    let mut failed: Option<Failure> = None;
    let mut failures = 0;
    let mut out = std::io::stdout().lock();
    for path in &a.files {
        let started = Instant::now();
        match import_one(&api, &a, format, path) {
            Ok(record) => {
                let line = if a.json { record.to_string() } else { summary(&record, started.elapsed().as_secs_f64()) };
                writeln!(out, "{line}").map_err(|e| Failure::error(e.to_string()))?;
            }
            Err(f) => {
                eprintln!("rhythm: {}", f.message);
                failures += 1;
                // The worst outcome decides the exit code: an error (2) over a refusal (1).
                if failed.as_ref().is_none_or(|prev| f.code > prev.code) {
                    failed = Some(f);
                }
            }
        }
    }
    match failed {
        None => Ok(()),
        Some(f) => Err(Failure {
            code: f.code,
            message: if failures == a.files.len() {
                "nothing imported".to_owned()
            } else {
                format!("{failures} of {} files not imported (the others were)", a.files.len())
            },
        }),
    }
}

pub fn export(a: ExportArgs) -> Result<(), Failure> {
    let register = a.register.trim().trim_end_matches(".csv").trim_end_matches("-csv").to_owned();
    let api = Api::new(a.server, a.token)?;
    let text = api.get_text(&format!("/api/v1/export/{register}"))?;
    match a.out {
        Some(path) => {
            std::fs::write(&path, text).map_err(|e| Failure::error(format!("cannot write {}: {e}", path.display())))
        }
        None => std::io::stdout().write_all(text.as_bytes()).map_err(|e| Failure::error(e.to_string())),
    }
}
