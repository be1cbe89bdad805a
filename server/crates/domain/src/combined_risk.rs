//! Combined risk across a tenant's installed agents: the "lethal trifecta".
//! An agent set that can read private data, is exposed to content an attacker
//! controls, and can send data out can be steered (by that content) into
//! exfiltrating the data, even when each leg comes from a different agent:
//! the model that calls them is the same.
//!
//! The legs are read from the classifier's capability names (Steward's own
//! reading of each tool, `classifier/rules/ruleset.json`):
//!
//! | capability               | private data | untrusted content | egress |
//! |--------------------------|:---:|:---:|:---:|
//! | `personal_data`          |  ✓  |     |     |
//! | `credentials`            |  ✓  |     |     |
//! | `filesystem`             |  ✓  |     |     |
//! | `financial`              |  ✓  |     |     |
//! | `network_access`         |     |  ✓  |  ✓  |
//! | `external_communication` |     |     |  ✓  |
//! | `code_execution`         |     |     |  ✓  |
//!
//! `read_data`, `write_data` and `destructive` are the effect of every tool
//! (a clock's "get the time" reads data), so they supply no leg by
//! themselves; `identity` administers accounts rather than moving data.
//! `network_access` (open-world fetch, browse, scrape) both brings in pages an
//! attacker may write and can carry data out in the address it fetches.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// One leg of the combination.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Leg {
    PrivateData,
    UntrustedContent,
    Egress,
}

impl Leg {
    pub const ALL: [Leg; 3] = [Leg::PrivateData, Leg::UntrustedContent, Leg::Egress];

    pub fn as_str(self) -> &'static str {
        match self {
            Leg::PrivateData => "private_data",
            Leg::UntrustedContent => "untrusted_content",
            Leg::Egress => "egress",
        }
    }

    /// Words a person reads.
    pub fn label(self) -> &'static str {
        match self {
            Leg::PrivateData => "Access to private data",
            Leg::UntrustedContent => "Exposure to untrusted content",
            Leg::Egress => "A way to send data out",
        }
    }
}

/// The legs a classifier capability supplies (see the module's table).
pub fn legs_of(capability: &str) -> &'static [Leg] {
    match capability {
        "personal_data" | "credentials" | "filesystem" | "financial" => &[Leg::PrivateData],
        "network_access" => &[Leg::UntrustedContent, Leg::Egress],
        "external_communication" | "code_execution" => &[Leg::Egress],
        _ => &[],
    }
}

/// A tool an install grants, with Steward's reading of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantedTool {
    /// The agent (listing) as shown to the tenant, e.g. its name.
    pub agent: String,
    pub tool: String,
    pub capabilities: Vec<String>,
}

/// Who supplies a leg: an agent's tool.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Supplier {
    pub agent: String,
    pub tool: String,
}

/// The suppliers of each leg (sorted, unique).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CombinedRisk {
    pub private_data: Vec<Supplier>,
    pub untrusted_content: Vec<Supplier>,
    pub egress: Vec<Supplier>,
}

impl CombinedRisk {
    pub fn leg(&self, leg: Leg) -> &[Supplier] {
        match leg {
            Leg::PrivateData => &self.private_data,
            Leg::UntrustedContent => &self.untrusted_content,
            Leg::Egress => &self.egress,
        }
    }

    /// All three legs are present: the dangerous combination.
    pub fn complete(&self) -> bool {
        Leg::ALL.iter().all(|l| !self.leg(*l).is_empty())
    }

    /// The legs present.
    pub fn present(&self) -> Vec<Leg> {
        Leg::ALL
            .into_iter()
            .filter(|l| !self.leg(*l).is_empty())
            .collect()
    }
}

/// The combination over every tool granted across a tenant's active installs.
pub fn combined_risk(tools: &[GrantedTool]) -> CombinedRisk {
    let mut sets: [BTreeSet<Supplier>; 3] = Default::default();
    for t in tools {
        for c in &t.capabilities {
            for leg in legs_of(c) {
                sets[*leg as usize].insert(Supplier {
                    agent: t.agent.clone(),
                    tool: t.tool.clone(),
                });
            }
        }
    }
    let [p, u, e] = sets;
    CombinedRisk {
        private_data: p.into_iter().collect(),
        untrusted_content: u.into_iter().collect(),
        egress: e.into_iter().collect(),
    }
}

