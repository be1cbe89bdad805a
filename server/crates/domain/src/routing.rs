//! Review routing policy: which teams review a screened version and how many
//! approvals it needs. A policy is data with a version id; routing is a pure
//! function of the policy and the case, and says which rules decided.
//!
//! The review workflow stores policy documents with their version ids, routes
//! every screened version with the active one, and records its version with
//! every decision.

use serde::{Deserialize, Serialize};

/// A review team (an operator role's queue).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Team {
    Security,
    TrustSafety,
    Legal,
    Compliance,
    Devrel,
    /// Marketplace operators: the default queue.
    Marketplace,
}

/// Risk tiers as the classifier writes them, ordered.
const TIERS: [&str; 4] = ["low", "medium", "high", "critical"];

fn tier(s: &str) -> Option<usize> {
    TIERS.iter().position(|t| *t == s)
}

/// When a rule applies. Every condition given must hold; an empty rule
/// matches every case.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Condition {
    /// The version's overall risk is at least this tier.
    pub risk_at_least: Option<String>,
    /// Any finding of one of these kinds.
    pub finding_kinds: Vec<String>,
    /// The listing is in one of these categories.
    pub categories: Vec<String>,
    /// The version can do one of these (classifier capability names).
    pub capabilities: Vec<String>,
    /// A price plan of one of these kinds (`free`, `flat`, `per_seat`, `usage`).
    pub plan_kinds: Vec<String>,
}

/// Where matching cases go.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    pub teams: Vec<Team>,
    /// Approvals needed, from different people, none of them the submitter.
    pub approvals: u8,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// A name reviewers read in "routed because …".
    pub id: String,
    pub when: Condition,
    pub route: Route,
}

/// A routing policy document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingPolicy {
    pub version: String,
    pub rules: Vec<Rule>,
    /// Where a case no rule matched goes.
    pub default: Route,
    /// Whether a low-risk case with no findings may be approved by the policy
    /// itself (recorded as a decision by the policy, with its version).
    #[serde(default)]
    pub auto_approve_clean_low_risk: bool,
}

/// What routing looks at, from a version's screening and listing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Case {
    pub risk: String,
    pub finding_kinds: Vec<String>,
    pub category: String,
    pub capabilities: Vec<String>,
    pub plan_kinds: Vec<String>,
}

/// The outcome: the union of the matching rules' teams, the largest number
/// of approvals, and which rules decided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Routing {
    pub policy_version: String,
    pub teams: Vec<Team>,
    pub approvals: u8,
    pub matched_rules: Vec<String>,
    /// The policy approves it itself (no people needed).
    pub auto_approved: bool,
}

impl Condition {
    fn matches(&self, c: &Case) -> bool {
        let any = |want: &[String], have: &[String]| {
            want.is_empty() || want.iter().any(|w| have.contains(w))
        };
        let risk_ok = match &self.risk_at_least {
            None => true,
            Some(min) => matches!((tier(&c.risk), tier(min)), (Some(a), Some(b)) if a >= b),
        };
        risk_ok
            && any(&self.finding_kinds, &c.finding_kinds)
            && (self.categories.is_empty() || self.categories.contains(&c.category))
            && any(&self.capabilities, &c.capabilities)
            && any(&self.plan_kinds, &c.plan_kinds)
    }
}

impl RoutingPolicy {
    /// Reads a policy document (JSON), checking what a typo would break.
    pub fn from_json(text: &str) -> Result<RoutingPolicy, String> {
        let p: RoutingPolicy =
            serde_json::from_str(text).map_err(|e| format!("not a routing policy: {e}"))?;
        if p.version.trim().is_empty() {
            return Err("the policy needs a version".into());
        }
        let mut ids = std::collections::HashSet::new();
        for r in &p.rules {
            if !ids.insert(r.id.as_str()) {
                return Err(format!("rule id {:?} is used twice", r.id));
            }
            if let Some(t) = &r.when.risk_at_least
                && tier(t).is_none()
            {
                return Err(format!(
                    "rule {:?}: risk_at_least {t:?} is not low, medium, high or critical",
                    r.id
                ));
            }
            if r.route.teams.is_empty() || r.route.approvals == 0 {
                return Err(format!(
                    "rule {:?}: a route needs a team and at least one approval",
                    r.id
                ));
            }
        }
        if p.default.teams.is_empty() || p.default.approvals == 0 {
            return Err("the default route needs a team and at least one approval".into());
        }
        Ok(p)
    }

