//! A member's role in an organisation: what they may do there.
//!
//! Four roles, each allowing what the one below allows and more: a viewer reads everything of
//! the organisation; an editor also manages its campaigns and their data; an admin also manages
//! its members, settings and everyone's tokens; an owner also transfers ownership and deletes
//! it. The order is the enum's (`Viewer < Editor < Admin < Owner`), so "at least an editor" is
//! `role >= Role::Editor`. Rejected alternative: a set of permission flags per member, which
//! lets two members differ in ways nobody can name and makes every check a lookup; the four
//! roles are what teams of this size ask for (see issue 18).

use std::fmt;

/// A member's role, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Viewer,
    Editor,
    Admin,
    Owner,
}

impl Role {
    /// Every role, lowest first.
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Editor, Role::Admin, Role::Owner];

    /// The role's stored and wire code (`viewer`, `editor`, `admin`, `owner`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }

    /// The role as people read it.
    pub fn label(self) -> &'static str {
        match self {
            Role::Viewer => "Viewer",
            Role::Editor => "Editor",
            Role::Admin => "Admin",
            Role::Owner => "Owner",
        }
    }

    /// The role of a code (exact, lower case, as stored); the error names the codes.
    pub fn parse(code: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == code)
            .ok_or_else(|| {
                format!("unknown role \"{code}\": expected one of viewer, editor, admin, owner")
            })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_and_round_trip_their_codes() {
        assert!(Role::Viewer < Role::Editor);
        assert!(Role::Editor < Role::Admin);
        assert!(Role::Admin < Role::Owner);
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert!(Role::parse("Owner").is_err());
        assert!(Role::parse("").is_err());
        assert!(Role::parse("superuser").is_err_and(|e| e.contains("viewer, editor")));
    }
}
