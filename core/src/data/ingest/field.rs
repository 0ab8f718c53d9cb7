//! Allocation-free field parsers working on raw bytes: Y/N flags, dates, numbers and ids.
//!
//! They return `None` (or a reason) instead of an error so that the caller, who knows the
//! row and column, builds the positioned [`crate::Error::InvalidValue`].

use chrono::{NaiveDate, NaiveTime};

/// Reason given for a value that is not a flag.
pub const FLAG_REASON: &str = "expected a Y/N flag (Y, N, Yes, No, True, False, 1 or 0)";
/// Reason given for a value that is not a date.
pub const DATE_REASON: &str = "expected a date as YYYY-MM-DD (ISO 8601) or DD/MM/YYYY (UK)";

/// The first date any reader accepts: an earlier one is a bad value (a `0001-01-01` "no date"
/// sentinel, an Excel `0`), not a date to score, or to fill forecast periods from.
pub const MIN_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => panic!("valid date"),
};
/// The last date any reader accepts (see [`MIN_DATE`]).
pub const MAX_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2199, 12, 31) {
    Some(d) => d,
    None => panic!("valid date"),
};
/// Why a date outside [`MIN_DATE`]..=[`MAX_DATE`] is refused.
pub const DATE_RANGE_REASON: &str = "outside the supported dates, 1900-01-01 to 2199-12-31";

/// Whether `d` is within [`MIN_DATE`]..=[`MAX_DATE`].
#[inline]
pub fn in_date_range(d: NaiveDate) -> bool {
    (MIN_DATE..=MAX_DATE).contains(&d)
}
/// Reason given for a value that is not a number.
pub const NUMBER_REASON: &str = "not a number";
/// Reason given for NaN or infinity.
pub const FINITE_REASON: &str = "must be finite (NaN and infinity are not allowed)";
/// Largest accepted id: 2^53, up to which a double (a JavaScript number, a JSON number in
/// most parsers) counts exactly, so that every id survives every runtime and JSON round
/// trip unchanged.
pub const MAX_ID: u64 = 1 << 53;
/// Reason given for a value that is not an id (a whole number in `0..=MAX_ID`).
pub const ID_REASON: &str = "expected a whole number from 0 to 9007199254740992 (2^53)";

/// Trims ASCII whitespace from both ends.
#[inline]
pub fn trim_bytes(b: &[u8]) -> &[u8] {
    b.trim_ascii()
}

/// Parses a Y/N flag: `Y`, `N`, `Yes`, `No`, `True`, `False`, `1`, `0` in any case, with
/// surrounding whitespace.
///
/// ```
/// use optocom_core::data::ingest::parse_flag;
/// assert_eq!(parse_flag(b" yes"), Some(true));
/// assert_eq!(parse_flag(b"FALSE"), Some(false));
/// assert_eq!(parse_flag(b"maybe"), None);
/// ```
#[inline]
pub fn parse_flag(b: &[u8]) -> Option<bool> {
    let b = trim_bytes(b);
    match b.len() {
        1 => match b[0] {
            b'Y' | b'y' | b'1' => Some(true),
            b'N' | b'n' | b'0' => Some(false),
            _ => None,
        },
        2 if b.eq_ignore_ascii_case(b"no") => Some(false),
        3 if b.eq_ignore_ascii_case(b"yes") => Some(true),
        4 if b.eq_ignore_ascii_case(b"true") => Some(true),
        5 if b.eq_ignore_ascii_case(b"false") => Some(false),
        _ => None,
    }
}

