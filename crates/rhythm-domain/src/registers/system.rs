//! Systems: the products and services everything else links to.

use super::Ref;
use super::shape::register;
use crate::Kind;
use crate::enums::{DataTier, GoldenPath, SystemStatus};

register! {
    /// A product or service.
    pub struct System {
        number,
        /// Unique within the workspace.
        name: text,
        description: text [default],
        owner_team: text,
        tier: DataTier,
        /// Golden paths this system follows.
        golden_paths: Vec<GoldenPath> [default],
        status: SystemStatus [no_input] = SystemStatus::Active,
        version,
    }
    /// A new system.
    #[derive(Default)]
    pub struct SystemInput;
    /// Changes to a system.
    pub struct SystemPatch;
    const KIND: Kind = Kind::System;
    fn close() { status: SystemStatus::Retired }
    fn check(self, c) {
        c.name("name", &self.name, 120);
        c.text("description", &self.description, 4000);
        c.name("owner_team", &self.owner_team, 120);
        for (i, g) in self.golden_paths.iter().enumerate() {
            if self.golden_paths[..i].contains(g) {
                c.fail(format!("golden_paths[{i}]"), "listed twice");
            }
        }
    }
}

impl System {
    pub fn refs(&self) -> Vec<Ref> {
        Vec::new()
    }

    pub fn follows(&self, path: GoldenPath) -> bool {
        self.golden_paths.contains(&path)
    }
}
