//! Retry with exponential backoff: 1 s, 2 s, 4 s by default, with jitter, honouring a
//! server's Retry-After. Transient failures are retried; permanent ones return at once.

use crate::clock::Clock;
use std::time::{Duration, SystemTime};

/// The backoff schedule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// Delay before the first retry.
    pub initial: Duration,
    /// Each later delay is the previous one times this.
    pub factor: u32,
    /// Retries after the first attempt (so `max_retries + 1` attempts in all).
    pub max_retries: u32,
    /// No single delay, nor an honoured Retry-After, is longer than this.
    pub max_delay: Duration,
    /// Up to this fraction is added at random, so many clients do not retry in step.
    pub jitter: f64,
    /// No retry starts after this moment: a wait (a backoff, or a server's Retry-After) that
    /// would end past it ends the retrying with [`RetryError::OutOfTime`] at once.
    pub deadline: Option<SystemTime>,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: Duration::from_secs(1),
            factor: 2,
            max_retries: 3,
            max_delay: Duration::from_secs(60),
            jitter: 0.1,
            deadline: None,
        }
    }
}

impl Backoff {
    /// The delay before retry number `retry` (0-based), with `random` in [0, 1) choosing the jitter.
    pub fn delay(&self, retry: u32, random: f64) -> Duration {
        let nominal = self
            .initial
            .saturating_mul(self.factor.saturating_pow(retry))
            .min(self.max_delay);
        let jittered = nominal.mul_f64(1.0 + self.jitter * random.clamp(0.0, 1.0));
        jittered.min(self.max_delay)
    }
}

/// How one attempt failed.
#[derive(Debug)]
pub enum Failure<E> {
    /// Worth another try (timeouts, 429, 5xx, InternalError), optionally after the server's Retry-After.
    Transient {
        error: E,
        retry_after: Option<Duration>,
    },
    /// Will fail again (401, 404, not found, invalid parameter).
    Permanent(E),
}

impl<E> Failure<E> {
    pub fn transient(error: E) -> Self {
        Failure::Transient {
            error,
            retry_after: None,
        }
    }
}

/// Why retrying stopped.
#[derive(Debug, PartialEq)]
pub enum RetryError<E> {
    /// Every attempt failed transiently; `last` is the last error.
    Exhausted { attempts: u32, last: E },
    /// An attempt failed permanently.
    Permanent { attempts: u32, error: E },
    /// The next attempt would have started past the deadline; `wait` is how long it would
    /// have had to wait (the server's Retry-After, or the backoff).
    OutOfTime {
        attempts: u32,
        last: E,
        wait: Duration,
    },
}

impl<E> RetryError<E> {
    pub fn attempts(&self) -> u32 {
        match self {
            RetryError::Exhausted { attempts, .. }
            | RetryError::Permanent { attempts, .. }
            | RetryError::OutOfTime { attempts, .. } => *attempts,
        }
    }

    pub fn into_error(self) -> E {
        match self {
            RetryError::Exhausted { last, .. } | RetryError::OutOfTime { last, .. } => last,
            RetryError::Permanent { error, .. } => error,
        }
    }
}

impl RetryError<crate::error::Error> {
    /// What the user is told when calls to `service` gave up: retries that ran out (of
    /// attempts or of time) make the service unreachable (exit 4) with the last error as the
    /// cause; a permanent failure is that failure itself.
    pub fn into_unreachable(self, service: impl Into<String>) -> crate::error::Error {
        match self {
            RetryError::Exhausted { attempts, last }
            | RetryError::OutOfTime { attempts, last, .. } => crate::error::Error::Unreachable {
                service: service.into(),
                attempts,
                source: crate::error::chain(&last).into(),
            },
            RetryError::Permanent { error, .. } => error,
        }
    }
}

/// Run `attempt` (given the 1-based attempt number) until it succeeds, fails permanently, or
/// the retries run out, sleeping on `clock` between attempts.
pub fn retry<T, E>(
    policy: &Backoff,
    clock: &dyn Clock,
    attempt: impl FnMut(u32) -> Result<T, Failure<E>>,
) -> Result<T, RetryError<E>> {
    retry_with_random(policy, clock, random_unit, attempt)
}

/// [`retry`] with the jitter's random source as a parameter (tests pass a constant).
pub fn retry_with_random<T, E>(
    policy: &Backoff,
    clock: &dyn Clock,
    mut random: impl FnMut() -> f64,
    mut attempt: impl FnMut(u32) -> Result<T, Failure<E>>,
) -> Result<T, RetryError<E>> {
    let mut number = 1;
    loop {
        match attempt(number) {
            Ok(value) => return Ok(value),
            Err(Failure::Permanent(error)) => {
                return Err(RetryError::Permanent {
                    attempts: number,
                    error,
                });
            }
            Err(Failure::Transient { error, retry_after }) => {
                // Interrupted (SIGINT, SIGTERM): no more attempts, so the tool can end soon.
                if number > policy.max_retries || crate::signals::interrupted() {
                    return Err(RetryError::Exhausted {
                        attempts: number,
                        last: error,
                    });
                }
                let backoff = policy.delay(number - 1, random());
                let wanted = retry_after.map_or(backoff, |after| after.max(backoff));
                let wait = wanted.min(policy.max_delay);
                if policy
                    .deadline
                    .is_some_and(|deadline| clock.now() + wait > deadline)
                {
                    return Err(RetryError::OutOfTime {
                        attempts: number,
                        last: error,
                        wait: wanted,
                    });
                }
                clock.sleep(wait);
                // A signal during the wait: no attempt after it.
                if crate::signals::interrupted() {
                    return Err(RetryError::Exhausted {
                        attempts: number,
                        last: error,
                    });
                }
                number += 1;
            }
        }
    }
}