/// Deserializes a yes/no flag as [`crate::data::ingest::Row::flag`] reads a cell, so a
/// host's single record reads like a row of a batch: a boolean, the number 0 or 1, or text
/// that [`parse_flag`] accepts. For `#[serde(deserialize_with = "deserialize_flag")]`.
///
/// # Errors
/// The deserializer's error for any other value, naming what is expected.
pub fn deserialize_flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    use serde::de::{Error, Unexpected, Visitor};

    struct Flag;
    impl Visitor<'_> for Flag {
        type Value = bool;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(
                "a Y/N flag (true, false, 1, 0, or the text Y, N, Yes, No, True, False, 1 or 0)",
            )
        }
        fn visit_bool<E: Error>(self, v: bool) -> Result<bool, E> {
            Ok(v)
        }
        fn visit_u64<E: Error>(self, v: u64) -> Result<bool, E> {
            match v {
                0 => Ok(false),
                1 => Ok(true),
                _ => Err(E::invalid_value(Unexpected::Unsigned(v), &self)),
            }
        }
        fn visit_i64<E: Error>(self, v: i64) -> Result<bool, E> {
            match v {
                0 => Ok(false),
                1 => Ok(true),
                _ => Err(E::invalid_value(Unexpected::Signed(v), &self)),
            }
        }
        fn visit_f64<E: Error>(self, v: f64) -> Result<bool, E> {
            if v == 0.0 {
                Ok(false)
            } else if v == 1.0 {
                Ok(true)
            } else {
                Err(E::invalid_value(Unexpected::Float(v), &self))
            }
        }
        fn visit_str<E: Error>(self, v: &str) -> Result<bool, E> {
            parse_flag(v.as_bytes()).ok_or_else(|| E::invalid_value(Unexpected::Str(v), &self))
        }
    }
    d.deserialize_any(Flag)
}

/// Deserializes a number as [`crate::data::ingest::Row::number`] reads a cell: a number, or
/// text that [`parse_f64`] accepts (a web form's `"52"`). NaN and infinities pass through
/// as numbers, for the caller's range check to refuse. For
/// `#[serde(deserialize_with = "deserialize_number")]`.
///
/// # Errors
/// The deserializer's error for any other value.
pub fn deserialize_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    use serde::de::{Error, Unexpected, Visitor};

    struct Number;
    impl Visitor<'_> for Number {
        type Value = f64;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a number (or its text, e.g. \"52\")")
        }
        fn visit_u64<E: Error>(self, v: u64) -> Result<f64, E> {
            Ok(v as f64)
        }
        fn visit_i64<E: Error>(self, v: i64) -> Result<f64, E> {
            Ok(v as f64)
        }
        fn visit_f64<E: Error>(self, v: f64) -> Result<f64, E> {
            Ok(v)
        }
        fn visit_str<E: Error>(self, v: &str) -> Result<f64, E> {
            parse_f64(v.as_bytes()).map_err(|reason| {
                if reason == FINITE_REASON {
                    E::custom(FINITE_REASON)
                } else {
                    E::invalid_value(Unexpected::Str(v), &self)
                }
            })
        }
    }
    d.deserialize_any(Number)
}

#[inline]
fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 4 {
        return None;
    }
    let mut v = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

/// Parses a date: ISO 8601 `YYYY-MM-DD` (optionally followed by `T` or a space and a time
/// `HH:MM[:SS[.fff]]`, which is checked and ignored) or UK `DD/MM/YYYY` (one- or two-digit
/// day and month, four-digit year). Impossible dates such as `2023-02-29` are rejected.
///
/// ```
/// use optocom_core::data::ingest::parse_date;
/// use chrono::NaiveDate;
/// let d = NaiveDate::from_ymd_opt(2024, 3, 5);
/// assert_eq!(parse_date(b"2024-03-05"), d);
/// assert_eq!(parse_date(b"05/03/2024"), d);
/// assert_eq!(parse_date(b"2024-03-05 09:30:00"), d);
/// assert_eq!(parse_date(b"03/05/24"), None);
/// ```
pub fn parse_date(b: &[u8]) -> Option<NaiveDate> {
    let b = trim_bytes(b);
    if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' {
        let y = digits(&b[0..4])?;
        let m = digits(&b[5..7])?;
        let d = digits(&b[8..10])?;
        if b.len() > 10 {
            if b[10] != b'T' && b[10] != b' ' {
                return None;
            }
            let t = std::str::from_utf8(&b[11..]).ok()?;
            NaiveTime::parse_from_str(t, "%H:%M:%S%.f")
                .or_else(|_| NaiveTime::parse_from_str(t, "%H:%M"))
                .ok()?;
        }
        return NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d);
    }
    let mut parts = b.split(|&c| c == b'/');
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || d.len() > 2 || m.len() > 2 || y.len() != 4 {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::try_from(digits(y)?).ok()?, digits(m)?, digits(d)?)
}

