//! UTC timestamps for the ledger, on `chipgate-model`'s calendar.
//!
//! Dates are `chipgate_model::Date` (the one calendar of chipgate: parsing, day and year
//! arithmetic); this module adds only a second-precision UTC instant, which the model has no
//! use for, with its days counted by that `Date`.

use std::fmt;
use std::str::FromStr;

pub(crate) use chipgate_model::Date;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::LedgerError;

/// 0001-01-01 and 9999-12-31 in days since 1970-01-01: the range of a [`Date`] that prints
/// as `YYYY-MM-DD`, and so of a [`Timestamp`].
const FIRST_DAY: i32 = -719_162;
const LAST_DAY: i32 = 2_932_896;

/// The last day a stored date can hold (9999-12-31): day arithmetic that would pass it (a
/// retention period from a license "valid to 9999-12-31") stops there.
pub(crate) fn last_date() -> Date {
    Date::from_days_since_epoch(LAST_DAY)
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
        let lo = i64::from(FIRST_DAY) * 86_400;
        let hi = i64::from(LAST_DAY) * 86_400 + 86_399;
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
            secs: i64::from(date.days_since_epoch()) * 86_400,
        }
    }

    /// The UTC calendar date of this instant.
    pub fn date(self) -> Date {
        // `from_unix` keeps the instant within 0001..=9999, so the day fits an i32.
        Date::from_days_since_epoch(i32::try_from(self.secs.div_euclid(86_400)).unwrap_or(0))
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
        let date: Date = s[..10].parse().map_err(|_| bad())?;
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
        let secs = i64::from(date.days_since_epoch()) * 86_400 + hh * 3600 + mm * 60 + ss.min(59) - offset;
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
    fn the_range_is_the_calendar_s() {
        assert_eq!(Date::from_ymd(1, 1, 1).map(Date::days_since_epoch), Some(FIRST_DAY));
        assert_eq!(Date::from_ymd(9999, 12, 31).map(Date::days_since_epoch), Some(LAST_DAY));
        assert_eq!(last_date().to_string(), "9999-12-31");
        let (first, last) = (i64::from(FIRST_DAY) * 86_400, i64::from(LAST_DAY) * 86_400);
        assert!(Timestamp::from_unix(first).is_ok());
        assert!(Timestamp::from_unix(first - 1).is_err());
        assert!(Timestamp::from_unix(last + 86_399).is_ok());
        assert!(Timestamp::from_unix(last + 86_400).is_err());
    }

    #[test]
    fn timestamps() {
        let t = Timestamp::parse("2025-04-15T09:30:00Z").unwrap();
        assert_eq!(t.to_string(), "2025-04-15T09:30:00Z");
        assert_eq!(Timestamp::parse("2025-04-15T11:30:00.123+02:00").unwrap(), t);
        assert_eq!(Timestamp::parse(&t.unix().to_string()).unwrap(), t);
        assert_eq!(t.date().to_string(), "2025-04-15");
        assert_eq!(Timestamp::start_of(t.date()).to_string(), "2025-04-15T00:00:00Z");
        for bad in [
            "2025-04-15",
            "2025-04-15T25:00:00Z",
            "2025-04-15T10:00:00",
            "2025-02-30T10:00:00Z",
            "x",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn timestamp_roundtrip(secs in -62_135_596_800i64..253_402_300_799) {
            let t = Timestamp::from_unix(secs).unwrap();
            prop_assert_eq!(Timestamp::parse(&t.to_string()).unwrap(), t);
            prop_assert_eq!(Timestamp::start_of(t.date()).unix(), secs.div_euclid(86_400) * 86_400);
        }
    }
}
