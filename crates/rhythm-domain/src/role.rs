//! Roles and what each may do. Roles follow the decision-rights policy of PRODUCT.md:
//! the CISO and CTO administer the workspace; the executive decides escalations; viewers and
//! board members only read.

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
        Executive = "executive" / "Executive (escalation authority)",
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
    /// Take a governance step that the decision rights then admit or refuse: decide, settle
    /// an escalation. Everyone who writes, and the executive, who writes nothing else.
    Decide,
    /// Manage users and tokens of the workspace.
    Admin,
}

impl Role {
    pub fn allows(self, p: Permission) -> bool {
        match p {
            Permission::Read => true,
            Permission::Write => !matches!(self, Role::Viewer | Role::Board | Role::Executive),
            Permission::Decide => !matches!(self, Role::Viewer | Role::Board),
            Permission::Admin => matches!(self, Role::Ciso | Role::Cto),
        }
    }

    /// The roles that hold decision rights: the two chiefs and the escalation authority.
    /// Whoever holds one can move a verdict, so no holder of one may mint another.
    pub fn holds_authority(self) -> bool {
        matches!(self, Role::Cto | Role::Ciso | Role::Executive)
    }

    /// The other chief: the CTO's is the CISO and the CISO's the CTO.
    pub fn other_chief(self) -> Option<Role> {
        match self {
            Role::Cto => Some(Role::Ciso),
            Role::Ciso => Some(Role::Cto),
            _ => None,
        }
    }
}

/// Rule code of a refused grant: a person tried to give or take a role that holds authority.
pub const AUTHORITY_GRANT: &str = "authority_grant";

/// Whether a person (not the operator's `rhythm admin`, which acts as the system and is
/// audited) may give someone the role `to`, who held `from` before (`None` for a new account).
/// The CTO, CISO and executive roles hold decision rights, so one chief minting a second CTO
/// would make a "joint" decision one side's: those roles are granted and taken away only by the
/// workspace's operator.
pub fn person_may_grant(from: Option<Role>, to: Role) -> Result<(), String> {
    if let Some(held) = from.filter(|r| r.holds_authority() && *r != to) {
        return Err(format!(
            "the {} role holds decision rights: only the workspace operator takes it away (rhythm admin set-role)",
            held.label()
        ));
    }
    if to.holds_authority() && from != Some(to) {
        return Err(format!(
            "the {} role holds decision rights: only the workspace operator grants it (rhythm admin create-user or \
             set-role), so no chief can add a second voice to their own side",
            to.label()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_roles_cannot_write_and_only_the_two_chiefs_administer() {
        for r in Role::ALL {
            assert!(r.allows(Permission::Read));
            let writes = !matches!(r, Role::Viewer | Role::Board | Role::Executive);
            assert_eq!(r.allows(Permission::Write), writes, "{r}");
            assert_eq!(r.allows(Permission::Admin), matches!(r, Role::Ciso | Role::Cto), "{r}");
        }
    }

    #[test]
    fn no_person_grants_or_takes_a_role_that_holds_authority() {
        assert!(person_may_grant(None, Role::Engineer).is_ok());
        assert!(person_may_grant(Some(Role::Engineer), Role::SecurityLead).is_ok());
        for chief in [Role::Cto, Role::Ciso, Role::Executive] {
            assert!(person_may_grant(None, chief).is_err(), "{chief}");
            assert!(person_may_grant(Some(Role::EngineeringLead), chief).is_err(), "{chief}");
            assert!(person_may_grant(Some(chief), Role::Viewer).is_err(), "{chief}");
            assert!(person_may_grant(Some(chief), chief).is_ok(), "unchanged");
        }
        assert_eq!(Role::Cto.other_chief(), Some(Role::Ciso));
        assert_eq!(Role::Ciso.other_chief(), Some(Role::Cto));
        assert_eq!(Role::Executive.other_chief(), None);
    }
}
