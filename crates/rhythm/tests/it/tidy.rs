//! Tidy: rules of the repository that prose alone would not keep, checked by reading its files
//! (rust-analyzer's tidy tests). Each failure names the file and what to do about it. The rules
//! are listed in ARCHITECTURE.md, "Invariants enforced by machines".
//!
//! Some needles below are assembled at run time (`needle(…)`) so that this file does not match
//! its own rules.

use std::path::{Path, PathBuf};

/// The repository: this crate is `crates/rhythm`.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the repository root")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `path` relative to the repository, for messages.
fn rel(path: &Path) -> String {
    path.strip_prefix(root()).unwrap_or(path).display().to_string()
}

/// Joins pieces at run time, so a rule's own needle is not a literal in this file.
fn needle(parts: &[&str]) -> String {
    parts.concat()
}

/// Fails with every problem at once, one per line.
fn report(rule: &str, problems: &[String]) {
    assert!(problems.is_empty(), "tidy: {rule}\n  {}\n", problems.join("\n  "));
}

/// Folders that hold no source of ours: build output, installed packages, generated files.
const SKIPPED_DIRS: &[&str] =
    &["target", "node_modules", ".git", "artifacts", "corpus", "rhythm-data", ".schemathesis"];

/// Every file under `dir` whose name ends in one of `suffixes`, sorted.
fn files(dir: &Path, suffixes: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                if !SKIPPED_DIRS.contains(&name.as_str()) {
                    stack.push(path);
                }
            } else if suffixes.iter().any(|s| name.ends_with(s)) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The text with every line comment blanked (line numbers kept), so prose about a rule is not
/// taken for a breach of it.
fn code_only(text: &str) -> String {
    text.lines().map(|l| if l.trim_start().starts_with("//") { "" } else { l }).collect::<Vec<_>>().join("\n")
}

fn line_of(text: &str, byte: usize) -> usize {
    text[..byte].matches('\n').count() + 1
}

/// Test code: under a `tests/` folder, or a `tests.rs` module.
fn is_test_file(path: &Path) -> bool {
    path.components().any(|c| c.as_os_str() == "tests") || path.file_name().is_some_and(|n| n == "tests.rs")
}

/// The folders under `crates/` that hold a crate, sorted.
fn crate_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("crates"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|d| d.join("Cargo.toml").is_file())
        .collect();
    dirs.sort();
    dirs
}

fn parse_toml(path: &Path) -> toml::Table {
    read(path).parse().unwrap_or_else(|e| panic!("{}: {e}", rel(path)))
}

// ---------------------------------------------------------------------------------------------
// Layering: which crate may depend on which

/// Each crate under `crates/`, the workspace crates its `[dependencies]` may name, and the
/// external crates they must not. A new crate needs a line here; widening a line needs the reason
/// next to it.
const LAYERS: &[(&str, &[&str], &[&str])] = &[
    // Pure: no IO, no clock, no randomness (ARCHITECTURE.md, invariant 1).
    ("rhythm-domain", &[], &["sqlx", "axum", "tokio", "reqwest", "rand"]),
    // Pure too: bytes in, the domain's values (Severity, ItemStatus, WorkKind, …) out.
    ("rhythm-ingest", &["rhythm-domain"], &["sqlx", "axum", "tokio"]),
    // The only crate that knows SQL (invariant 2); knows no HTTP.
    ("rhythm-store", &["rhythm-domain", "rhythm-ingest"], &["axum"]),
    // The only crate that knows HTTP and HTML (invariant 6); SQL only through the store.
    ("rhythm-server", &["rhythm-domain", "rhythm-ingest", "rhythm-store"], &["sqlx"]),
    // The binary: starts the server through `rhythm_server::serve`, opens the database through
    // the store, so it needs neither axum nor sqlx itself.
    ("rhythm", &["rhythm-domain", "rhythm-ingest", "rhythm-store", "rhythm-server"], &["axum", "sqlx"]),
];

/// The crates (package names, renames resolved) of a manifest's `[dependencies]`, including
/// target-specific ones; dev- and build-dependencies do not count for the layering.
fn dependencies(manifest: &toml::Table, workspace_deps: &toml::Table) -> Vec<String> {
    let mut tables: Vec<&toml::Table> =
        manifest.get("dependencies").and_then(toml::Value::as_table).into_iter().collect();
    if let Some(targets) = manifest.get("target").and_then(toml::Value::as_table) {
        tables.extend(targets.values().filter_map(|t| t.get("dependencies")?.as_table()));
    }
    let package = |key: &str, spec: &toml::Value| -> String {
        let renamed = spec.get("package").and_then(toml::Value::as_str);
        let inherited = || workspace_deps.get(key)?.get("package")?.as_str();
        renamed.or_else(inherited).unwrap_or(key).to_owned()
    };
    tables.into_iter().flat_map(|t| t.iter().map(|(k, v)| package(k, v))).collect()
}