/// Whether granting `new` on top of `existing` completes a combination that
/// `existing` alone did not have (what the consent and upgrade screens warn
/// about). `None` when it does not; the combined risk when it does.
pub fn completes(existing: &[GrantedTool], new: &[GrantedTool]) -> Option<CombinedRisk> {
    if combined_risk(existing).complete() {
        return None;
    }
    let all: Vec<GrantedTool> = existing.iter().chain(new).cloned().collect();
    let after = combined_risk(&all);
    after.complete().then_some(after)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(agent: &str, tool: &str, caps: &[&str]) -> GrantedTool {
        GrantedTool {
            agent: agent.into(),
            tool: tool.into(),
            capabilities: caps.iter().map(|c| c.to_string()).collect(),
        }
    }

    #[test]
    fn the_table_of_legs() {
        let cases: &[(&str, &[Leg])] = &[
            ("personal_data", &[Leg::PrivateData]),
            ("credentials", &[Leg::PrivateData]),
            ("filesystem", &[Leg::PrivateData]),
            ("financial", &[Leg::PrivateData]),
            ("network_access", &[Leg::UntrustedContent, Leg::Egress]),
            ("external_communication", &[Leg::Egress]),
            ("code_execution", &[Leg::Egress]),
            ("read_data", &[]),
            ("write_data", &[]),
            ("destructive", &[]),
            ("identity", &[]),
            ("no_such_capability", &[]),
        ];
        for (cap, legs) in cases {
            assert_eq!(legs_of(cap), *legs, "{cap}");
        }
    }

    #[test]
    fn one_agent_with_all_three_legs_is_flagged() {
        let r = combined_risk(&[
            t("Browser", "read_file", &["filesystem", "read_data"]),
            t("Browser", "navigate", &["network_access"]),
        ]);
        assert!(r.complete());
        assert_eq!(r.private_data.len(), 1);
        assert_eq!(r.untrusted_content, r.egress);
    }

    #[test]
    fn the_legs_may_come_from_different_agents() {
        let files = t("Filesystem", "read_file", &["filesystem", "read_data"]);
        let fetch = t("Web Fetch", "fetch", &["network_access", "read_data"]);
        assert!(!combined_risk(std::slice::from_ref(&files)).complete());
        assert!(!combined_risk(std::slice::from_ref(&fetch)).complete());
        let r = combined_risk(&[files.clone(), fetch.clone()]);
        assert!(r.complete());
        assert_eq!(r.private_data[0].agent, "Filesystem");
        assert_eq!(r.egress[0].agent, "Web Fetch");
        // Fetch completes what the file reader started, and not the other way round twice.
        assert!(completes(std::slice::from_ref(&files), std::slice::from_ref(&fetch)).is_some());
        assert!(completes(&[files.clone(), fetch.clone()], &[fetch]).is_none());
    }

    #[test]
    fn two_legs_are_not_the_combination() {
        let r = combined_risk(&[
            t(
                "Slack",
                "send_message",
                &["external_communication", "write_data"],
            ),
            t("Files", "read_file", &["filesystem"]),
            t("Clock", "get_time", &["read_data"]),
        ]);
        assert!(!r.complete());
        assert_eq!(r.present(), vec![Leg::PrivateData, Leg::Egress]);
        assert!(r.untrusted_content.is_empty());
    }

    fn cap() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "read_data",
            "write_data",
            "destructive",
            "external_communication",
            "financial",
            "code_execution",
            "filesystem",
            "credentials",
            "personal_data",
            "network_access",
            "identity",
        ])
        .prop_map(str::to_owned)
    }

    fn tools() -> impl Strategy<Value = Vec<GrantedTool>> {
        prop::collection::vec(
            (
                prop::sample::select(vec!["A", "B", "C"]),
                prop::sample::select(vec!["x", "y", "z"]),
                prop::collection::vec(cap(), 0..4),
            )
                .prop_map(|(a, t, c)| GrantedTool {
                    agent: a.into(),
                    tool: t.into(),
                    capabilities: c,
                }),
            0..8,
        )
    }

    proptest! {
        /// Order does not matter, more grants never remove a leg, and a leg is
        /// present exactly when some granted capability maps to it.
        #[test]
        fn combined_risk_is_a_monotone_set_function(a in tools(), b in tools()) {
            let ra = combined_risk(&a);
            let mut rev = a.clone();
            rev.reverse();
            prop_assert_eq!(&ra, &combined_risk(&rev));
            let both: Vec<_> = a.iter().chain(&b).cloned().collect();
            let rb = combined_risk(&both);
            for leg in Leg::ALL {
                for s in ra.leg(leg) {
                    prop_assert!(rb.leg(leg).contains(s));
                }
                let expected = a.iter().any(|t| t.capabilities.iter().any(|c| legs_of(c).contains(&leg)));
                prop_assert_eq!(!ra.leg(leg).is_empty(), expected);
            }
            if ra.complete() {
                prop_assert!(rb.complete());
                prop_assert!(completes(&a, &b).is_none());
            }
            prop_assert_eq!(completes(&a, &b).is_some(), !ra.complete() && rb.complete());
        }
    }
}