/// Parses a finite decimal number (`12`, `-3.5`, `1e3`). Returns the reason on failure:
/// [`NUMBER_REASON`] or [`FINITE_REASON`] for NaN and infinities.
///
/// ```
/// use optocom_core::data::ingest::parse_f64;
/// assert_eq!(parse_f64(b" 42.5 "), Ok(42.5));
/// assert!(parse_f64(b"NaN").is_err());
/// assert!(parse_f64(b"inf").is_err());
/// ```
#[inline]
pub fn parse_f64(b: &[u8]) -> Result<f64, &'static str> {
    let b = trim_bytes(b);
    if let Some(v) = parse_simple_decimal(b) {
        return Ok(v);
    }
    let s = std::str::from_utf8(b).map_err(|_| NUMBER_REASON)?;
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(FINITE_REASON),
        Err(_) => Err(NUMBER_REASON),
    }
}

/// Powers of ten exactly representable as `f64`.
const POW10: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// Fast path for plain decimals (`[-+]digits[.digits]`, at most 15 digits, no exponent):
/// the digits form an integer below 2^53 and the power of ten is exact, so one IEEE
/// division gives the correctly rounded value, the same bits as `str::parse`. `None` sends
/// the input to the general parser.
#[inline]
fn parse_simple_decimal(b: &[u8]) -> Option<f64> {
    let (neg, digits) = match b.first()? {
        b'-' => (true, &b[1..]),
        b'+' => (false, &b[1..]),
        _ => (false, b),
    };
    let mut mantissa = 0u64;
    let mut n_digits = 0usize;
    let mut frac_digits = 0usize;
    let mut seen_dot = false;
    for &c in digits {
        match c {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(c - b'0');
                n_digits += 1;
                if seen_dot {
                    frac_digits += 1;
                }
                if n_digits > 15 {
                    return None;
                }
            }
            b'.' if !seen_dot => seen_dot = true,
            _ => return None,
        }
    }
    if n_digits == 0 {
        return None;
    }
    let v = mantissa as f64 / POW10[frac_digits];
    Some(if neg { -v } else { v })
}

/// Parses a non-negative whole number id (ASCII digits only, at most 19 digits).
///
/// ```
/// use optocom_core::data::ingest::parse_u64;
/// assert_eq!(parse_u64(b"0042"), Some(42));
/// assert_eq!(parse_u64(b"-1"), None);
/// ```
#[inline]
pub fn parse_u64(b: &[u8]) -> Option<u64> {
    let b = trim_bytes(b);
    if b.is_empty() || b.len() > 19 {
        return None;
    }
    let mut v = 0u64;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u64::from(c - b'0');
    }
    Some(v)
}

