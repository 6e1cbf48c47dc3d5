//! Time as a parameter: the wall clock, sleeping, RFC 3339 timestamps and human durations.
//!
//! Code that waits (retries, polling, soak gates) takes a [`Clock`], so a test can drive a
//! 30-minute soak in microseconds with [`FakeClock`].

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// The source of time for code that waits.
pub trait Clock: Send + Sync {
    /// The current wall-clock time.
    fn now(&self) -> SystemTime;
    /// Block for `duration` (a fake clock only advances).
    fn sleep(&self, duration: Duration);
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

/// A clock for tests: `sleep` advances time instantly and records how long was asked for.
#[derive(Debug)]
pub struct FakeClock {
    now: Mutex<SystemTime>,
    sleeps: Mutex<Vec<Duration>>,
}

impl FakeClock {
    /// A clock standing at `start`.
    pub fn at(start: SystemTime) -> Self {
        FakeClock {
            now: Mutex::new(start),
            sleeps: Mutex::new(Vec::new()),
        }
    }

    /// Every duration passed to `sleep`, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        lock_ignoring_poison(&self.sleeps).clone()
    }

    /// Move time forward without recording a sleep.
    pub fn advance(&self, by: Duration) {
        *lock_ignoring_poison(&self.now) += by;
    }
}

impl Clock for FakeClock {
    fn now(&self) -> SystemTime {
        *lock_ignoring_poison(&self.now)
    }
    fn sleep(&self, duration: Duration) {
        lock_ignoring_poison(&self.sleeps).push(duration);
        self.advance(duration);
    }
}

// A panic in one test thread must not hide the recorded values from the assertion that follows.
fn lock_ignoring_poison<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// RFC 3339 UTC with milliseconds, the `ts` format of every event: `2026-11-23T18:04:05.123Z`.
pub fn rfc3339_millis(time: SystemTime) -> String {
    humantime::format_rfc3339_millis(time).to_string()
}

/// The current time as an event timestamp.
pub fn now_rfc3339() -> String {
    rfc3339_millis(SystemTime::now())
}

/// Parse an RFC 3339 timestamp such as the `ts` of an event.
pub fn parse_rfc3339(text: &str) -> Result<SystemTime, String> {
    humantime::parse_rfc3339_weak(text.trim_end_matches('Z').trim_end_matches("+00:00"))
        .or_else(|_| humantime::parse_rfc3339(text))
        .map_err(|e| format!("{text:?} is not an RFC 3339 timestamp ({e})"))
}

/// Parse a duration as users write it: `250ms`, `30s`, `15m`, `1h30m`, or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let trimmed = text.trim();
    if let Ok(seconds) = trimmed.parse::<f64>() {
        return seconds_to_duration(seconds)
            .map_err(|why| format!("{text:?} is not a duration: {why}"));
    }
    humantime::parse_duration(trimmed)
        .map_err(|_| format!("{text:?} is not a duration: write it like 250ms, 30s, 15m or 1h30m"))
}

/// [`parse_duration`] for a time limit or a period, where zero would mean "give up at once"
/// or "spin": refused with what to write instead.
pub fn parse_positive_duration(text: &str) -> Result<Duration, String> {
    let duration = parse_duration(text)?;
    if duration.is_zero() {
        return Err(format!(
            "{text:?} is zero: this is a time limit or a period, so it must be longer than that (e.g. 500ms, 10s)"
        ));
    }
    Ok(duration)
}

/// A number of seconds as a Duration: zero or more, and small enough for one (a number like
/// 2.2e37 would make `Duration::from_secs_f64` panic; the fuzzer found it).
pub fn seconds_to_duration(seconds: f64) -> Result<Duration, &'static str> {
    if seconds.is_nan() || seconds < 0.0 {
        return Err("it must be zero or more");
    }
    Duration::try_from_secs_f64(seconds).map_err(|_| "it is too long")
}

/// A duration the way people read it: `850ms`, `12.3s`, `4m 05s`, `2h 03m`.
pub fn format_duration(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis < 1_000 {
        return format!("{millis}ms");
    }
    let seconds = duration.as_secs();
    if seconds < 60 {
        return format!("{:.1}s", duration.as_secs_f64());
    }
    if seconds < 3_600 {
        return format!("{}m {:02}s", seconds / 60, seconds % 60);
    }
    format!("{}h {:02}m", seconds / 3_600, (seconds % 3_600) / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_of_seconds_too_large_for_a_duration_is_an_error() {
        for text in [
            "1e30",
            "000004000000000000000000000004099276460824344800",
            "-1",
            "NaN",
        ] {
            assert!(parse_duration(text).is_err(), "{text}");
        }
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
    }

    #[test]
    fn timestamps_have_milliseconds_and_zulu() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_millis(1_795_456_445_123);
        let text = rfc3339_millis(t);
        assert_eq!(text.len(), "2026-11-23T18:04:05.123Z".len());
        assert!(text.ends_with(".123Z"), "{text}");
        assert_eq!(parse_rfc3339(&text), Ok(t));
    }

    #[test]
    fn durations_parse_in_the_forms_users_write() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5_400)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1_500)));
        let error = parse_duration("soon").unwrap_err();
        assert!(error.contains("30s"), "{error}");
        assert!(parse_duration("-3").is_err());
        assert_eq!(parse_positive_duration("1ms"), Ok(Duration::from_millis(1)));
        for zero in ["0", "0s", "0ms", "0.0"] {
            let error = parse_positive_duration(zero).unwrap_err();
            assert!(error.contains("longer than that"), "{zero}: {error}");
        }
    }

    #[test]
    fn fake_clock_records_sleeps_and_advances() {
        let clock = FakeClock::at(SystemTime::UNIX_EPOCH);
        clock.sleep(Duration::from_secs(2));
        clock.sleep(Duration::from_secs(4));
        assert_eq!(
            clock.sleeps(),
            vec![Duration::from_secs(2), Duration::from_secs(4)]
        );
        assert_eq!(clock.now(), SystemTime::UNIX_EPOCH + Duration::from_secs(6));
    }

    #[test]
    fn durations_format_for_people() {
        assert_eq!(format_duration(Duration::from_millis(850)), "850ms");
        assert_eq!(format_duration(Duration::from_secs(245)), "4m 05s");
        assert_eq!(format_duration(Duration::from_secs(7_380)), "2h 03m");
    }
}