#[test]
fn crates_keep_their_layers() {
    let root = root();
    let workspace = parse_toml(&root.join("Cargo.toml"));
    let workspace_deps = workspace
        .get("workspace")
        .and_then(|w| w.get("dependencies"))
        .and_then(toml::Value::as_table)
        .cloned()
        .unwrap_or_default();
    let crates: Vec<(PathBuf, toml::Table, String)> = crate_dirs()
        .into_iter()
        .map(|dir| {
            let manifest_path = dir.join("Cargo.toml");
            let manifest = parse_toml(&manifest_path);
            let name = manifest["package"]["name"].as_str().unwrap().to_owned();
            (manifest_path, manifest, name)
        })
        .collect();
    let members: Vec<&str> = crates.iter().map(|(.., name)| name.as_str()).collect();
    let mut problems = Vec::new();
    for (manifest_path, manifest, name) in &crates {
        let Some((_, allowed, banned)) = LAYERS.iter().find(|(n, ..)| *n == name.as_str()) else {
            problems.push(format!(
                "{}: crate {name} has no line in LAYERS (crates/rhythm/tests/it/tidy.rs): add one naming the \
                 workspace crates it may depend on and the external crates it must not",
                rel(manifest_path)
            ));
            continue;
        };
        for dep in dependencies(manifest, &workspace_deps) {
            if members.contains(&dep.as_str()) && !allowed.contains(&dep.as_str()) {
                let may = if allowed.is_empty() { "no workspace crate".to_owned() } else { allowed.join(", ") };
                problems.push(format!(
                    "{}: [dependencies] names {dep}, but {name} may depend on {may} (the layering \
                     domain ← ingest ← store ← server ← rhythm): move the code that needs {dep} into a crate \
                     above it, or put it under [dev-dependencies] if only tests need it",
                    rel(manifest_path)
                ));
            }
            if banned.contains(&dep.as_str()) {
                problems.push(format!(
                    "{}: [dependencies] names {dep}, which {name} must not depend on (LAYERS in \
                     crates/rhythm/tests/it/tidy.rs says why): move the code that needs it into the crate that owns it",
                    rel(manifest_path)
                ));
            }
        }
    }
    report("crate layering", &problems);
}

// ---------------------------------------------------------------------------------------------
// SQL and HTTP stay in their crates

#[test]
fn sql_and_http_stay_in_their_crates() {
    // (crate path prefix, the folder whose code may use it, why). Nothing else is allowed: the
    // binary starts the server through `rhythm_server::serve` and reaches the database through
    // the store, so neither list needs it.
    let owners = [
        ("sqlx", "crates/rhythm-store/", "only the store knows SQL (ARCHITECTURE.md, invariant 2)"),
        ("axum", "crates/rhythm-server/", "only the server knows HTTP and HTML (invariant 6)"),
        ("axum_extra", "crates/rhythm-server/", "only the server knows HTTP and HTML (invariant 6)"),
    ];
    let root = root();
    let mut problems = Vec::new();
    for path in files(&root, &[".rs"]) {
        let name = rel(&path);
        if is_test_file(Path::new(&name)) {
            continue;
        }
        let text = code_only(&read(&path));
        for (krate, owner, why) in owners {
            if name.starts_with(owner) {
                continue;
            }
            let pattern = needle(&[krate, "::"]);
            for (at, _) in text.match_indices(&pattern) {
                let before = text[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue; // another crate's name that ends the same way
                }
                problems.push(format!(
                    "{name}:{}: uses {pattern} outside {owner}: {why}; call a function of that crate instead",
                    line_of(&text, at)
                ));
            }
        }
    }
    report("SQL and HTTP outside their crates", &problems);
}

// ---------------------------------------------------------------------------------------------
// ARCHITECTURE.md names only paths that exist

/// `api/{a,b}.rs` → `api/a.rs`, `api/b.rs`.
fn expand_braces(token: &str) -> Vec<String> {
    let (Some(open), Some(close)) = (token.find('{'), token.find('}')) else {
        return vec![token.to_owned()];
    };
    token[open + 1..close]
        .split(',')
        .flat_map(|alt| expand_braces(&format!("{}{alt}{}", &token[..open], &token[close + 1..])))
        .collect()
}