/// Days from the Excel 1900-system epoch (1899-12-30) or the 1904 system (1904-01-01) to a
/// date. Returns `None` for serials before 1900-03-01 (Excel's fictitious 1900-02-29 makes
/// earlier serials ambiguous) or out of range.
pub fn excel_serial_to_date(serial: f64, is_1904: bool) -> Option<NaiveDate> {
    if !serial.is_finite() {
        return None;
    }
    let days = serial.floor();
    let (epoch, min) = if is_1904 {
        (NaiveDate::from_ymd_opt(1904, 1, 1)?, 0.0)
    } else {
        (NaiveDate::from_ymd_opt(1899, 12, 30)?, 61.0)
    };
    if days < min || days > 2_958_465.0 {
        return None;
    }
    epoch.checked_add_days(chrono::Days::new(days as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_all_spellings() {
        for t in ["Y", "y", "YES", "Yes", "true", "TRUE", "1", " 1 "] {
            assert_eq!(parse_flag(t.as_bytes()), Some(true), "{t}");
        }
        for f in ["N", "n", "no", "NO", "False", "false", "0"] {
            assert_eq!(parse_flag(f.as_bytes()), Some(false), "{f}");
        }
        for bad in ["", "2", "yess", "t", "f", "-1", "nope", "\u{ff}"] {
            assert_eq!(parse_flag(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn dates() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(parse_date(b"2024-02-29"), d(2024, 2, 29));
        assert_eq!(parse_date(b"2023-02-29"), None);
        assert_eq!(parse_date(b"5/3/2024"), d(2024, 3, 5));
        assert_eq!(parse_date(b"31/12/1999"), d(1999, 12, 31));
        assert_eq!(parse_date(b"2024-03-05T23:59"), d(2024, 3, 5));
        assert_eq!(parse_date(b"2024-03-05T25:00"), None);
        assert_eq!(parse_date(b"2024-03-05x"), None);
        assert_eq!(parse_date(b"13/13/2024"), None);
        assert_eq!(parse_date(b"1/2/3/2024"), None);
        assert_eq!(parse_date(b"yesterday"), None);
        assert_eq!(parse_date(b""), None);
    }

    #[test]
    fn fast_decimal_path_matches_std_bit_for_bit() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(9);
        for _ in 0..200_000 {
            let int_len: u32 = rng.gen_range(1..=10);
            let int: u64 = rng.gen_range(0..10u64.pow(int_len));
            let frac_len = rng.gen_range(0..=6);
            let frac: u64 = rng.gen_range(0..10u64.pow(frac_len as u32));
            let sign = if rng.gen_bool(0.2) { "-" } else { "" };
            let s = if frac_len == 0 {
                format!("{sign}{int}")
            } else {
                format!("{sign}{int}.{frac:0w$}", w = frac_len)
            };
            let want: f64 = s.parse().unwrap();
            assert_eq!(
                parse_f64(s.as_bytes()).unwrap().to_bits(),
                want.to_bits(),
                "{s}"
            );
        }
        for s in [
            ".5",
            "5.",
            "-0",
            "+7.25",
            "0.1",
            "1234567890.12345",
            "9007199254740993",
        ] {
            let want: f64 = s.parse().unwrap();
            assert_eq!(
                parse_f64(s.as_bytes()).unwrap().to_bits(),
                want.to_bits(),
                "{s}"
            );
        }
        for bad in [".", "-", "1.2.3", "--1", "1-2"] {
            assert_eq!(parse_f64(bad.as_bytes()), Err(NUMBER_REASON), "{bad}");
        }
    }

    #[test]
    fn numbers_and_ids() {
        assert_eq!(parse_f64(b"1e2"), Ok(100.0));
        assert_eq!(parse_f64(b"-inf"), Err(FINITE_REASON));
        assert_eq!(parse_f64(b"infinity"), Err(FINITE_REASON));
        assert_eq!(parse_f64(b"12,5"), Err(NUMBER_REASON));
        assert_eq!(parse_f64(b""), Err(NUMBER_REASON));
        assert_eq!(parse_f64(&[0xff, b'1']), Err(NUMBER_REASON));
        assert_eq!(parse_u64(b"18446744073709551615"), None);
        assert_eq!(parse_u64(b"1.5"), None);
    }

    #[test]
    fn excel_serials() {
        assert_eq!(
            excel_serial_to_date(45356.0, false),
            NaiveDate::from_ymd_opt(2024, 3, 5)
        );
        assert_eq!(
            excel_serial_to_date(45356.0 - 1462.0, true),
            NaiveDate::from_ymd_opt(2024, 3, 5)
        );
        assert_eq!(excel_serial_to_date(10.0, false), None);
        assert_eq!(excel_serial_to_date(f64::NAN, false), None);
    }
}
