//! Who may do what to which unit. Plain rules over an [`Actor`]; the phase and deadline
//! are checked separately by [`super::deadline`].

use serde::{Deserialize, Serialize};

use super::criteria::{area_of, covers};

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

/// What a round assigns to appraising departments in one tier (phân công thẩm định): the
/// areas and criteria of the tier's set, each with the department (a unit of the
/// directory: the Sở Tư pháp, the Sở Nội vụ…) whose appraisers appraise it in every unit
/// of the tier.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Assignments {
    /// (node code, department unit id).
    nodes: Vec<(String, i64)>,
}

impl Assignments {
    pub fn new(nodes: impl IntoIterator<Item = (String, i64)>) -> Assignments {
        Assignments {
            nodes: nodes.into_iter().collect(),
        }
    }

    /// The department that appraises `leaf`: the one of the nearest node above it (or the
    /// leaf itself) that is assigned, so a criterion given to another department than
    /// its area is that department's.
    pub fn department_of(&self, leaf: &str) -> Option<i64> {
        self.nodes
            .iter()
            .filter(|(node, _)| covers(node, leaf))
            .max_by_key(|(node, _)| node.len())
            .map(|(_, department)| *department)
    }

    /// Whether `department` appraises anything in this tier.
    pub fn names(&self, department: i64) -> bool {
        self.nodes.iter().any(|(_, d)| *d == department)
    }
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
    /// An appraiser's limits; empty means every unit and area, unless the appraiser
    /// belongs to a department: then only what the round assigns to it.
    pub scopes: Vec<Scope>,
    /// The appraising department (cơ quan thẩm định) an appraiser belongs to: they
    /// appraise what each round assigns to it ([`Assignments`]), besides their scopes.
    pub department_id: Option<i64>,
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

    /// Whether the appraiser's own scopes reach this unit (some area of it). No scope
    /// means every unit, for an appraiser of no department; a department's appraiser
    /// without scopes of their own has only what the rounds assign to it.
    fn own_scope_unit(&self, unit_id: i64) -> bool {
        if self.scopes.is_empty() {
            return self.department_id.is_none();
        }
        (self.scopes.iter()).any(|s| s.unit_id.is_none_or(|u| u == unit_id))
    }

    /// Whether the appraiser's own scopes reach this area of this unit.
    fn own_scope(&self, unit_id: i64, area_code: &str) -> bool {
        if self.scopes.is_empty() {
            return self.department_id.is_none();
        }
        self.scopes.iter().any(|s| {
            s.unit_id.is_none_or(|u| u == unit_id)
                && s.area_code.as_deref().is_none_or(|a| a == area_code)
        })
    }

    /// Whether the appraiser may appraise this unit at all (some area of it) in some
    /// round: by their scopes, or as a department's appraiser (a department appraises
    /// its criteria in every unit).
    pub fn may_appraise_unit(&self, unit_id: i64) -> bool {
        self.role == Role::Appraiser
            && (self.department_id.is_some() || self.own_scope_unit(unit_id))
    }

    /// Whether the appraiser may appraise some leaf of this unit in a round that assigns
    /// `assigned` in the unit's tier.
    pub fn may_appraise_unit_in(&self, unit_id: i64, assigned: &Assignments) -> bool {
        self.role == Role::Appraiser
            && (self.own_scope_unit(unit_id)
                || self.department_id.is_some_and(|d| assigned.names(d)))
    }

    /// Whether the appraiser may appraise this leaf of this unit in a round that assigns
    /// `assigned` in the unit's tier: by their scopes (the leaf's area), or because the
    /// leaf is assigned to their department.
    pub fn may_appraise(&self, unit_id: i64, leaf_code: &str, assigned: &Assignments) -> bool {
        self.role == Role::Appraiser
            && (self.own_scope(unit_id, area_of(leaf_code))
                || self
                    .department_id
                    .is_some_and(|d| assigned.department_of(leaf_code) == Some(d)))
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
            department_id: None,
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
        let none = Assignments::default();
        assert!(digital.may_appraise(3, "7.1.2", &none));
        assert!(!digital.may_appraise(3, "3.1", &none));
        assert!(digital.may_appraise_unit(3));
        let one_unit = actor(
            Role::Appraiser,
            None,
            vec![Scope {
                unit_id: Some(3),
                area_code: None,
            }],
        );
        assert!(one_unit.may_appraise(3, "1.1", &none) && !one_unit.may_appraise(4, "1.1", &none));
        assert!(!one_unit.may_view_unit(4));
        assert!(actor(Role::Appraiser, None, vec![]).may_appraise(99, "8.1", &none));
        assert!(!actor(Role::Viewer, None, vec![]).may_appraise(3, "7.1", &none));
    }

    #[test]
    fn a_department_appraises_what_the_round_assigns_to_it_in_every_unit() {
        const JUSTICE: i64 = 20;
        const INFORMATION: i64 = 21;
        let assigned = Assignments::new([
            ("2".to_string(), JUSTICE),
            ("7".to_string(), INFORMATION),
            // A criterion of area 7 given to another department than its area.
            ("7.3".to_string(), JUSTICE),
        ]);
        assert_eq!(assigned.department_of("2.1.1"), Some(JUSTICE));
        assert_eq!(assigned.department_of("7.1.2"), Some(INFORMATION));
        assert_eq!(assigned.department_of("7.3.1"), Some(JUSTICE));
        assert_eq!(assigned.department_of("1.1.1"), None);
        assert_eq!(assigned.department_of("20.1"), None);

        let justice = Actor {
            department_id: Some(JUSTICE),
            ..actor(Role::Appraiser, None, vec![])
        };
        // No scope of their own: only the department's nodes, but in every unit.
        assert!(justice.may_appraise(3, "2.1.1", &assigned));
        assert!(justice.may_appraise(44, "7.3.1", &assigned));
        assert!(!justice.may_appraise(3, "7.1.2", &assigned));
        assert!(!justice.may_appraise(3, "1.1.1", &assigned));
        assert!(justice.may_appraise_unit_in(3, &assigned));
        assert!(!justice.may_appraise_unit_in(3, &Assignments::default()));
        assert!(justice.may_view_unit(3));
        // A scope of their own widens it.
        let also_unit_5 = Actor {
            scopes: vec![Scope {
                unit_id: Some(5),
                area_code: None,
            }],
            ..justice.clone()
        };
        assert!(also_unit_5.may_appraise(5, "1.1.1", &assigned));
        assert!(!also_unit_5.may_appraise(6, "1.1.1", &assigned));
        assert!(also_unit_5.may_appraise(6, "2.1", &assigned));
        // Without a department, assignments change nothing.
        let council = actor(Role::Appraiser, None, vec![]);
        assert!(council.may_appraise(3, "2.1.1", &assigned));
    }
}