/// Whether a backticked token names a repository path, by the rule ARCHITECTURE.md writes them
/// in: no spaces (not `POST /api/v1/imports`), not starting with `/` (the server's URL paths)
/// or `../` (outside the repository: the shared fixtures), not a media type, and either holding
/// a `/` or ending in `.rs`, `.md`, `.toml`, `.sh` or `.json` (a trailing `::item` is dropped).
fn repo_path(token: &str) -> Option<&str> {
    let path = token.split("::").next().unwrap();
    let media_type = ["application/", "text/", "multipart/"].iter().any(|m| path.starts_with(m));
    let looks_like_path =
        path.contains('/') || [".rs", ".md", ".toml", ".sh", ".json"].iter().any(|e| path.ends_with(e));
    (!path.contains(char::is_whitespace)
        && !path.starts_with('/')
        && !path.starts_with("../")
        && !media_type
        && looks_like_path)
        .then_some(path)
}

#[test]
fn architecture_names_only_paths_that_exist() {
    // Resolution: in a `### rhythm-…` / `### rhythm (binary)` section, against that crate's
    // `src/`, then the crate's folder, then the repository root; elsewhere against the root.
    let root = root();
    let doc = root.join("ARCHITECTURE.md");
    let text = read(&doc);
    let mut krate: Option<String> = None;
    let mut in_fence = false;
    // Inline code may run over a line break, never over a paragraph: (its line, its text so far).
    let mut open: Option<(usize, String)> = None;
    let mut tokens = Vec::new();
    let mut problems = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let n = n + 1;
        if line.starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        if line.trim().is_empty() {
            open = None;
        }
        if let Some(heading) = line.strip_prefix("### ") {
            let name = heading.split_whitespace().next().unwrap_or_default().to_owned();
            if !root.join("crates").join(&name).join("Cargo.toml").is_file() {
                problems.push(format!("ARCHITECTURE.md:{n}: section `{heading}` names no crate under crates/"));
            }
            krate = Some(name);
            continue;
        }
        if line.starts_with("## ") || line.starts_with("# ") {
            krate = None;
            continue;
        }
        for (i, piece) in line.split('`').enumerate() {
            if i > 0 {
                // A backtick: it closes the open span or opens one.
                match open.take() {
                    Some((start, token)) => tokens.push((start, token, krate.clone())),
                    None => open = Some((n, String::new())),
                }
            }
            if let Some((_, token)) = &mut open {
                if i == 0 {
                    token.push(' '); // the span goes on from the line before
                }
                token.push_str(piece);
            }
        }
    }
    for (n, token, krate) in tokens {
        let Some(path) = repo_path(&token) else { continue };
        for path in expand_braces(path) {
            let mut bases = Vec::new();
            if let Some(k) = &krate {
                bases.push(root.join("crates").join(k).join("src"));
                bases.push(root.join("crates").join(k));
            }
            bases.push(root.clone());
            if !bases.iter().any(|b| b.join(&path).exists()) {
                let tried: Vec<String> = bases.iter().map(|b| rel(&b.join(&path))).collect();
                problems.push(format!(
                    "ARCHITECTURE.md:{n}: `{path}` does not exist (looked for {}): correct the path, or the map if \
                     the code moved",
                    tried.join(", ")
                ));
            }
        }
    }
    report("ARCHITECTURE.md names paths that do not exist", &problems);
}

// ---------------------------------------------------------------------------------------------
// One integration-test binary per crate

#[test]
fn each_crate_has_one_integration_test_binary() {
    let mut problems = Vec::new();
    for dir in crate_dirs() {
        let manifest_path = dir.join("Cargo.toml");
        let manifest = parse_toml(&manifest_path);
        let tests = dir.join("tests");
        let declared: Vec<(String, String)> = manifest
            .get("test")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
            .map(|t| {
                let field = |k: &str| t.get(k).and_then(toml::Value::as_str).unwrap_or_default().to_owned();
                (field("name"), field("path"))
            })
            .collect();
        let expected = vec![("it".to_owned(), "tests/it/main.rs".to_owned())];
        if !tests.is_dir() {
            if !declared.is_empty() {
                problems.push(format!(
                    "{}: [[test]] {declared:?} without a tests/ folder: integration tests live in tests/it/",
                    rel(&manifest_path)
                ));
            }
            continue;
        }
        for entry in std::fs::read_dir(&tests).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                let has_rs =
                    std::fs::read_dir(&path).unwrap().any(|e| e.unwrap().path().extension().is_some_and(|x| x == "rs"));
                if name != "it" && has_rs {
                    problems.push(format!(
                        "{}: Rust files in a folder of tests/ other than it/ (a second test binary, or a helper \
                         pulled in per binary): make them modules of tests/it/main.rs",
                        rel(&path)
                    ));
                }
            } else if path.extension().is_some_and(|x| x == "rs") {
                problems.push(format!(
                    "{}: a test binary of its own: move it to tests/it/ and add `mod {};` to tests/it/main.rs",
                    rel(&path),
                    name.trim_end_matches(".rs")
                ));
            }
        }
        if !tests.join("it/main.rs").is_file() {
            problems
                .push(format!("{}: tests/ without it/main.rs: the one test binary is tests/it/main.rs", rel(&tests)));
        }
        if declared != expected {
            problems.push(format!(
                "{}: [[test]] entries are {declared:?}; the one test binary is declared as \
                 [[test]] name = \"it\", path = \"tests/it/main.rs\" (and nothing else)",
                rel(&manifest_path)
            ));
        }
    }
    report("one integration-test binary per crate", &problems);
}

