//! Civil dates (proleptic Gregorian, UTC) to and from days since 1970-01-01, and ISO 8601 times
//! as services write them: one place for the arithmetic every clock in Folio needs.

/// The civil date (year, month, day) of a day count.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// The day count of a civil date.
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let (y, m) = if month <= 2 { (year - 1, month + 9) } else { (year, month - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Nanoseconds since 1970 of an ISO 8601 UTC time (`2026-12-01T10:00:00Z`, fractions of a
/// second allowed); `None` when it is not one.
pub fn iso_ns(text: &str) -> Option<i64> {
    let digits = |s: &str| s.parse::<i64>().ok();
    let (date, time) = text.trim().trim_end_matches('Z').split_once('T')?;
    let mut d = date.split('-').map(digits);
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let mut t = time.split(':');
    let (h, min) = (digits(t.next()?)?, digits(t.next()?)?);
    let secs: f64 = t.next().unwrap_or("0").parse().ok()?;
    let whole = days_from_civil(y, m, day) * 86_400 + h * 3600 + min * 60;
    Some(whole * 1_000_000_000 + (secs * 1e9) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_day_counts_go_both_ways() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2026, 12, 1), 20_788);
        for days in [-1000, 0, 59, 60, 11_016, 20_788, 100_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(iso_ns("1970-01-01T00:00:01Z"), Some(1_000_000_000));
        assert_eq!(
            iso_ns("2026-12-01T10:00:00.500Z").map(|n| n % 1_000_000_000),
            Some(500_000_000)
        );
        assert_eq!(iso_ns("2026-12-01T10:00:00Z"), Some(1_796_119_200 * 1_000_000_000));
        assert_eq!(iso_ns("garbage"), None);
    }
}
