//! Civil dates (`YYYY-MM-DD`) without time zones: the "as of" of every determination.
//!
//! The rules change on calendar days published in the Federal Register, so a plain
//! proleptic Gregorian date is all chipgate needs. Pure code never reads the clock:
//! "today" is supplied by the binary.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar date, stored as days since 1970-01-01.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(i32);

/// Why a date string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid date `{input}`: {problem} (expected YYYY-MM-DD)")]
pub struct DateError {
    input: String,
    problem: &'static str,
}

impl Date {
    /// Builds a date from year, month (1–12) and day (1–31), checking the calendar.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        if !(1..=9999).contains(&year) {
            return None;
        }
        Some(Date(days_from_civil(year, month, day)))
    }

    /// The date `days` days since 1970-01-01 (negative before).
    pub fn from_days_since_epoch(days: i32) -> Date {
        Date(days)
    }

    /// Days since 1970-01-01.
    pub fn days_since_epoch(self) -> i32 {
        self.0
    }

    /// Year, month and day.
    pub fn ymd(self) -> (i32, u32, u32) {
        civil_from_days(self.0)
    }

    /// This date plus `days` (may be negative).
    #[must_use]
    pub fn add_days(self, days: i32) -> Date {
        Date(self.0 + days)
    }

    /// The same month and day `years` later; 29 February becomes 28 February in a common year.
    #[must_use]
    pub fn add_years(self, years: i32) -> Date {
        let (y, m, d) = self.ymd();
        let y = y + years;
        let d = d.min(days_in_month(y, m));
        Date(days_from_civil(y, m, d))
    }

    /// The day before this one.
    #[must_use]
    pub fn pred(self) -> Date {
        Date(self.0 - 1)
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

// Howard Hinnant's algorithms (http://howardhinnant.github.io/date_algorithms.html).
fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = month as i32;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i32) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

impl FromStr for Date {
    type Err = DateError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let err = |problem| DateError {
            input: input.to_owned(),
            problem,
        };
        let bytes = input.as_bytes();
        if bytes.len() != 10 || bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
            return Err(err("wrong shape"));
        }
        let field = |range: std::ops::Range<usize>| -> Result<u32, DateError> {
            let text = input.get(range).ok_or_else(|| err("wrong shape"))?;
            if !text.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err("non-digit characters"));
            }
            text.parse::<u32>().map_err(|_| err("non-digit characters"))
        };
        let year = field(0..4)?;
        let month = field(5..7)?;
        let day = field(8..10)?;
        if !(1..=12).contains(&month) {
            return Err(err("month out of range"));
        }
        Date::from_ymd(year as i32, month, day).ok_or_else(|| err("no such day in that month"))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Date {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Date".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "format": "date" })
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_known_dates() {
        for text in ["1970-01-01", "2022-10-07", "2024-02-29", "2026-11-28", "2000-03-01"] {
            let date: Date = text.parse().unwrap();
            assert_eq!(date.to_string(), text);
        }
        assert_eq!("1970-01-02".parse::<Date>().unwrap().days_since_epoch(), 1);
    }

    #[test]
    fn refuses_bad_dates_with_reason() {
        let err = "2023-02-29".parse::<Date>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid date `2023-02-29`: no such day in that month (expected YYYY-MM-DD)"
        );
        assert!("2023-13-01".parse::<Date>().is_err());
        assert!("2023-1-01".parse::<Date>().is_err());
        assert!("tomorrow".parse::<Date>().is_err());
    }

    #[test]
    fn adds_years_and_days() {
        let date: Date = "2024-02-29".parse().unwrap();
        assert_eq!(date.add_years(5).to_string(), "2029-02-28");
        assert_eq!(date.add_days(25).to_string(), "2024-03-25");
        assert_eq!(date.pred().to_string(), "2024-02-28");
    }
}
