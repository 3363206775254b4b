//! Partial updates. `Option<T>` means "leave as is when absent"; for nullable fields
//! `Option<Option<T>>` tells "absent" (keep) apart from `null` (clear).

use serde::{Deserialize, Deserializer};

/// Deserialize a present field (even `null`) as `Some(..)`, so `#[serde(default)]` keeps
/// absence as `None`.
pub fn some<'de, T, D>(d: D) -> Result<Option<T>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    T::deserialize(d).map(Some)
}

/// Apply an optional new value.
pub fn set<T>(target: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *target = v;
    }
}
