//! Units as newtypes, so a bandwidth can never be compared with a TPP by accident.
//!
//! Every constructor refuses NaN, infinities and negative values: the regulation's
//! quantities are all non-negative magnitudes.

use std::fmt;

use serde::{Serialize, Serializer};

/// Why a number was refused as a quantity.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QuantityError {
    /// NaN or an infinity.
    #[error("`{0}` is not a finite number")]
    NotFinite(f64),
    /// Below zero.
    #[error("`{0}` is negative; quantities must be zero or more")]
    Negative(f64),
}

/// Checks that `value` is finite and not negative.
pub fn check_quantity(value: f64) -> Result<f64, QuantityError> {
    if !value.is_finite() {
        Err(QuantityError::NotFinite(value))
    } else if value < 0.0 {
        Err(QuantityError::Negative(value))
    } else {
        Ok(value)
    }
}

macro_rules! quantity {
    ($(#[$doc:meta])* $name:ident, $unit:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
        pub struct $name(f64);

        impl $name {
            /// Unit suffix used when the value is printed.
            pub const UNIT: &'static str = $unit;

            /// A checked value: finite and not negative.
            pub fn new(value: f64) -> Result<Self, QuantityError> {
                check_quantity(value).map(Self)
            }

            /// The raw number, in this type's unit.
            pub fn get(self) -> f64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&format_number(self.0))?;
                if !$unit.is_empty() {
                    write!(f, " {}", $unit)?;
                }
                Ok(())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_f64(self.0)
            }
        }

        #[cfg(feature = "schema")]
        impl schemars::JsonSchema for $name {
            fn inline_schema() -> bool {
                true
            }
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({ "type": "number", "minimum": 0 })
            }
        }
    };
}

quantity!(
    /// Dense throughput in tera-operations per second, as on a datasheet: 2 × 'MacTOPS'
    /// (15 CFR 774 Supp. 1, ECCN 3A090 Technical Note 1.b).
    Tops,
    "TOPS"
);
quantity!(
    /// 'Total processing performance': 2 × 'MacTOPS' × 'bit length of the operation',
    /// aggregated over all processing units (ECCN 3A090 Technical Note 1, 88 FR 73458).
    Tpp,
    ""
);
quantity!(
    /// 'Performance density': TPP divided by 'applicable die area' in mm²
    /// (ECCN 3A090 Technical Note 4, 88 FR 73458).
    PerformanceDensity,
    "TPP/mm²"
);
quantity!(
    /// A data rate in gigabytes per second (memory bandwidth, bidirectional interconnect).
    GigabytesPerSecond,
    "GB/s"
);
quantity!(
    /// An area in square millimetres (die or package area).
    SquareMillimetres,
    "mm²"
);
quantity!(
    /// 'Memory bandwidth density': GB/s divided by package or stack area in mm²
    /// (ECCN 3A090.c technical note, 89 FR 96790).
    MemoryBandwidthDensity,
    "GB/s/mm²"
);

/// Formats a number for people: thousands grouped, at most two decimals, no trailing zeros.
///
/// `15832.0` → `15,832`; `2.909` → `2.91`; `5.92` → `5.92`.
pub fn format_number(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let scaled = (value * 100.0).round();
    // Below 10^12 the rounded value is an exact integer number of hundredths: format it
    // with integer arithmetic (the float formatter's exact mode is slow). Above, the
    // general path.
    if scaled.abs() >= 1e14 {
        return format_number_general(scaled / 100.0);
    }
    let negative = scaled < 0.0;
    // In range and integral by the check above.
    #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "checked range")]
    let hundredths = scaled.abs() as u64;
    let (int_part, frac) = (hundredths / 100, hundredths % 100);
    let digits = int_part.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 4);
    if negative {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if frac != 0 {
        out.push('.');
        out.push(char::from(b'0' + (frac / 10) as u8));
        if frac % 10 != 0 {
            out.push(char::from(b'0' + (frac % 10) as u8));
        }
    }
    out
}

/// [`format_number`] through the float formatter, for very large values.
fn format_number_general(rounded: f64) -> String {
    let negative = rounded < 0.0;
    let text = format!("{:.2}", rounded.abs());
    let (int_part, frac_part) = text.split_once('.').unwrap_or((text.as_str(), ""));
    let mut grouped = String::with_capacity(int_part.len() + int_part.len() / 3);
    for (i, ch) in int_part.chars().enumerate() {
        if i > 0 && (int_part.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let frac = frac_part.trim_end_matches('0');
    let sign = if negative { "-" } else { "" };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_for_people() {
        assert_eq!(format_number(15832.0), "15,832");
        assert_eq!(format_number(2.909_09), "2.91");
        assert_eq!(format_number(5.92), "5.92");
        assert_eq!(format_number(600.0), "600");
        assert_eq!(format_number(-32.0), "-32");
        assert_eq!(format_number(1_234_567.5), "1,234,567.5");
        assert_eq!(format_number(0.004), "0");
    }

    proptest::proptest! {
        /// The integer path gives exactly what the float formatter gives.
        #[test]
        fn integer_formatting_matches_the_float_formatter(value in -1e12f64..1e12f64, scale in 0u32..8) {
            let v = value / 10f64.powi(i32::try_from(scale).unwrap_or(0));
            proptest::prop_assert_eq!(format_number(v), format_number_general((v * 100.0).round() / 100.0));
        }
    }

    #[test]
    fn formats_edge_values() {
        for (v, text) in [
            (-0.004, "0"),
            (-0.005, "-0.01"),
            (0.1, "0.1"),
            (0.05, "0.05"),
            (999.995, "1,000"),
            (1e15, "1,000,000,000,000,000"),
            (-1234.5, "-1,234.5"),
        ] {
            assert_eq!(format_number(v), text, "{v}");
            assert_eq!(format_number_general((v * 100.0).round() / 100.0), text, "{v}");
        }
    }

    #[test]
    fn refuses_non_finite_and_negative() {
        assert_eq!(
            Tpp::new(f64::NAN).unwrap_err().to_string(),
            "`NaN` is not a finite number"
        );
        assert_eq!(
            GigabytesPerSecond::new(-1.0).unwrap_err().to_string(),
            "`-1` is negative; quantities must be zero or more"
        );
        assert!(Tpp::new(f64::INFINITY).is_err());
        assert_eq!(Tpp::new(4800.0).unwrap().to_string(), "4,800");
    }
}
