//! Systems: the products and services everything else links to.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{New, Ref};
use crate::Kind;
use crate::enums::{DataTier, GoldenPath, SystemStatus};
use crate::patch::set;
use crate::validate::{Check, Invalid};

/// A product or service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct System {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub number: i64,
    /// Unique within the workspace.
    pub name: String,
    pub description: String,
    pub owner_team: String,
    pub tier: DataTier,
    /// Golden paths this system follows.
    pub golden_paths: Vec<GoldenPath>,
    pub status: SystemStatus,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A new system.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SystemInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub owner_team: String,
    pub tier: DataTier,
    #[serde(default)]
    pub golden_paths: Vec<GoldenPath>,
}

/// Changes to a system.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SystemPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub owner_team: Option<String>,
    #[serde(default)]
    pub tier: Option<DataTier>,
    #[serde(default)]
    pub golden_paths: Option<Vec<GoldenPath>>,
    #[serde(default)]
    pub status: Option<SystemStatus>,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

impl System {
    pub const KIND: Kind = Kind::System;

    pub fn create(input: SystemInput, new: New) -> Result<Self, Invalid> {
        let s = System {
            id: new.id,
            workspace_id: new.workspace_id,
            number: new.number,
            name: input.name.trim().to_owned(),
            description: input.description.trim().to_owned(),
            owner_team: input.owner_team.trim().to_owned(),
            tier: input.tier,
            golden_paths: input.golden_paths,
            status: SystemStatus::Active,
            version: 1,
            created_at: new.now,
            updated_at: new.now,
        };
        s.check()?;
        Ok(s)
    }

    pub fn apply(&self, p: SystemPatch, now: OffsetDateTime) -> Result<Self, Invalid> {
        let mut s = self.clone();
        set(&mut s.name, p.name.map(|v| v.trim().to_owned()));
        set(&mut s.description, p.description.map(|v| v.trim().to_owned()));
        set(&mut s.owner_team, p.owner_team.map(|v| v.trim().to_owned()));
        set(&mut s.tier, p.tier);
        set(&mut s.golden_paths, p.golden_paths);
        set(&mut s.status, p.status);
        s.version += 1;
        s.updated_at = now;
        s.check()?;
        Ok(s)
    }

    pub fn close(&self, now: OffsetDateTime) -> Result<Self, Invalid> {
        self.apply(SystemPatch { status: Some(SystemStatus::Retired), ..Default::default() }, now)
    }

    pub fn check(&self) -> Result<(), Invalid> {
        let mut c = Check::new();
        c.name("name", &self.name, 120);
        c.text("description", &self.description, 4000);
        c.name("owner_team", &self.owner_team, 120);
        for (i, g) in self.golden_paths.iter().enumerate() {
            if self.golden_paths[..i].contains(g) {
                c.fail(format!("golden_paths[{i}]"), "listed twice");
            }
        }
        c.finish()
    }

    pub fn refs(&self) -> Vec<Ref> {
        Vec::new()
    }

    pub fn follows(&self, path: GoldenPath) -> bool {
        self.golden_paths.contains(&path)
    }
}
