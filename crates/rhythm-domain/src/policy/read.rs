//! Reading a policy from TOML: [`Policy::from_toml`] and its decoder, which notes where each
//! path is in the file so that every problem carries its line and column.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;
use std::str::FromStr;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::check::defined_paths;
use super::{
    DEFAULT_ENVIRONMENT, DEFAULT_STOP_SHIP_TAGS, Decider, DecisionCategory, GoldenPathSpec, Policy, PolicyError,
    PolicyProblem, StopShipCriterion, StopShipRule, default_golden_path_description,
};
use crate::enums::{DataTier, GoldenPath, Severity, TextEnum};

impl Policy {
    /// Reads a policy from TOML. Sections and keys left out take the defaults; a
    /// `[[stop_ship]]` list or a `[golden_paths]` table, when given, replaces the default one.
    pub fn from_toml(src: &str) -> Result<Policy, PolicyError> {
        let (doc, syntax) = DeTable::parse_recoverable(src);
        if !syntax.is_empty() {
            let problems = syntax
                .iter()
                .map(|e| {
                    let offset = e.span().map_or(0, |s| s.start);
                    problem(src, offset, String::new(), format!("TOML syntax: {}", e.message()))
                })
                .collect();
            return Err(PolicyError::new(problems));
        }
        let mut d = Decoder { src, spans: HashMap::new(), problems: Vec::new() };
        let (policy, criterion_index) = d.document(doc.get_ref());
        for issue in policy.issues(|i| criterion_index[i]) {
            let (offset, path) = d.locate(&issue.paths);
            d.problems.push(problem(src, offset, path, issue.message));
        }
        if d.problems.is_empty() { Ok(policy) } else { Err(PolicyError::new(d.problems)) }
    }
}

fn problem(src: &str, offset: usize, path: String, message: String) -> PolicyProblem {
    let (line, column) = line_column(src, offset);
    PolicyProblem { line, column, path, message }
}

/// 1-based line and column (in characters) of a byte offset.
pub(super) fn line_column(src: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(src.len());
    while !src.is_char_boundary(end) {
        end -= 1;
    }
    let before = &src[..end];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

type Value<'i> = Spanned<DeValue<'i>>;

const SECTIONS: &[&str] =
    &["decision_rights", "risk_appetite", "escalation", "sla_days", "exceptions", "golden_paths", "stop_ship"];

/// Reads the parsed TOML document into a policy, noting where each path is and every problem
/// of shape (unknown keys, wrong types, unknown names).
struct Decoder<'s> {
    src: &'s str,
    /// Path → span of its value (or of its table header).
    spans: HashMap<String, Range<usize>>,
    problems: Vec<PolicyProblem>,
}

