//! When to try again: exponential backoff with full jitter, `Retry-After`,
//! and the attempt limit after which an event is dead.

use std::time::{Duration, SystemTime};

use rand::Rng;

use crate::delivery::Outcome;

/// The retry schedule for one endpoint's deliveries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; a retryable failure of the last
    /// one makes the event dead.
    pub max_attempts: u32,
    /// The ceiling of the first retry's delay; it doubles with each attempt.
    pub base: Duration,
    /// No delay is longer, including one a `Retry-After` asks for.
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 12,
            base: Duration::from_secs(5),
            cap: Duration::from_secs(60 * 60),
        }
    }
}

/// What the dispatcher does after an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Done: mark the event delivered to this endpoint.
    Delivered,
    /// The receiver answered 410 Gone: disable the endpoint (and stop
    /// delivering to it); this event is not retried.
    DisableEndpoint,
    /// Try again after this long (release the lease with that due time).
    RetryIn(Duration),
    /// Stop: park the event as dead for this endpoint (the attempt limit was
    /// reached, or the delivery was refused and retrying cannot help).
    Dead,
}

impl RetryPolicy {
    /// The delay before the attempt after attempt number `attempt` (1 for the
    /// first): uniformly random between zero and `base * 2^(attempt-1)`,
    /// at most `cap` ("full jitter", so retries of many events spread out).
    pub fn backoff<R: Rng + ?Sized>(&self, attempt: u32, rng: &mut R) -> Duration {
        let doublings = attempt.saturating_sub(1).min(31);
        let ceiling = self.base.saturating_mul(1u32 << doublings).min(self.cap);
        let ceiling_ms = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rng.random_range(0..=ceiling_ms))
    }

    /// What to do after attempt number `attempt` (1 for the first) ended in
    /// `outcome`. A `Retry-After` the receiver sent replaces the backoff, at
    /// most `cap`.
    pub fn decide<R: Rng + ?Sized>(
        &self,
        attempt: u32,
        outcome: &Outcome,
        rng: &mut R,
    ) -> Decision {
        match outcome {
            Outcome::Delivered { .. } => Decision::Delivered,
            Outcome::Gone => Decision::DisableEndpoint,
            Outcome::Refused(_) => Decision::Dead,
            Outcome::Retry { .. } if attempt >= self.max_attempts => Decision::Dead,
            Outcome::Retry { retry_after, .. } => Decision::RetryIn(match retry_after {
                Some(asked) => (*asked).min(self.cap),
                None => self.backoff(attempt, rng),
            }),
        }
    }
}

/// Reads a `Retry-After` value: delay-seconds or an HTTP-date (a date in the
/// past means now). `None` if it is neither.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // More digits than u64 holds is still "a very long time".
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::{Failure, Refusal};
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn failed(retry_after: Option<Duration>) -> Outcome {
        Outcome::Retry {
            failure: Failure::Status(503),
            retry_after,
        }
    }

    #[test]
    fn backoff_stays_under_a_doubling_ceiling_and_the_cap() {
        let policy = RetryPolicy::default();
        let mut rng = StdRng::seed_from_u64(7);
        for attempt in 1..=40u32 {
            let ceiling = Duration::from_secs(5)
                .saturating_mul(2u32.saturating_pow(attempt - 1))
                .min(policy.cap);
            let mut max_seen = Duration::ZERO;
            for _ in 0..500 {
                let d = policy.backoff(attempt, &mut rng);
                assert!(d <= ceiling, "attempt {attempt}: {d:?} > {ceiling:?}");
                max_seen = max_seen.max(d);
            }
            // Jitter covers the range: the largest of 500 draws is near the top.
            assert!(
                max_seen * 10 >= ceiling * 9,
                "attempt {attempt}: {max_seen:?}"
            );
        }
        assert!(policy.backoff(u32::MAX, &mut rng) <= policy.cap);
        assert!(policy.backoff(0, &mut rng) <= policy.base);
    }

    #[test]
    fn backoff_is_jittered() {
        let policy = RetryPolicy::default();
        let mut rng = StdRng::seed_from_u64(1);
        let draws: std::collections::HashSet<Duration> =
            (0..50).map(|_| policy.backoff(6, &mut rng)).collect();
        assert!(draws.len() > 40);
    }

    #[test]
    fn decisions_follow_the_outcome_and_the_attempt_limit() {
        let policy = RetryPolicy {
            max_attempts: 3,
            ..RetryPolicy::default()
        };
        let mut rng = StdRng::seed_from_u64(3);
        assert_eq!(
            policy.decide(3, &Outcome::Delivered { status: 204 }, &mut rng),
            Decision::Delivered
        );
        assert_eq!(
            policy.decide(1, &Outcome::Gone, &mut rng),
            Decision::DisableEndpoint
        );
        assert_eq!(
            policy.decide(1, &Outcome::Refused(Refusal::Credentials), &mut rng),
            Decision::Dead
        );
        assert!(matches!(
            policy.decide(2, &failed(None), &mut rng),
            Decision::RetryIn(d) if d <= Duration::from_secs(10)
        ));
        assert_eq!(policy.decide(3, &failed(None), &mut rng), Decision::Dead);
        assert_eq!(
            policy.decide(3, &failed(Some(Duration::from_secs(1))), &mut rng),
            Decision::Dead
        );
    }

    #[test]
    fn retry_after_replaces_backoff_up_to_the_cap() {
        let policy = RetryPolicy::default();
        let mut rng = StdRng::seed_from_u64(5);
        assert_eq!(
            policy.decide(1, &failed(Some(Duration::from_secs(120))), &mut rng),
            Decision::RetryIn(Duration::from_secs(120))
        );
        assert_eq!(
            policy.decide(1, &failed(Some(Duration::from_secs(86_400))), &mut rng),
            Decision::RetryIn(policy.cap)
        );
        assert_eq!(
            policy.decide(1, &failed(Some(Duration::ZERO)), &mut rng),
            Decision::RetryIn(Duration::ZERO)
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480); // 21 Oct 2015 07:28:00 GMT
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:30:00 GMT", now),
            Some(Duration::from_secs(120))
        );
        // RFC 850 and asctime forms are HTTP-dates too.
        assert_eq!(
            parse_retry_after("Wednesday, 21-Oct-15 07:29:00 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            parse_retry_after("Wed Oct 21 07:28:30 2015", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        for bad in ["", "-5", "1.5", "soon", "Wed, 21 Oct 2015"] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
        }
    }
}
