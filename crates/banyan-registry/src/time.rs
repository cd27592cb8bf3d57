//! Calendar arithmetic on Unix seconds (UTC): registration periods are counted in calendar
//! years (RFC 5731 §2.6), and `<domain:curExpDate>` is a date (RFC 5731 §3.2.3).
//!
//! The registry takes `now` from its caller on every command (no clock inside), so tests move
//! time by passing a later `now`.

use std::fmt;

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// A calendar date (proleptic Gregorian, UTC), as in `<domain:curExpDate>` (RFC 5731 §3.2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// The year.
    pub year: i64,
    /// The month, 1-12.
    pub month: u32,
    /// The day of the month, 1-31.
    pub day: u32,
}

impl Date {
    /// The date (UTC) of the instant `unix` seconds.
    pub fn of(unix: i64) -> Date {
        civil(unix.div_euclid(DAY))
    }

    /// Parses `YYYY-MM-DD`; `None` when that is not a real date.
    pub fn parse(text: &str) -> Option<Date> {
        let mut parts = text.splitn(3, '-');
        let year = parts.next()?;
        let month = parts.next()?;
        let day = parts.next()?;
        if year.len() != 4 || month.len() != 2 || day.len() != 2 {
            return None;
        }
        let date = Date {
            year: year.parse().ok()?,
            month: month.parse().ok()?,
            day: day.parse().ok()?,
        };
        (date.month >= 1 && date.month <= 12 && date.day >= 1 && date.day <= days_in_month(date.year, date.month))
            .then_some(date)
    }

    /// Midnight UTC at the start of this date, in Unix seconds.
    pub fn unix(self) -> i64 {
        days_from_civil(self.year, self.month, self.day) * DAY
    }
}

impl fmt::Display for Date {
    /// `YYYY-MM-DD`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// `unix` moved by `years` calendar years, the time of day kept; 29 February becomes
/// 28 February in a year that has none.
pub fn add_years(unix: i64, years: i64) -> i64 {
    let days = unix.div_euclid(DAY);
    let secs = unix.rem_euclid(DAY);
    let d = civil(days);
    let year = d.year + years;
    let day = d.day.min(days_in_month(year, d.month));
    days_from_civil(year, d.month, day) * DAY + secs
}

/// `unix` as an XML Schema `dateTime` in UTC (`2024-01-31T12:00:00Z`), the form EPP dates take
/// (RFC 5730 §4, `xs:dateTime`).
pub fn datetime(unix: i64) -> String {
    let d = Date::of(unix);
    let s = unix.rem_euclid(DAY);
    format!("{d}T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60)
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a civil date (the algorithm of H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number (inverse of [`days_from_civil`]).
fn civil(days: i64) -> Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    Date { year, month, day }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        assert_eq!(Date::of(0).to_string(), "1970-01-01");
        assert_eq!(datetime(951_782_400), "2000-02-29T00:00:00Z");
        for days in [-800_000, -1, 0, 59, 11_016, 20_000, 2_932_896] {
            let d = civil(days);
            assert_eq!(days_from_civil(d.year, d.month, d.day), days);
            assert_eq!(
                Date::parse(&d.to_string()).map(Date::unix),
                (d.year >= 0 && d.year < 10_000).then_some(days * DAY)
            );
        }
        assert_eq!(Date::parse("2023-02-29"), None);
        assert_eq!(Date::parse("2024-13-01"), None);
        assert_eq!(Date::parse("24-01-01"), None);
    }

    #[test]
    fn rfc5731_section_2_6_periods_are_calendar_years() {
        let leap_day = Date::parse("2024-02-29").map(Date::unix).unwrap_or_default() + 3600;
        assert_eq!(datetime(add_years(leap_day, 1)), "2025-02-28T01:00:00Z");
        assert_eq!(datetime(add_years(leap_day, 4)), "2028-02-29T01:00:00Z");
        assert_eq!(datetime(add_years(add_years(leap_day, 2), -2)), "2024-02-28T01:00:00Z");
        let t = Date::parse("2021-07-15").map(Date::unix).unwrap_or_default();
        assert_eq!(add_years(add_years(t, 10), -10), t);
    }
}