impl Decoder<'_> {
    fn fail(&mut self, span: &Range<usize>, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(problem(self.src, span.start, path.into(), message.into()));
    }

    fn note(&mut self, path: &str, span: Range<usize>) {
        self.spans.entry(path.to_owned()).or_insert(span);
    }

    /// The offset to show an issue at and the path to name: the first path the file has,
    /// else the nearest enclosing section the file has, else the top of the file.
    fn locate(&self, paths: &[String]) -> (usize, String) {
        if let Some((span, path)) = paths.iter().find_map(|p| self.spans.get(p).map(|s| (s, p))) {
            return (span.start, path.clone());
        }
        for p in paths {
            let mut q = p.as_str();
            while let Some(cut) = q.rfind(['.', '[']) {
                q = &q[..cut];
                if let Some(span) = self.spans.get(q) {
                    return (span.start, p.clone());
                }
            }
        }
        (0, paths[0].clone())
    }

    fn document(&mut self, doc: &DeTable<'_>) -> (Policy, Vec<usize>) {
        let mut policy = Policy::default();
        let mut criterion_index: Vec<usize> = (0..policy.stop_ship.len()).collect();
        let mut sections: HashMap<&str, &Value<'_>> = HashMap::new();
        for (key, value) in doc {
            let name: &str = key.get_ref();
            if SECTIONS.contains(&name) {
                self.note(name, value.span());
                sections.insert(name, value);
            } else {
                self.fail(&key.span(), name, format!("unknown section '{name}'; sections: {}", SECTIONS.join(", ")));
            }
        }
        for name in SECTIONS {
            let Some(value) = sections.get(name).copied() else { continue };
            match *name {
                "decision_rights" => self.decision_rights(value, &mut policy.decision_rights),
                "risk_appetite" => {
                    let ra = &mut policy.risk_appetite;
                    for (key, v) in self.fields(name, value, &["escalation_score", "max_acceptable_score"]) {
                        let target = if key == "escalation_score" {
                            &mut ra.escalation_score
                        } else {
                            &mut ra.max_acceptable_score
                        };
                        if let Some(n) = self.int(&format!("{name}.{key}"), v) {
                            *target = n;
                        }
                    }
                }
                "escalation" => {
                    for (key, v) in self.fields(name, value, &["authority"]) {
                        if let Some(s) = self.string(&format!("{name}.{key}"), v) {
                            policy.escalation.authority = s;
                        }
                    }
                }
                "sla_days" => {
                    let sla = &mut policy.sla_days;
                    for (key, v) in self.fields(name, value, &["critical", "high", "medium", "low", "kev", "info"]) {
                        let Some(n) = self.int(&format!("{name}.{key}"), v) else { continue };
                        match key {
                            "critical" => sla.critical = n,
                            "high" => sla.high = n,
                            "medium" => sla.medium = n,
                            "low" => sla.low = n,
                            "kev" => sla.kev = n,
                            _ => sla.info = Some(n),
                        }
                    }
                }
                "exceptions" => {
                    let ex = &mut policy.exceptions;
                    let keys = ["max_days", "compensating_controls_required", "review_lead_days"];
                    for (key, v) in self.fields(name, value, &keys) {
                        let path = format!("{name}.{key}");
                        match key {
                            "compensating_controls_required" => {
                                if let Some(b) = self.boolean(&path, v) {
                                    ex.compensating_controls_required = b;
                                }
                            }
                            "max_days" => ex.max_days = self.int(&path, v).unwrap_or(ex.max_days),
                            _ => ex.review_lead_days = self.int(&path, v).unwrap_or(ex.review_lead_days),
                        }
                    }
                }
                "golden_paths" => policy.golden_paths = self.golden_paths(value),
                _ => (policy.stop_ship, criterion_index) = self.stop_ship(value, &policy.golden_paths),
            }
        }
        (policy, criterion_index)
    }

    fn decision_rights(&mut self, value: &Value<'_>, out: &mut BTreeMap<DecisionCategory, Decider>) {
        let Some(table) = self.table("decision_rights", value) else { return };
        for (key, v) in table {
            let name: &str = key.get_ref();
            let path = format!("decision_rights.{name}");
            let Some(category) = self.known(&key.span(), &path, name, "decision category", "categories") else {
                continue;
            };
            self.note(&path, v.span());
            if let Some(decider) = self.choice::<Decider>(&path, v, "decider", "deciders") {
                out.insert(category, decider);
            }
        }
    }

    fn golden_paths(&mut self, value: &Value<'_>) -> BTreeMap<GoldenPath, GoldenPathSpec> {
        let mut out = BTreeMap::new();
        let Some(table) = self.table("golden_paths", value) else { return Policy::default().golden_paths };
        for (key, v) in table {
            let name: &str = key.get_ref();
            let at = format!("golden_paths.{name}");
            let Some(path) = self.known(&key.span(), &at, name, "golden path", "golden paths") else {
                continue;
            };
            self.note(&at, v.span());
            let mut spec = GoldenPathSpec {
                description: default_golden_path_description(path).to_owned(),
                required_for_tiers: Vec::new(),
            };
            for (field, fv) in self.fields(&at, v, &["description", "required_for_tiers"]) {
                let fpath = format!("{at}.{field}");
                if field == "description" {
                    if let Some(s) = self.string(&fpath, fv) {
                        spec.description = s;
                    }
                } else if let Some(items) = self.array(&fpath, fv) {
                    spec.required_for_tiers = items
                        .iter()
                        .filter_map(|(p, item)| self.choice::<DataTier>(p, item, "data tier", "tiers"))
                        .collect();
                }
            }
            out.insert(path, spec);
        }
        out
    }

    fn stop_ship(
        &mut self,
        value: &Value<'_>,
        golden_paths: &BTreeMap<GoldenPath, GoldenPathSpec>,
    ) -> (Vec<StopShipCriterion>, Vec<usize>) {
        let DeValue::Array(items) = value.get_ref() else {
            self.fail(
                &value.span(),
                "stop_ship",
                format!(
                    "must be a list of criteria, each written as a [[stop_ship]] table; got {}",
                    describe(value.get_ref())
                ),
            );
            return (Vec::new(), Vec::new());
        };
        let mut read = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let at = format!("stop_ship[{i}]");
            self.note(&at, item.span());
            if let Some(c) = self.criterion(&at, item, golden_paths) {
                read.push((i, c));
            }
        }
        // Criteria without an id take their kind, numbered from the second one on, skipping
        // ids the file gives explicitly.
        let taken: BTreeSet<String> = read.iter().filter_map(|(_, c)| c.id.clone()).collect();
        let mut given: BTreeSet<String> = BTreeSet::new();
        let count = read.len();
        let mut out = Vec::new();
        let mut index = Vec::new();
        for (i, c) in read {
            let id = c.id.unwrap_or_else(|| {
                let kind = c.rule.kind();
                let id = (1..=count + 1)
                    .map(|n| if n == 1 { kind.to_owned() } else { format!("{kind}-{n}") })
                    .find(|id| !taken.contains(id) && !given.contains(id))
                    .unwrap_or_default();
                given.insert(id.clone());
                id
            });
            out.push(StopShipCriterion { id, description: c.description, rule: c.rule });
            index.push(i);
        }
        (out, index)
    }

    fn criterion(
        &mut self,
        at: &str,
        item: &Value<'_>,
        golden_paths: &BTreeMap<GoldenPath, GoldenPathSpec>,
    ) -> Option<ReadCriterion> {
        let table = self.table(at, item)?;
        let kinds = StopShipRule::KINDS.join(", ");
        let kind_value = table.iter().find(|(k, _)| k.get_ref() == "kind").map(|(_, v)| v);
        let kind: Option<&'static str> = match kind_value.map(|v| (v, v.get_ref())) {
            None => {
                self.fail(&item.span(), format!("{at}.kind"), format!("a criterion needs a kind; kinds: {kinds}"));
                None
            }
            Some((v, DeValue::String(s))) => {
                let found = StopShipRule::KINDS.iter().copied().find(|k| *k == s.as_ref());
                if found.is_none() {
                    self.fail(&v.span(), format!("{at}.kind"), format!("unknown stop-ship kind '{s}'; kinds: {kinds}"));
                }
                found
            }
            Some((v, other)) => {
                self.fail(
                    &v.span(),
                    format!("{at}.kind"),
                    format!("must be a stop-ship kind ({kinds}); got {}", describe(other)),
                );
                None
            }
        };
        let specific = kind.map_or(&[][..], StopShipRule::fields_of);
        let mut allowed = vec!["id", "kind", "description"];
        allowed.extend(specific.iter().map(|(name, _)| *name));
        if kind.is_none() {
            // The kind is unknown: accept any field some kind takes, to report only the kind.
            for k in StopShipRule::KINDS {
                for (name, _) in StopShipRule::fields_of(k) {
                    if !allowed.contains(name) {
                        allowed.push(name);
                    }
                }
            }
        }
        let context = kind.map_or_else(|| "a criterion".to_owned(), |k| format!("a criterion of kind '{k}'"));

        let mut read = CriterionFields::default();
        let mut present = Vec::new();
        for (key, v) in table {
            let name: &str = key.get_ref();
            let path = format!("{at}.{name}");
            let Some(name) = allowed.iter().copied().find(|a| *a == name) else {
                self.fail(
                    &key.span(),
                    path,
                    format!("unknown key '{name}' for {context}; keys: {}", allowed.join(", ")),
                );
                continue;
            };
            self.note(&path, v.span());
            present.push(name);
            match name {
                "id" => read.id = self.string(&path, v),
                "description" => read.description = self.string(&path, v),
                "min_severity" => read.min_severity = self.choice::<Severity>(&path, v, "severity", "severities"),
                "environment" => read.environment = self.string(&path, v),
                "min_score" => read.min_score = self.int(&path, v),
                "tags" => {
                    read.tags =
                        self.array(&path, v).map(|items| items.iter().filter_map(|(p, t)| self.string(p, t)).collect());
                }
                "path" => read.path = self.golden_path_ref(&path, v, read.id.as_deref().or(kind), golden_paths),
                _ => {}
            }
        }
        let kind = kind?;
        for (field, required) in specific {
            if *required && !present.contains(field) {
                self.fail(
                    &item.span(),
                    format!("{at}.{field}"),
                    format!("a criterion of kind '{kind}' needs '{field}'"),
                );
            }
        }
        let rule = match kind {
            "open_findings" => StopShipRule::OpenFindings {
                min_severity: read.min_severity?,
                environment: read.environment.unwrap_or_else(|| DEFAULT_ENVIRONMENT.to_owned()),
            },
            "unmitigated_risks" => StopShipRule::UnmitigatedRisks {
                tags: read.tags.unwrap_or_else(|| DEFAULT_STOP_SHIP_TAGS.iter().map(|t| (*t).to_owned()).collect()),
                min_score: read.min_score?,
            },
            "golden_path" => StopShipRule::GoldenPath { path: read.path? },
            _ => StopShipRule::OverdueRisks { min_score: read.min_score? },
        };
        Some(ReadCriterion { id: read.id, description: read.description, rule })
    }

    fn golden_path_ref(
        &mut self,
        path: &str,
        v: &Value<'_>,
        id: Option<&str>,
        golden_paths: &BTreeMap<GoldenPath, GoldenPathSpec>,
    ) -> Option<GoldenPath> {
        let DeValue::String(s) = v.get_ref() else {
            self.fail(&v.span(), path, format!("must be a golden path; got {}", describe(v.get_ref())));
            return None;
        };
        let found = GoldenPath::ALL.iter().copied().find(|p| p.as_str() == s.as_ref());
        if found.is_none() {
            self.fail(
                &v.span(),
                path,
                format!(
                    "criterion '{}' references golden path '{s}', which the policy does not define; {}",
                    id.unwrap_or("golden_path"),
                    defined_paths(golden_paths)
                ),
            );
        }
        found
    }

    fn table<'t, 'i>(&mut self, path: &str, v: &'t Value<'i>) -> Option<&'t DeTable<'i>> {
        match v.get_ref() {
            DeValue::Table(t) => Some(t),
            other => {
                self.fail(&v.span(), path, format!("must be a table; got {}", describe(other)));
                None
            }
        }
    }

    /// The known keys of a table, noted; unknown ones are reported.
    fn fields<'t, 'i>(
        &mut self,
        at: &str,
        v: &'t Value<'i>,
        allowed: &[&'static str],
    ) -> Vec<(&'static str, &'t Value<'i>)> {
        let Some(table) = self.table(at, v) else { return Vec::new() };
        let mut out = Vec::new();
        for (key, value) in table {
            let name: &str = key.get_ref();
            let path = format!("{at}.{name}");
            match allowed.iter().copied().find(|a| *a == name) {
                Some(known) => {
                    self.note(&path, value.span());
                    out.push((known, value));
                }
                None => self.fail(
                    &key.span(),
                    path,
                    format!("unknown key '{name}' in [{at}]; keys: {}", allowed.join(", ")),
                ),
            }
        }
        out
    }

    /// The items of an array with their paths, noted.
    fn array<'t, 'i>(&mut self, path: &str, v: &'t Value<'i>) -> Option<Vec<(String, &'t Value<'i>)>> {
        let DeValue::Array(items) = v.get_ref() else {
            self.fail(&v.span(), path, format!("must be a list; got {}", describe(v.get_ref())));
            return None;
        };
        Some(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let p = format!("{path}[{i}]");
                    self.note(&p, item.span());
                    (p, item)
                })
                .collect(),
        )
    }

    fn int(&mut self, path: &str, v: &Value<'_>) -> Option<i64> {
        match v.get_ref() {
            DeValue::Integer(i) => {
                let n = i64::from_str_radix(i.as_str(), i.radix()).ok();
                if n.is_none() {
                    self.fail(&v.span(), path, format!("{i} is too large a number"));
                }
                n
            }
            other => {
                self.fail(&v.span(), path, format!("must be a whole number; got {}", describe(other)));
                None
            }
        }
    }

    fn boolean(&mut self, path: &str, v: &Value<'_>) -> Option<bool> {
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                self.fail(&v.span(), path, format!("must be true or false; got {}", describe(other)));
                None
            }
        }
    }

    fn string(&mut self, path: &str, v: &Value<'_>) -> Option<String> {
        match v.get_ref() {
            DeValue::String(s) => Some(s.as_ref().to_owned()),
            other => {
                self.fail(&v.span(), path, format!("must be a string; got {}", describe(other)));
                None
            }
        }
    }

    /// The value of a closed enum named `name`, or a failure that lists the names.
    fn known<T: TextEnum>(
        &mut self,
        span: &Range<usize>,
        path: &str,
        name: &str,
        what: &str,
        plural: &str,
    ) -> Option<T> {
        let found = T::all().iter().copied().find(|t| t.as_str() == name);
        if found.is_none() {
            self.fail(span, path, format!("unknown {what} '{name}'; {plural}: {}", names::<T>()));
        }
        found
    }

    fn choice<T: TextEnum + FromStr>(&mut self, path: &str, v: &Value<'_>, what: &str, plural: &str) -> Option<T> {
        match v.get_ref() {
            DeValue::String(s) => self.known(&v.span(), path, s, what, plural),
            other => {
                self.fail(&v.span(), path, format!("must be a {what} ({}); got {}", names::<T>(), describe(other)));
                None
            }
        }
    }
}

/// A criterion as read, before its id is settled.
struct ReadCriterion {
    id: Option<String>,
    description: Option<String>,
    rule: StopShipRule,
}

#[derive(Default)]
struct CriterionFields {
    id: Option<String>,
    description: Option<String>,
    min_severity: Option<Severity>,
    environment: Option<String>,
    min_score: Option<i64>,
    tags: Option<Vec<String>>,
    path: Option<GoldenPath>,
}

fn names<T: TextEnum>() -> String {
    T::all().iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ")
}

fn describe(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => format!("the string '{s}'"),
        DeValue::Integer(i) => format!("the number {i}"),
        DeValue::Float(f) => format!("the number {f}"),
        DeValue::Boolean(b) => format!("{b}"),
        DeValue::Datetime(d) => format!("the date {d}"),
        DeValue::Array(_) => "a list".to_owned(),
        DeValue::Table(_) => "a table".to_owned(),
    }
}
