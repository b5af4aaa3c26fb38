//! Civil dates and UTC timestamps without a date library.
//!
//! The ledger only needs proleptic Gregorian calendar dates (`YYYY-MM-DD`),
//! day arithmetic and second-precision UTC instants, so it carries the
//! well-known `days_from_civil` / `civil_from_days` algorithms (Howard
//! Hinnant) instead of depending on `chrono` or `jiff`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::LedgerError;

/// Days since 1970-01-01 of the civil date `y-m-d` (proleptic Gregorian).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400; // [0, 399]
    let m = i64::from(m);
    let d = i64::from(d);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// The civil date `(y, m, d)` of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32; // [1, 31]
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32; // [1, 12]
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Whether `y` is a Gregorian leap year.
pub fn is_leap_year(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Number of days in month `m` (1-12) of year `y`.
pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(y) => 29,
        _ => 28,
    }
}

/// A calendar date `YYYY-MM-DD` (years 0001-9999), ordered chronologically.
///
/// Serialized as the `YYYY-MM-DD` string; parsing rejects anything else
/// (`2025-2-3`, `2025-02-30`, trailing text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    days: i64,
}

impl Date {
    /// The date `y-m-d`, or an error naming the bad input.
    pub fn from_ymd(y: i64, m: u32, d: u32) -> Result<Date, LedgerError> {
        if !(1..=9999).contains(&y) || !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
            return Err(LedgerError::InvalidDate(format!("{y:04}-{m:02}-{d:02}")));
        }
        Ok(Date {
            days: days_from_civil(y, m, d),
        })
    }

    /// Parses a strict `YYYY-MM-DD` date.
    pub fn parse(s: &str) -> Result<Date, LedgerError> {
        let bad = || LedgerError::InvalidDate(s.to_string());
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(bad());
        }
        let num = |r: std::ops::Range<usize>| -> Result<i64, LedgerError> {
            let part = &s[r];
            if !part.bytes().all(|c| c.is_ascii_digit()) {
                return Err(bad());
            }
            part.parse::<i64>().map_err(|_| bad())
        };
        let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        Date::from_ymd(y, m as u32, d as u32).map_err(|_| bad())
    }

    /// Days since 1970-01-01.
    pub fn days_since_epoch(self) -> i64 {
        self.days
    }

    /// The date from a day count since 1970-01-01 (clamped to 0001..=9999).
    pub fn from_days_since_epoch(days: i64) -> Date {
        let lo = days_from_civil(1, 1, 1);
        let hi = days_from_civil(9999, 12, 31);
        Date {
            days: days.clamp(lo, hi),
        }
    }

    /// `(year, month, day)`.
    pub fn ymd(self) -> (i64, u32, u32) {
        civil_from_days(self.days)
    }

    /// This date plus `n` days (negative goes back), clamped to the range.
    pub fn add_days(self, n: i64) -> Date {
        Date::from_days_since_epoch(self.days.saturating_add(n))
    }

    /// The same month and day `n` years later. February 29 maps to March 1
    /// of a non-leap target year, so a period "n years from" a leap day
    /// never ends early (the conservative reading for record retention).
    pub fn add_years(self, n: i64) -> Date {
        let (y, m, d) = self.ymd();
        let ty = (y + n).clamp(1, 9999);
        if m == 2 && d == 29 && !is_leap_year(ty) {
            Date::from_days_since_epoch(days_from_civil(ty, 3, 1))
        } else {
            Date::from_days_since_epoch(days_from_civil(ty, m, d))
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl FromStr for Date {
    type Err = LedgerError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Date::parse(s)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Date::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A UTC instant with second precision, passed in by the caller (the ledger
/// never reads the clock).
///
/// Construct it from unix seconds ([`Timestamp::from_unix`]) or parse RFC 3339
/// (`2025-04-15T09:30:00Z`, `2025-04-15T11:30:00+02:00`; fractional seconds
/// are truncated). It is stored and displayed as RFC 3339 UTC
/// (`YYYY-MM-DDTHH:MM:SSZ`), which sorts chronologically as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    secs: i64,
}

impl Timestamp {
    /// The instant `secs` seconds after 1970-01-01T00:00:00Z.
    pub fn from_unix(secs: i64) -> Result<Timestamp, LedgerError> {
        let lo = days_from_civil(1, 1, 1) * 86_400;
        let hi = days_from_civil(9999, 12, 31) * 86_400 + 86_399;
        if !(lo..=hi).contains(&secs) {
            return Err(LedgerError::InvalidTimestamp(secs.to_string()));
        }
        Ok(Timestamp { secs })
    }

    /// Seconds since the unix epoch.
    pub fn unix(self) -> i64 {
        self.secs
    }

    /// Midnight UTC at the start of `date`.
    pub fn start_of(date: Date) -> Timestamp {
        Timestamp {
            secs: date.days_since_epoch() * 86_400,
        }
    }

    /// The UTC calendar date of this instant.
    pub fn date(self) -> Date {
        Date::from_days_since_epoch(self.secs.div_euclid(86_400))
    }

    /// Parses RFC 3339 (`T` or space separator, `Z` or a numeric offset,
    /// optional fractional seconds) or a bare integer of unix seconds.
    pub fn parse(s: &str) -> Result<Timestamp, LedgerError> {
        let bad = || LedgerError::InvalidTimestamp(s.to_string());
        if !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()) {
            return Timestamp::from_unix(s.parse::<i64>().map_err(|_| bad())?);
        }
        if s.len() < 20 || !s.is_char_boundary(10) || !s.is_char_boundary(19) {
            return Err(bad());
        }
        let date = Date::parse(&s[..10]).map_err(|_| bad())?;
        let b = s.as_bytes();
        if !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
            return Err(bad());
        }
        let two = |i: usize| -> Result<i64, LedgerError> {
            let (x, y) = (b[i], b[i + 1]);
            if !x.is_ascii_digit() || !y.is_ascii_digit() {
                return Err(bad());
            }
            Ok(i64::from(x - b'0') * 10 + i64::from(y - b'0'))
        };
        let (hh, mm, ss) = (two(11)?, two(14)?, two(17)?);
        if hh > 23 || mm > 59 || ss > 60 {
            return Err(bad());
        }
        let mut rest = &s[19..];
        if let Some(frac) = rest.strip_prefix('.') {
            let n = frac.bytes().take_while(u8::is_ascii_digit).count();
            if n == 0 {
                return Err(bad());
            }
            rest = &frac[n..];
        }
        let offset = match rest {
            "Z" | "z" => 0,
            _ => {
                let ob = rest.as_bytes();
                if ob.len() != 6 || !matches!(ob[0], b'+' | b'-') || ob[3] != b':' {
                    return Err(bad());
                }
                let digits = |i: usize| -> Result<i64, LedgerError> {
                    let (x, y) = (ob[i], ob[i + 1]);
                    if !x.is_ascii_digit() || !y.is_ascii_digit() {
                        return Err(bad());
                    }
                    Ok(i64::from(x - b'0') * 10 + i64::from(y - b'0'))
                };
                let (oh, om) = (digits(1)?, digits(4)?);
                if oh > 23 || om > 59 {
                    return Err(bad());
                }
                let o = oh * 3600 + om * 60;
                if ob[0] == b'-' {
                    -o
                } else {
                    o
                }
            }
        };
        let secs = date.days_since_epoch() * 86_400 + hh * 3600 + mm * 60 + ss.min(59) - offset;
        Timestamp::from_unix(secs).map_err(|_| bad())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs_of_day = self.secs.rem_euclid(86_400);
        write!(
            f,
            "{}T{:02}:{:02}:{:02}Z",
            self.date(),
            secs_of_day / 3600,
            secs_of_day / 60 % 60,
            secs_of_day % 60
        )
    }
}

impl FromStr for Timestamp {
    type Err = LedgerError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Timestamp::parse(s)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Timestamp::parse(&s).map_err(serde::de::Error::custom)
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

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Timestamp {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Timestamp".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "format": "date-time" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(Date::parse("2025-04-15").unwrap().to_string(), "2025-04-15");
        for bad in ["2025-02-29", "2025-13-01", "2025-4-15", "2025-04-15x", "", "abcd-ef-gh"] {
            assert!(Date::parse(bad).is_err(), "{bad}");
        }
        assert!(Date::parse("2024-02-29").is_ok());
    }

    #[test]
    fn add_years_leap_day_rounds_up() {
        let d = Date::parse("2024-02-29").unwrap();
        assert_eq!(d.add_years(5).to_string(), "2029-03-01");
        assert_eq!(d.add_years(4).to_string(), "2028-02-29");
        assert_eq!(
            Date::parse("2025-08-12").unwrap().add_years(5).to_string(),
            "2030-08-12"
        );
    }

    #[test]
    fn timestamps() {
        let t = Timestamp::parse("2025-04-15T09:30:00Z").unwrap();
        assert_eq!(t.to_string(), "2025-04-15T09:30:00Z");
        assert_eq!(Timestamp::parse("2025-04-15T11:30:00.123+02:00").unwrap(), t);
        assert_eq!(Timestamp::parse(&t.unix().to_string()).unwrap(), t);
        assert_eq!(t.date().to_string(), "2025-04-15");
        for bad in ["2025-04-15", "2025-04-15T25:00:00Z", "2025-04-15T10:00:00", "x"] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn civil_roundtrip(days in -719_162i64..2_932_896) {
            let (y, m, d) = civil_from_days(days);
            prop_assert_eq!(days_from_civil(y, m, d), days);
            let date = Date::from_ymd(y, m, d).unwrap();
            prop_assert_eq!(Date::parse(&date.to_string()).unwrap(), date);
        }

        #[test]
        fn timestamp_roundtrip(secs in -62_135_596_800i64..253_402_300_799) {
            let t = Timestamp::from_unix(secs).unwrap();
            prop_assert_eq!(Timestamp::parse(&t.to_string()).unwrap(), t);
        }
    }
}
