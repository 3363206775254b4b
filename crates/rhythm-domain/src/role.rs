//! Roles and what each may do. Roles follow the decision-rights policy of PRODUCT.md:
//! the CISO and CTO administer the workspace; viewers and board members only read.

use serde::{Deserialize, Serialize};

crate::text_enum!(
    /// A user's role in a workspace.
    Role {
        Ciso = "ciso" / "CISO",
        Cto = "cto" / "CTO",
        SecurityLead = "security_lead" / "Security lead",
        EngineeringLead = "engineering_lead" / "Engineering lead",
        Delivery = "delivery" / "Delivery planner",
        Engineer = "engineer" / "Engineer",
        Viewer = "viewer" / "Viewer",
        Board = "board" / "Board member",
    }
);

/// What an action needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Read the registers.
    Read,
    /// Create and change register entries.
    Write,
    /// Manage users and tokens of the workspace.
    Admin,
}

impl Role {
    pub fn allows(self, p: Permission) -> bool {
        match p {
            Permission::Read => true,
            Permission::Write => !matches!(self, Role::Viewer | Role::Board),
            Permission::Admin => matches!(self, Role::Ciso | Role::Cto),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_roles_cannot_write_and_only_the_two_chiefs_administer() {
        for r in Role::ALL {
            assert!(r.allows(Permission::Read));
            let writes = !matches!(r, Role::Viewer | Role::Board);
            assert_eq!(r.allows(Permission::Write), writes, "{r}");
            assert_eq!(r.allows(Permission::Admin), matches!(r, Role::Ciso | Role::Cto), "{r}");
        }
    }
}