// ---------------------------------------------------------------------------------------------
// clippy.toml's bans are lifted only with an expectation and a reason

#[test]
fn disallowed_methods_are_expected_with_a_reason() {
    // `expect` fails once the code it guards no longer calls a banned method; `allow` would
    // keep silencing whatever is written there next.
    let lint = needle(&["clippy::", "disallowed_"]);
    let root = root();
    let mut problems = Vec::new();
    for path in files(&root, &[".rs"]) {
        let text = code_only(&read(&path));
        for (at, _) in text.match_indices(&lint) {
            let start = text[..at].rfind("#[").into_iter().chain(text[..at].rfind("#![")).max();
            let Some(start) = start else { continue };
            let Some(len) = text[start..].find(']') else { continue };
            let attr = &text[start..=start + len];
            if start + len < at {
                continue; // not inside an attribute (a string that mentions the lint)
            }
            let flat = attr.split_whitespace().collect::<Vec<_>>().join(" ");
            if flat.contains("allow(") || !flat.contains("expect(") || !flat.contains("reason") {
                problems.push(format!(
                    "{}:{}: `{flat}`: lift a clippy.toml ban only with `#[expect({lint}methods, reason = \"why this \
                     place must\")]`",
                    rel(&path),
                    line_of(&text, start)
                ));
            }
        }
    }
    report("disallowed methods allowed without an expectation and a reason", &problems);
}

// ---------------------------------------------------------------------------------------------
// The real fixtures: one rule, no machine's own paths

/// The text of `pub fn fixtures_dir` and the attribute line above it.
fn fixtures_rule(path: &Path) -> String {
    let text = read(path);
    let at = text.find("pub fn fixtures_dir").unwrap_or_else(|| panic!("{}: no `pub fn fixtures_dir`", rel(path)));
    let start = text[..at].trim_end().rfind('\n').map_or(0, |i| i + 1);
    let end = at + text[at..].find("\n}\n").unwrap_or_else(|| panic!("{}: fixtures_dir has no end", rel(path))) + 3;
    text[start..end].to_owned()
}

#[test]
fn fixtures_dir_is_one_rule() {
    let root = root();
    let store = root.join("crates/rhythm-store/src/testing.rs");
    let ingest = root.join("crates/rhythm-ingest/tests/it/common.rs");
    let (a, b) = (fixtures_rule(&store), fixtures_rule(&ingest));
    let problems = if a == b {
        vec![]
    } else {
        vec![format!(
            "{} and {} differ in fixtures_dir: the real fixtures are found by one rule; change both the same way \
             (ingest's tests cannot depend on rhythm-store)\n--- store\n{a}\n--- ingest\n{b}",
            rel(&store),
            rel(&ingest)
        )]
    };
    report("the fixtures rule is one", &problems);
}

#[test]
fn no_machine_specific_paths() {
    // Absolute paths of one machine's layout; CI runs on a clean clone elsewhere. Locations come
    // from the environment (RHYTHM_FIXTURES, …) or from CARGO_MANIFEST_DIR.
    let prefixes: Vec<String> = ["work", "root", "home", "tmp"].iter().map(|d| needle(&["/", d, "/"])).collect();
    let root = root();
    let mut paths = files(&root, &[".rs", ".sh", ".md", ".toml", ".json", ".yml", ".yaml"]);
    paths.push(root.join(".ci/run"));
    let mut problems = Vec::new();
    for path in paths {
        let text = read(&path);
        for prefix in &prefixes {
            for (at, _) in text.match_indices(prefix.as_str()) {
                // Only a path that starts there: not `https://host/work/…`, `a/tmp/b` or `${DIR}/tmp/…`.
                let before = text[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || "._})".contains(c)) {
                    continue;
                }
                problems.push(format!(
                    "{}:{}: absolute path starting {prefix}: take the location from the environment or from \
                     CARGO_MANIFEST_DIR",
                    rel(&path),
                    line_of(&text, at)
                ));
            }
        }
    }
    report("machine-specific paths", &problems);
}
