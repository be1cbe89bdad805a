//! Price plans of a listing version and the marketplace's rules for them.
//! Money is always an integer count of the currency's minor unit (cents).

use serde::{Deserialize, Serialize};

/// How a plan charges.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanKind {
    Free,
    /// A flat subscription per period.
    Flat,
    /// A price per seat per period.
    PerSeat,
    /// A price per unit of a named meter (e.g. per tool call).
    Usage,
}

impl PlanKind {
    pub const ALL: [PlanKind; 4] = [
        PlanKind::Free,
        PlanKind::Flat,
        PlanKind::PerSeat,
        PlanKind::Usage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PlanKind::Free => "free",
            PlanKind::Flat => "flat",
            PlanKind::PerSeat => "per_seat",
            PlanKind::Usage => "usage",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            PlanKind::Free => "Free",
            PlanKind::Flat => "Flat subscription",
            PlanKind::PerSeat => "Per seat",
            PlanKind::Usage => "Usage-based",
        }
    }
}

/// How often a subscription is charged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BillingPeriod {
    Month,
    Year,
}

impl BillingPeriod {
    pub fn as_str(self) -> &'static str {
        match self {
            BillingPeriod::Month => "month",
            BillingPeriod::Year => "year",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "month" => Some(BillingPeriod::Month),
            "year" => Some(BillingPeriod::Year),
            _ => None,
        }
    }
}

/// One price plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricePlan {
    pub name: String,
    pub kind: PlanKind,
    /// ISO 4217 code; `None` only for free plans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Flat: per period. Per seat: per seat per period. Usage: per unit.
    /// Minor units; 0 for free plans.
    #[serde(default)]
    pub amount_minor: i64,
    /// Flat and per-seat plans only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<BillingPeriod>,
    /// Usage plans only: what is counted, e.g. `tool_call`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meter: Option<String>,
    #[serde(default)]
    pub trial_days: u32,
}

impl PricePlan {
    /// How a buyer reads the price, e.g. `USD 0.02 per tool_call`.
    pub fn describe(&self) -> String {
        let money = match &self.currency {
            Some(c) => format!("{c} {}", format_minor(self.amount_minor, c)),
            None => String::new(),
        };
        let mut s = match self.kind {
            PlanKind::Free => "Free".to_owned(),
            PlanKind::Flat => format!(
                "{money} per {}",
                self.period.map(|p| p.as_str()).unwrap_or("period")
            ),
            PlanKind::PerSeat => format!(
                "{money} per seat per {}",
                self.period.map(|p| p.as_str()).unwrap_or("period")
            ),
            PlanKind::Usage => format!("{money} per {}", self.meter.as_deref().unwrap_or("unit")),
        };
        if self.trial_days > 0 {
            s.push_str(&format!(", {}-day trial", self.trial_days));
        }
        s
    }
}

/// Currencies without a minor unit (ISO 4217 exponent 0).
const ZERO_DECIMAL: &[&str] = &["JPY", "KRW", "VND", "CLP", "ISK", "HUF"];

/// Minor units to a decimal string in the currency's own precision.
pub fn format_minor(amount: i64, currency: &str) -> String {
    if ZERO_DECIMAL.contains(&currency) {
        return amount.to_string();
    }
    let sign = if amount < 0 { "-" } else { "" };
    let a = amount.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// A decimal string a person typed ("12", "12.5", "0.02") to minor units.
pub fn parse_amount(input: &str, currency: &str) -> Result<i64, String> {
    let s = input.trim();
    let bad = || format!("\"{s}\" is not an amount; write it like 12.50");
    if s.is_empty() {
        return Err("enter an amount".into());
    }
    let decimals = if ZERO_DECIMAL.contains(&currency) {
        0
    } else {
        2
    };
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, f),
        None => (s, ""),
    };
    if whole.is_empty() && frac.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    if frac.len() > decimals {
        return Err(if decimals == 0 {
            format!("{currency} has no minor unit; use a whole number")
        } else {
            "use at most two decimal places".into()
        });
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let mut frac_val: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().map_err(|_| bad())?
    };
    for _ in frac.len()..decimals {
        frac_val *= 10;
    }
    whole
        .checked_mul(10i64.pow(decimals as u32))
        .and_then(|w| w.checked_add(frac_val))
        .ok_or_else(bad)
}

/// The marketplace's rules for prices (the policy issue makes these policy data).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricingRules {
    pub currencies: Vec<String>,
    /// Inclusive bounds per charged unit, in minor units, for paid plans.
    pub min_minor: i64,
    pub max_minor: i64,
    pub max_trial_days: u32,
    pub max_plans: usize,
}

impl Default for PricingRules {
    fn default() -> Self {
        PricingRules {
            currencies: ["USD", "EUR", "GBP", "JPY", "CAD", "AUD", "CHF"]
                .into_iter()
                .map(String::from)
                .collect(),
            min_minor: 1,
            max_minor: 10_000_000,
            max_trial_days: 90,
            max_plans: 5,
        }
    }
}

/// A field that needs attention, named as the form names it (`plans[0].amount`).
pub type FieldError = (String, String);

