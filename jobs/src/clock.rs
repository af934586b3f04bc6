//! The one source of "now" for business rules, so tests can move time instead of
//! sleeping (lock-outs, code expiry, per-day limits).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};

/// Wall-clock time plus an offset that only tests ever change.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self::default()
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Today's date in China (UTC+8): what "today", "per day" and date filters mean here.
    pub fn today(&self) -> chrono::NaiveDate {
        self.now().with_timezone(&beijing()).date_naive()
    }

    /// Moves this clock (and every clone of it) forward; for tests.
    pub fn advance(&self, by: Duration) {
        self.offset_ms
            .fetch_add(by.num_milliseconds(), Ordering::Relaxed);
    }
}

/// China Standard Time (UTC+8, no daylight saving).
pub fn beijing() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(8 * 3600).expect("a valid fixed offset")
}

/// The instant a Beijing date starts (00:00 UTC+8).
pub fn beijing_day_start(day: chrono::NaiveDate) -> DateTime<Utc> {
    (day.and_time(chrono::NaiveTime::MIN) - Duration::hours(8)).and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_a_clone_moves_every_clone() {
        let clock = Clock::system();
        let copy = clock.clone();
        let before = clock.now();
        copy.advance(Duration::hours(2));
        assert!(clock.now() - before >= Duration::hours(2));
    }

    #[test]
    fn a_beijing_day_starts_at_16_utc_the_day_before() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 20).expect("date");
        assert_eq!(
            beijing_day_start(day).to_rfc3339(),
            "2026-12-19T16:00:00+00:00"
        );
    }
}
