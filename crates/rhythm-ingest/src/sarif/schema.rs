//! The subset of SARIF 2.1.0 that [`super::parse`] reads, as typed structs that borrow their
//! strings from the input (see the module docs of `sarif`), and the borrowing helpers they use.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// A string borrowed from the input when it has no escapes, owned otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct S<'a>(pub(super) Cow<'a, str>);

impl std::ops::Deref for S<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for S<'a> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = S<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(S(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(S(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(S(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// Any JSON value, kept only when it is a string or a number; an object's `"value"` member is
/// taken (non-conformant `{"value": "…"}` fingerprints). Used where tools disagree on types.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Scalar<'a> {
    Str(Cow<'a, str>),
    Num(f64),
    Other,
}

impl Scalar<'_> {
    pub(super) fn as_str(&self) -> Option<Cow<'_, str>> {
        match self {
            Scalar::Str(s) => Some(Cow::Borrowed(s)),
            Scalar::Num(n) => Some(Cow::Owned(n.to_string())),
            Scalar::Other => None,
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Scalar::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Scalar::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Scalar::Str(Cow::Owned(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Scalar::Num(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Scalar::Num(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Scalar::Num(v as f64))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Scalar::Other)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Scalar::Other)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Scalar::Other;
                while let Some(key) = map.next_key::<S<'de>>()? {
                    if &*key == "value" {
                        out = map.next_value::<Scalar<'de>>()?;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_any(V)
    }
}

// ---------------------------------------------------------------------------------------------
// The SARIF subset read

#[derive(Deserialize)]
pub(super) struct Log<'a> {
    #[serde(borrow)]
    pub(super) version: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(super) runs: Option<Vec<Run<'a>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Run<'a> {
    #[serde(borrow)]
    pub(super) tool: Tool<'a>,
    /// Each result's JSON text, read into an [`SResult`] one at a time (see the module docs).
    #[serde(borrow)]
    pub(super) results: Option<Vec<&'a RawValue>>,
    #[serde(borrow)]
    pub(super) original_uri_base_ids: Option<HashMap<S<'a>, ArtifactLocation<'a>>>,
    #[serde(borrow)]
    pub(super) artifacts: Option<Vec<Artifact<'a>>>,
}

#[derive(Deserialize)]
pub(super) struct Artifact<'a> {
    #[serde(borrow)]
    pub(super) location: Option<ArtifactLocation<'a>>,
}

#[derive(Deserialize)]
pub(super) struct Tool<'a> {
    #[serde(borrow)]
    pub(super) driver: ToolComponent<'a>,
    #[serde(borrow)]
    pub(super) extensions: Option<Vec<ToolComponent<'a>>>,
}

#[derive(Deserialize)]
pub(super) struct ToolComponent<'a> {
    #[serde(borrow)]
    pub(super) name: Option<S<'a>>,
    #[serde(borrow)]
    pub(super) rules: Option<Vec<Rule<'a>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Rule<'a> {
    #[serde(borrow)]
    pub(super) id: Option<S<'a>>,
    #[serde(borrow)]
    pub(super) name: Option<S<'a>>,
    #[serde(borrow)]
    pub(super) short_description: Option<Text<'a>>,
    #[serde(borrow)]
    pub(super) message_strings: Option<HashMap<S<'a>, Text<'a>>>,
    pub(super) default_configuration: Option<Configuration>,
    #[serde(borrow)]
    pub(super) properties: Option<Properties<'a>>,
}

#[derive(Deserialize)]
pub(super) struct Text<'a> {
    #[serde(borrow)]
    pub(super) text: Option<S<'a>>,
}

#[derive(Deserialize)]
pub(super) struct Configuration {
    pub(super) level: Option<Level>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "camelCase")]
pub(super) enum Level {
    None,
    Note,
    Warning,
    Error,
}

/// Rule or result properties: only the severity-bearing ones and tags.
#[derive(Deserialize)]
pub(super) struct Properties<'a> {
    #[serde(borrow, rename = "security-severity")]
    pub(super) security_severity: Option<Scalar<'a>>,
    #[serde(borrow, rename = "problem.severity")]
    pub(super) problem_severity: Option<Scalar<'a>>,
    #[serde(borrow)]
    pub(super) severity: Option<Scalar<'a>>,
    #[serde(borrow)]
    pub(super) issue_severity: Option<Scalar<'a>>,
    #[serde(borrow)]
    pub(super) tags: Option<Vec<Scalar<'a>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SResult<'a> {
    #[serde(borrow)]
    pub(super) rule_id: Option<S<'a>>,
    pub(super) rule_index: Option<i64>,
    #[serde(borrow)]
    pub(super) rule: Option<RuleRef<'a>>,
    #[serde(borrow)]
    pub(super) kind: Option<S<'a>>,
    pub(super) level: Option<Level>,
    #[serde(borrow)]
    pub(super) message: Option<Message<'a>>,
    #[serde(borrow)]
    pub(super) locations: Option<Vec<Location<'a>>>,
    #[serde(borrow)]
    pub(super) partial_fingerprints: Option<BTreeMap<S<'a>, Scalar<'a>>>,
    #[serde(borrow)]
    pub(super) fingerprints: Option<BTreeMap<S<'a>, Scalar<'a>>>,
    #[serde(borrow)]
    pub(super) suppressions: Option<Vec<SuppressionEntry<'a>>>,
    #[serde(borrow)]
    pub(super) baseline_state: Option<S<'a>>,
    #[serde(borrow)]
    pub(super) properties: Option<Properties<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RuleRef<'a> {
    #[serde(borrow)]
    pub(super) id: Option<S<'a>>,
    pub(super) index: Option<i64>,
    pub(super) tool_component: Option<ComponentRef>,
}

#[derive(Deserialize)]
pub(super) struct ComponentRef {
    pub(super) index: Option<i64>,
}

#[derive(Deserialize)]
pub(super) struct Message<'a> {
    #[serde(borrow)]
    pub(super) text: Option<S<'a>>,
    #[serde(borrow)]
    pub(super) markdown: Option<S<'a>>,
    #[serde(borrow)]
    pub(super) id: Option<S<'a>>,
    #[serde(borrow)]
    pub(super) arguments: Option<Vec<Scalar<'a>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Location<'a> {
    #[serde(borrow)]
    pub(super) physical_location: Option<PhysicalLocation<'a>>,
    #[serde(borrow)]
    pub(super) logical_locations: Option<Vec<LogicalLocation<'a>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PhysicalLocation<'a> {
    #[serde(borrow)]
    pub(super) artifact_location: Option<ArtifactLocation<'a>>,
    pub(super) region: Option<Region>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ArtifactLocation<'a> {
    #[serde(borrow)]
    pub(super) uri: Option<S<'a>>,
    #[serde(borrow)]
    pub(super) uri_base_id: Option<S<'a>>,
    /// Index into `run.artifacts`, whose location gives the uri when this one has none.
    pub(super) index: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Region {
    pub(super) start_line: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct LogicalLocation<'a> {
    #[serde(borrow)]
    pub(super) fully_qualified_name: Option<S<'a>>,
    #[serde(borrow)]
    pub(super) name: Option<S<'a>>,
}

#[derive(Deserialize)]
pub(super) struct SuppressionEntry<'a> {
    #[serde(borrow)]
    pub(super) kind: Option<S<'a>>,
    #[serde(borrow)]
    pub(super) status: Option<S<'a>>,
    /// The pre-release (2.1.0 draft) name of `status`.
    #[serde(borrow)]
    pub(super) state: Option<S<'a>>,
    #[serde(borrow)]
    pub(super) justification: Option<S<'a>>,
}
