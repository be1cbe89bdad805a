//! Rate limits on sign-in, sign-up and token use. In memory, per process: a
//! cluster of N processes allows N times the rate, which still bounds guessing.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::ServiceError;

#[derive(Debug)]
pub struct Limits {
    sign_in_account: DefaultKeyedRateLimiter<String>,
    sign_in_client: DefaultKeyedRateLimiter<String>,
    sign_up_client: DefaultKeyedRateLimiter<String>,
    token: DefaultKeyedRateLimiter<domain::TokenId>,
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n).expect("non-zero"))
}

impl Default for Limits {
    fn default() -> Self {
        Limits::with_token_rate(6_000)
    }
}

impl Limits {
    /// The default limits, with `per_second` calls a second for each token (a
    /// burst of twice that). Zero means the default.
    pub fn with_token_rate(per_second: u32) -> Self {
        let per_second =
            NonZeroU32::new(per_second).unwrap_or(NonZeroU32::new(6_000).expect("non-zero"));
        let burst = per_second.saturating_mul(NonZeroU32::new(2).expect("non-zero"));
        Limits {
            // Ten guesses a minute at one account, from anywhere.
            sign_in_account: RateLimiter::keyed(per_minute(10)),
            // Thirty sign-in attempts a minute from one client address.
            sign_in_client: RateLimiter::keyed(per_minute(30)),
            // Ten new accounts a minute from one client address.
            sign_up_client: RateLimiter::keyed(per_minute(10)),
            // A gateway token may be busy: by default 6,000 a second with a
            // burst of 12,000 (STEWARD_TOKEN_RATE).
            token: RateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst)),
        }
    }
}

fn check<K: std::hash::Hash + Eq + Clone>(
    limiter: &DefaultKeyedRateLimiter<K>,
    key: K,
) -> Result<(), ServiceError> {
    limiter.check_key(&key).map_err(|not_until| {
        let wait: Duration = not_until.wait_time_from(DefaultClock::default().now());
        ServiceError::RateLimited {
            retry_after_secs: wait.as_secs().max(1),
        }
    })
}

impl Limits {
    pub fn sign_in(&self, email: &str, client: Option<&str>) -> Result<(), ServiceError> {
        if let Some(c) = client {
            check(&self.sign_in_client, c.to_owned())?;
        }
        check(&self.sign_in_account, email.to_owned())
    }

    pub fn sign_up(&self, client: Option<&str>) -> Result<(), ServiceError> {
        match client {
            Some(c) => check(&self.sign_up_client, c.to_owned()),
            None => Ok(()),
        }
    }

    pub fn token(&self, token_id: domain::TokenId) -> Result<(), ServiceError> {
        check(&self.token, token_id)
    }
}
