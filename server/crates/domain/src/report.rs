//! Abuse reports: what anyone may tell the marketplace about a listing.

use serde::{Deserialize, Serialize};

/// Why something is reported. The same codes back enforcement actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    Malware,
    ToolPoisoning,
    Impersonation,
    UndisclosedCapability,
    PolicyViolation,
    NonFunctioning,
    Spam,
    Fraud,
}

impl ReasonCode {
    pub const ALL: [ReasonCode; 8] = [
        ReasonCode::Malware,
        ReasonCode::ToolPoisoning,
        ReasonCode::Impersonation,
        ReasonCode::UndisclosedCapability,
        ReasonCode::PolicyViolation,
        ReasonCode::NonFunctioning,
        ReasonCode::Spam,
        ReasonCode::Fraud,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReasonCode::Malware => "malware",
            ReasonCode::ToolPoisoning => "tool_poisoning",
            ReasonCode::Impersonation => "impersonation",
            ReasonCode::UndisclosedCapability => "undisclosed_capability",
            ReasonCode::PolicyViolation => "policy_violation",
            ReasonCode::NonFunctioning => "non_functioning",
            ReasonCode::Spam => "spam",
            ReasonCode::Fraud => "fraud",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReasonCode::Malware => "Malware",
            ReasonCode::ToolPoisoning => "Tool poisoning (hidden instructions to the model)",
            ReasonCode::Impersonation => "Impersonation or typo-squatting",
            ReasonCode::UndisclosedCapability => "Does more than it says",
            ReasonCode::PolicyViolation => "Policy violation",
            ReasonCode::NonFunctioning => "Does not work",
            ReasonCode::Spam => "Spam",
            ReasonCode::Fraud => "Fraud",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

pub const DETAILS_MIN: usize = 10;
pub const DETAILS_MAX: usize = 4000;
pub const CONTACT_MAX: usize = 254;

/// A report as submitted, before it is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewReport {
    pub reason: ReasonCode,
    pub details: String,
    pub contact: Option<String>,
}

/// Field-level problems with a submitted report.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportErrors {
    pub reason: Option<String>,
    pub details: Option<String>,
    pub contact: Option<String>,
}

impl ReportErrors {
    pub fn is_empty(&self) -> bool {
        self.reason.is_none() && self.details.is_none() && self.contact.is_none()
    }
}

impl NewReport {
    /// Validates raw form input; every problem is reported at once, per field.
    pub fn parse(reason: &str, details: &str, contact: &str) -> Result<NewReport, ReportErrors> {
        let mut errors = ReportErrors::default();
        let reason_code = ReasonCode::parse(reason);
        if reason_code.is_none() {
            errors.reason = Some("Choose a reason from the list.".into());
        }
        let details = details.trim();
        let chars = details.chars().count();
        if chars < DETAILS_MIN {
            errors.details = Some(format!(
                "Tell us what happened in at least {DETAILS_MIN} characters."
            ));
        } else if chars > DETAILS_MAX {
            errors.details = Some(format!("Keep it under {DETAILS_MAX} characters."));
        }
        let contact = contact.trim();
        if contact.chars().count() > CONTACT_MAX {
            errors.contact = Some(format!("Keep it under {CONTACT_MAX} characters."));
        } else if !contact.is_empty() && !looks_like_email(contact) {
            errors.contact = Some("Give an email address, or leave this empty.".into());
        }
        match reason_code {
            Some(reason) if errors.is_empty() => Ok(NewReport {
                reason,
                details: details.to_owned(),
                contact: (!contact.is_empty()).then(|| contact.to_owned()),
            }),
            _ => Err(errors),
        }
    }
}

fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_good_report_parses() {
        let r = NewReport::parse(
            "tool_poisoning",
            "  The description tells the model to read ~/.ssh  ",
            "",
        )
        .unwrap();
        assert_eq!(r.reason, ReasonCode::ToolPoisoning);
        assert!(r.details.starts_with("The description"));
        assert_eq!(r.contact, None);
    }

    #[test]
    fn every_bad_field_is_named() {
        let e = NewReport::parse("bogus", "short", "not-an-email").unwrap_err();
        assert!(e.reason.is_some());
        assert!(e.details.is_some());
        assert!(e.contact.is_some());
        let e = NewReport::parse("spam", &"x".repeat(DETAILS_MAX + 1), "a@b.example").unwrap_err();
        assert!(e.details.is_some());
        assert!(e.reason.is_none() && e.contact.is_none());
    }

    #[test]
    fn reason_codes_round_trip() {
        for r in ReasonCode::ALL {
            assert_eq!(ReasonCode::parse(r.as_str()), Some(r));
        }
    }
}
