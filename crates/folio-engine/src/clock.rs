//! Wall-clock times as Folio writes them for people and compares them: UTC,
//! `YYYY-MM-DD HH:MM:SS UTC`, which sorts as text in time order.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Now.
pub(crate) fn utc_now() -> String {
    utc_in(Duration::ZERO)
}

/// `after` from now.
pub(crate) fn utc_in(after: Duration) -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    utc_at(now.saturating_add(after.as_secs()) as i64)
}

/// Seconds since 1970-01-01 UTC as text.
fn utc_at(secs: i64) -> String {
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = folio_model::time::civil_from_days(days);
    let (h, m, s) = (rest / 3600, rest % 3600 / 60, rest % 60);
    format!("{year:04}-{month:02}-{day:02} {h:02}:{m:02}:{s:02} UTC")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_utc_dates_and_sort_as_text() {
        assert_eq!(utc_at(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc_at(1_767_225_600), "2026-01-01 00:00:00 UTC");
        assert_eq!(utc_at(951_782_400), "2000-02-29 00:00:00 UTC");
        assert!(utc_now() < utc_in(Duration::from_secs(2)));
        assert!(utc_at(1_767_225_599) < utc_at(1_767_225_600));
    }
}