    /// Where `case` goes under this policy.
    pub fn route(&self, case: &Case) -> Routing {
        let matched: Vec<&Rule> = self.rules.iter().filter(|r| r.when.matches(case)).collect();
        let auto = self.auto_approve_clean_low_risk
            && matched.is_empty()
            && case.risk == "low"
            && case.finding_kinds.is_empty();
        let (mut teams, approvals) = if matched.is_empty() {
            (self.default.teams.clone(), self.default.approvals)
        } else {
            (
                matched.iter().flat_map(|r| r.route.teams.clone()).collect(),
                matched.iter().map(|r| r.route.approvals).max().unwrap_or(1),
            )
        };
        teams.sort();
        teams.dedup();
        Routing {
            policy_version: self.version.clone(),
            teams: if auto { Vec::new() } else { teams },
            approvals: if auto { 0 } else { approvals },
            matched_rules: matched.iter().map(|r| r.id.clone()).collect(),
            auto_approved: auto,
        }
    }
}

/// The defaults the issue names: critical risk or tool poisoning to security
/// with two approvers; financial capability or usage pricing to compliance;
/// impersonation to legal; everything else to one marketplace reviewer.
pub fn default_policy() -> RoutingPolicy {
    RoutingPolicy::from_json(include_str!("routing_default.json"))
        .expect("the built-in routing policy is valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(risk: &str) -> Case {
        Case {
            risk: risk.into(),
            category: "utilities".into(),
            ..Case::default()
        }
    }

    #[test]
    fn the_defaults_route_as_the_issue_says() {
        let p = default_policy();
        let r = p.route(&Case {
            finding_kinds: vec!["tool_poisoning".into()],
            ..case("medium")
        });
        assert_eq!(r.teams, vec![Team::Security]);
        assert_eq!(r.approvals, 2);
        assert_eq!(r.matched_rules, vec!["poisoning-or-critical"]);

        let r = p.route(&case("critical"));
        assert_eq!((r.teams.clone(), r.approvals), (vec![Team::Security], 2));

        let r = p.route(&Case {
            capabilities: vec!["financial".into()],
            plan_kinds: vec!["usage".into()],
            finding_kinds: vec!["impersonation".into()],
            ..case("high")
        });
        assert_eq!(r.teams, vec![Team::Legal, Team::Compliance]);
        assert_eq!(r.approvals, 1);

        let r = p.route(&case("low"));
        assert_eq!((r.teams.clone(), r.approvals), (vec![Team::Marketplace], 1));
        assert!(r.matched_rules.is_empty() && !r.auto_approved);
        assert_eq!(r.policy_version, p.version);
    }

    #[test]
    fn automatic_approval_only_where_the_policy_allows_it() {
        let mut p = default_policy();
        p.auto_approve_clean_low_risk = true;
        let r = p.route(&case("low"));
        assert!(r.auto_approved);
        assert_eq!((r.teams.len(), r.approvals), (0, 0));
        // A finding, or more risk, always goes to people.
        assert!(
            !p.route(&Case {
                finding_kinds: vec!["open_world".into()],
                ..case("low")
            })
            .auto_approved
        );
        assert!(!p.route(&case("medium")).auto_approved);
    }

    #[test]
    fn bad_policies_say_what_is_wrong() {
        let ok = r#"{"version":"p1","rules":[],"default":{"teams":["marketplace"],"approvals":1}}"#;
        assert!(RoutingPolicy::from_json(ok).is_ok());
        for (text, says) in [
            (
                r#"{"version":"","rules":[],"default":{"teams":["marketplace"],"approvals":1}}"#,
                "version",
            ),
            (
                r#"{"version":"p","rules":[{"id":"a","when":{"risk_at_least":"huge"},"route":{"teams":["legal"],"approvals":1}}],"default":{"teams":["marketplace"],"approvals":1}}"#,
                "risk_at_least",
            ),
            (
                r#"{"version":"p","rules":[{"id":"a","when":{},"route":{"teams":[],"approvals":1}}],"default":{"teams":["marketplace"],"approvals":1}}"#,
                "needs a team",
            ),
            (
                r#"{"version":"p","rules":[{"id":"a","when":{"colour":"red"},"route":{"teams":["legal"],"approvals":1}}],"default":{"teams":["marketplace"],"approvals":1}}"#,
                "colour",
            ),
            (
                r#"{"version":"p","rules":[],"default":{"teams":["wizards"],"approvals":1}}"#,
                "wizards",
            ),
        ] {
            let e = RoutingPolicy::from_json(text).unwrap_err();
            assert!(e.contains(says), "{e}");
        }
    }
}