/// Checks every plan against the rules; all problems at once.
pub fn validate_plans(plans: &[PricePlan], rules: &PricingRules) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    if plans.len() > rules.max_plans {
        errors.push((
            "plans".to_owned(),
            format!("at most {} plans per version", rules.max_plans),
        ));
    }
    let mut names = std::collections::HashSet::new();
    for (i, p) in plans.iter().enumerate() {
        let f = |name: &str| format!("plans[{i}].{name}");
        let name = p.name.trim();
        if name.is_empty() {
            errors.push((f("name"), "give the plan a name".into()));
        } else if name.chars().count() > 60 {
            errors.push((f("name"), "at most 60 characters".into()));
        } else if !names.insert(name.to_lowercase()) {
            errors.push((
                f("name"),
                format!("another plan is already called \"{name}\""),
            ));
        }
        if p.trial_days > rules.max_trial_days {
            errors.push((
                f("trial_days"),
                format!("at most {} trial days", rules.max_trial_days),
            ));
        }
        if p.kind == PlanKind::Free {
            if p.amount_minor != 0 {
                errors.push((f("amount"), "a free plan has no price".into()));
            }
            if p.trial_days != 0 {
                errors.push((f("trial_days"), "a free plan has no trial".into()));
            }
            continue;
        }
        match &p.currency {
            None => errors.push((f("currency"), "choose a currency".into())),
            Some(c) if !rules.currencies.iter().any(|a| a == c) => errors.push((
                f("currency"),
                format!(
                    "{c} is not accepted here; use one of {}",
                    rules.currencies.join(", ")
                ),
            )),
            Some(_) => {}
        }
        if p.amount_minor < rules.min_minor || p.amount_minor > rules.max_minor {
            let c = p.currency.as_deref().unwrap_or("USD");
            errors.push((
                f("amount"),
                format!(
                    "must be between {} and {}",
                    format_minor(rules.min_minor, c),
                    format_minor(rules.max_minor, c)
                ),
            ));
        }
        match p.kind {
            PlanKind::Flat | PlanKind::PerSeat => {
                if p.period.is_none() {
                    errors.push((f("period"), "choose monthly or yearly".into()));
                }
                if p.meter.is_some() {
                    errors.push((f("meter"), "only usage-based plans have a meter".into()));
                }
            }
            PlanKind::Usage => {
                match p.meter.as_deref().map(str::trim) {
                    None | Some("") => {
                        errors.push((f("meter"), "name what is counted, e.g. tool_call".into()))
                    }
                    Some(m)
                        if m.len() > 40
                            || !m.chars().all(|c| {
                                c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'
                            }) =>
                    {
                        errors.push((
                            f("meter"),
                            "use lower-case letters, digits and _ (at most 40)".into(),
                        ))
                    }
                    Some(_) => {}
                }
                if p.period.is_some() {
                    errors.push((f("period"), "usage-based plans have no period".into()));
                }
            }
            PlanKind::Free => unreachable!("handled above"),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(amount: i64) -> PricePlan {
        PricePlan {
            name: "Pay as you go".into(),
            kind: PlanKind::Usage,
            currency: Some("USD".into()),
            amount_minor: amount,
            period: None,
            meter: Some("tool_call".into()),
            trial_days: 14,
        }
    }

    #[test]
    fn a_usage_plan_reads_as_a_price_per_unit() {
        let p = usage(2);
        assert!(validate_plans(std::slice::from_ref(&p), &PricingRules::default()).is_ok());
        assert_eq!(p.describe(), "USD 0.02 per tool_call, 14-day trial");
    }

    #[test]
    fn every_problem_is_named_by_field() {
        let rules = PricingRules::default();
        let mut bad = usage(0);
        bad.currency = Some("XBT".into());
        bad.meter = Some("Tool Calls".into());
        bad.trial_days = 365;
        let errs = validate_plans(&[bad], &rules).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "plans[0].trial_days",
                "plans[0].currency",
                "plans[0].amount",
                "plans[0].meter"
            ]
        );
        let too_much = usage(rules.max_minor + 1);
        let errs = validate_plans(&[too_much], &rules).unwrap_err();
        assert_eq!(errs[0].0, "plans[0].amount");
        assert!(errs[0].1.contains("100000.00"), "{}", errs[0].1);
    }

    #[test]
    fn subscriptions_need_a_period_and_free_plans_no_price() {
        let rules = PricingRules::default();
        let flat = PricePlan {
            name: "Team".into(),
            kind: PlanKind::PerSeat,
            currency: Some("EUR".into()),
            amount_minor: 900,
            period: None,
            meter: None,
            trial_days: 0,
        };
        let errs = validate_plans(&[flat], &rules).unwrap_err();
        assert_eq!(
            errs,
            vec![("plans[0].period".into(), "choose monthly or yearly".into())]
        );
        let free = PricePlan {
            name: "Free".into(),
            kind: PlanKind::Free,
            currency: None,
            amount_minor: 5,
            period: None,
            meter: None,
            trial_days: 0,
        };
        assert_eq!(
            validate_plans(&[free], &rules).unwrap_err()[0].0,
            "plans[0].amount"
        );
    }

    #[test]
    fn duplicate_plan_names_are_refused() {
        let errs = validate_plans(&[usage(1), usage(2)], &PricingRules::default()).unwrap_err();
        assert_eq!(errs[0].0, "plans[1].name");
    }

    #[test]
    fn amounts_parse_in_the_currency_precision() {
        assert_eq!(parse_amount("12.5", "USD"), Ok(1250));
        assert_eq!(parse_amount("0.02", "EUR"), Ok(2));
        assert_eq!(parse_amount(".5", "USD"), Ok(50));
        assert_eq!(parse_amount("300", "JPY"), Ok(300));
        assert!(parse_amount("1.5", "JPY").is_err());
        assert!(parse_amount("1.234", "USD").is_err());
        assert!(parse_amount("-1", "USD").is_err());
        assert!(parse_amount("1e3", "USD").is_err());
        assert!(parse_amount("", "USD").is_err());
        assert!(parse_amount("99999999999999999999", "USD").is_err());
        assert_eq!(format_minor(1250, "USD"), "12.50");
        assert_eq!(format_minor(300, "JPY"), "300");
    }
}