/// Parse a Retry-After header: delta-seconds or an HTTP-date (relative to `now`).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    if let Ok(seconds) = value.parse::<f64>() {
        // Discord's retry_after is fractional seconds.
        return (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A random number in [0, 1) without a dependency: the std hasher is randomly keyed per process.
fn random_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FakeClock;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn default_schedule_is_1_2_4_seconds_then_gives_up() {
        let clock = FakeClock::at(SystemTime::UNIX_EPOCH);
        let result: Result<(), _> = retry_with_random(
            &Backoff::default(),
            &clock,
            || 0.0,
            |_| Err(Failure::transient("503")),
        );
        assert_eq!(
            result,
            Err(RetryError::Exhausted {
                attempts: 4,
                last: "503"
            })
        );
        assert_eq!(clock.sleeps(), vec![secs(1), secs(2), secs(4)]);
    }

    #[test]
    fn a_wait_past_the_deadline_ends_the_retrying_at_once() {
        let clock = FakeClock::at(SystemTime::UNIX_EPOCH);
        let policy = Backoff {
            deadline: Some(SystemTime::UNIX_EPOCH + secs(10)),
            ..Backoff::default()
        };
        let result: Result<(), _> = retry_with_random(
            &policy,
            &clock,
            || 0.0,
            |_| {
                Err(Failure::Transient {
                    error: "429",
                    retry_after: Some(secs(999_999)),
                })
            },
        );
        assert_eq!(
            result,
            Err(RetryError::OutOfTime {
                attempts: 1,
                last: "429",
                wait: secs(999_999)
            })
        );
        assert!(clock.sleeps().is_empty(), "nothing was waited for");
        // Backoffs that fit are taken, up to the deadline: 1 s, 2 s, 4 s = 7 s; 8 s would pass it.
        let policy = Backoff {
            max_retries: 10,
            ..policy
        };
        let result: Result<(), _> =
            retry_with_random(&policy, &clock, || 0.0, |_| Err(Failure::transient("503")));
        assert!(
            matches!(result, Err(RetryError::OutOfTime { attempts: 4, .. })),
            "{result:?}"
        );
        assert_eq!(clock.sleeps(), vec![secs(1), secs(2), secs(4)]);
    }

    #[test]
    fn jitter_adds_at_most_its_fraction() {
        let policy = Backoff::default();
        assert_eq!(policy.delay(2, 0.0), secs(4));
        let most = policy.delay(2, 0.999_999);
        assert!(
            most > secs(4) && most <= Duration::from_millis(4_400),
            "{most:?}"
        );
    }

    #[test]
    fn permanent_failures_are_not_retried() {
        let clock = FakeClock::at(SystemTime::UNIX_EPOCH);
        let result: Result<(), _> = retry(&Backoff::default(), &clock, |_| {
            Err(Failure::Permanent("401"))
        });
        assert_eq!(
            result,
            Err(RetryError::Permanent {
                attempts: 1,
                error: "401"
            })
        );
        assert!(clock.sleeps().is_empty());
    }

    #[test]
    fn retry_after_is_honoured_when_longer_than_the_backoff_and_capped() {
        let clock = FakeClock::at(SystemTime::UNIX_EPOCH);
        let result = retry_with_random(
            &Backoff::default(),
            &clock,
            || 0.0,
            |n| match n {
                1 => Err(Failure::Transient {
                    error: "429",
                    retry_after: Some(secs(7)),
                }),
                2 => Err(Failure::Transient {
                    error: "429",
                    retry_after: Some(secs(600)),
                }),
                3 => Err(Failure::Transient {
                    error: "429",
                    retry_after: Some(Duration::from_millis(10)),
                }),
                _ => Ok(n),
            },
        );
        assert_eq!(result, Ok(4));
        assert_eq!(clock.sleeps(), vec![secs(7), secs(60), secs(4)]);
    }

    #[test]
    fn retry_after_parses_seconds_fractions_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + secs(1_700_000_000);
        assert_eq!(parse_retry_after("120", now), Some(secs(120)));
        assert_eq!(
            parse_retry_after("0.25", now),
            Some(Duration::from_millis(250))
        );
        let later = httpdate::fmt_http_date(now + secs(30));
        assert_eq!(parse_retry_after(&later, now), Some(secs(30)));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn random_unit_stays_in_range() {
        for _ in 0..100 {
            let r = random_unit();
            assert!((0.0..1.0).contains(&r));
        }
    }
}
