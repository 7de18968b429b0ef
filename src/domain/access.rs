//! Who may do what to which unit. Plain rules over an [`Actor`]; the phase and deadline
//! are checked separately by [`super::deadline`].

use serde::{Deserialize, Serialize};

/// Usernames: what people type on the sign-in page: lower case, without spaces or
/// diacritics, 3 to 64 characters of a–z, 0–9 and `. _ - @`.
pub fn valid_username(s: &str) -> bool {
    (3..=64).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-@".contains(c))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Quản trị (cán bộ Sở Nội vụ phụ trách CCHC).
    Admin,
    /// Cán bộ đơn vị: enters the unit's self-assessment.
    Officer,
    /// Thủ trưởng đơn vị: approves and submits it.
    Head,
    /// Thành viên thẩm định.
    Appraiser,
    /// Người xem.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Officer,
        Role::Head,
        Role::Appraiser,
        Role::Viewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Officer => "officer",
            Role::Head => "head",
            Role::Appraiser => "appraiser",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Quản trị",
            Role::Officer => "Cán bộ đơn vị",
            Role::Head => "Thủ trưởng đơn vị",
            Role::Appraiser => "Thành viên thẩm định",
            Role::Viewer => "Người xem",
        }
    }

    /// Whether the role belongs to one unit.
    pub fn is_unit_role(self) -> bool {
        matches!(self, Role::Officer | Role::Head)
    }
}

/// One (unit, area) pair an appraiser may appraise; `None` means any.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Scope {
    pub unit_id: Option<i64>,
    pub area_code: Option<String>,
}

/// The signed-in user, as the rules see them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Actor {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The unit of an officer or head.
    pub unit_id: Option<i64>,
    /// An appraiser's limits; empty means every unit and area.
    pub scopes: Vec<Scope>,
}

impl Actor {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    fn own_unit(&self, unit_id: i64) -> bool {
        self.role.is_unit_role() && self.unit_id == Some(unit_id)
    }

    /// Officers and heads edit their own unit's self-assessment.
    pub fn may_edit_self_assessment(&self, unit_id: i64) -> bool {
        self.own_unit(unit_id)
    }

    /// Only the head approves, submits and withdraws.
    pub fn may_submit(&self, unit_id: i64) -> bool {
        self.role == Role::Head && self.own_unit(unit_id)
    }

    /// Whether the appraiser may appraise this unit at all (some area of it).
    pub fn may_appraise_unit(&self, unit_id: i64) -> bool {
        self.role == Role::Appraiser
            && (self.scopes.is_empty()
                || self
                    .scopes
                    .iter()
                    .any(|s| s.unit_id.is_none_or(|u| u == unit_id)))
    }

    /// Whether the appraiser may appraise this leaf (by its area) of this unit.
    pub fn may_appraise(&self, unit_id: i64, area_code: &str) -> bool {
        self.role == Role::Appraiser
            && (self.scopes.is_empty()
                || self.scopes.iter().any(|s| {
                    s.unit_id.is_none_or(|u| u == unit_id)
                        && s.area_code.as_deref().is_none_or(|a| a == area_code)
                }))
    }

    /// Who may read a unit's self-assessment and scores before publication: its own
    /// people, administrators, viewers, and appraisers in scope.
    pub fn may_view_unit(&self, unit_id: i64) -> bool {
        match self.role {
            Role::Admin | Role::Viewer => true,
            Role::Officer | Role::Head => self.own_unit(unit_id),
            Role::Appraiser => self.may_appraise_unit(unit_id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(valid_username("a.canbo"));
        assert!(valid_username("snv-01@cantho"));
        assert!(!valid_username("Nguyễn Văn A"));
        assert!(!valid_username("NguyenA"));
        assert!(!valid_username("ab"));
    }

    fn actor(role: Role, unit_id: Option<i64>, scopes: Vec<Scope>) -> Actor {
        Actor {
            user_id: 1,
            username: "u".into(),
            display_name: "U".into(),
            role,
            unit_id,
            scopes,
        }
    }

    #[test]
    fn unit_people_act_only_on_their_own_unit() {
        let officer = actor(Role::Officer, Some(7), vec![]);
        assert!(officer.may_edit_self_assessment(7));
        assert!(!officer.may_edit_self_assessment(8));
        assert!(!officer.may_submit(7));
        let head = actor(Role::Head, Some(7), vec![]);
        assert!(head.may_submit(7) && !head.may_submit(8));
        for role in [Role::Admin, Role::Appraiser, Role::Viewer] {
            assert!(
                !actor(role, Some(7), vec![]).may_edit_self_assessment(7),
                "{role:?}"
            );
        }
    }

    #[test]
    fn an_appraiser_limited_to_the_e_government_area() {
        let digital = actor(
            Role::Appraiser,
            None,
            vec![Scope {
                unit_id: None,
                area_code: Some("7".into()),
            }],
        );
        assert!(digital.may_appraise(3, "7"));
        assert!(!digital.may_appraise(3, "3"));
        assert!(digital.may_appraise_unit(3));
        let one_unit = actor(
            Role::Appraiser,
            None,
            vec![Scope {
                unit_id: Some(3),
                area_code: None,
            }],
        );
        assert!(one_unit.may_appraise(3, "1") && !one_unit.may_appraise(4, "1"));
        assert!(!one_unit.may_view_unit(4));
        assert!(actor(Role::Appraiser, None, vec![]).may_appraise(99, "8"));
        assert!(!actor(Role::Viewer, None, vec![]).may_appraise(3, "7"));
    }
}
