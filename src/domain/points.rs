//! Exact decimal points and percentages.
//!
//! Every score in the PAR index has at most two decimal places (0,25; 14,5), so a
//! fixed-point integer counting hundredths is exact, cheap, and stores as a plain
//! BIGINT on both SQLite and PostgreSQL. No binary floating point touches a score.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, Neg, Sub};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Points, kept as a whole number of hundredths (`Points::from_hundredths(25)` is 0,25).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Points(i64);

/// A percentage with two decimals (an index such as 85,12%), kept in hundredths of a percent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Percent(i64);

/// Why a text is not a valid number of points.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    #[error("không phải là số")]
    NotANumber,
    #[error("có quá hai chữ số thập phân")]
    TooManyDecimals,
    #[error("quá lớn")]
    TooLarge,
}

impl Points {
    pub const ZERO: Points = Points(0);

    pub const fn from_hundredths(h: i64) -> Self {
        Points(h)
    }

    pub const fn whole(n: i64) -> Self {
        Points(n * 100)
    }

    pub const fn hundredths(self) -> i64 {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub fn max(self, other: Points) -> Points {
        Points(self.0.max(other.0))
    }

    pub fn min(self, other: Points) -> Points {
        Points(self.0.min(other.0))
    }

    /// `self × numerator ÷ denominator`, rounded half away from zero to 0,01.
    /// Returns `None` when the denominator is zero.
    pub fn mul_ratio(self, numerator: i64, denominator: i64) -> Option<Points> {
        div_round_half_away(self.0 as i128 * numerator as i128, denominator as i128)
            .map(|h| Points(h as i64))
    }

    /// Multiplies by a whole count (deductions per occurrence, bonus items).
    pub fn times(self, count: i64) -> Points {
        Points(self.0.saturating_mul(count))
    }

    /// Whether `step` divides `self` exactly (a judged score in steps of 0,25).
    pub fn is_multiple_of(self, step: Points) -> bool {
        step.0 != 0 && self.0 % step.0 == 0
    }

    /// `self ÷ whole × 100`, as a percentage rounded half away from zero to two decimals.
    pub fn percent_of(self, whole: Points) -> Option<Percent> {
        // hundredths of a percent = self / whole × 10 000
        div_round_half_away(self.0 as i128 * 10_000, whole.0 as i128).map(|h| Percent(h as i64))
    }

    /// Vietnamese notation: decimal comma, thousands dot, no trailing zeros ("14,5", "0,25", "1.432").
    pub fn to_vn(self) -> String {
        format_vn(self.0, false)
    }

    /// Vietnamese notation with exactly two decimals ("14,50").
    pub fn to_vn_fixed(self) -> String {
        format_vn(self.0, true)
    }
}

impl Percent {
    pub const fn from_hundredths(h: i64) -> Self {
        Percent(h)
    }

    pub const fn hundredths(self) -> i64 {
        self.0
    }

    /// Vietnamese notation with two decimals ("85,12").
    pub fn to_vn(self) -> String {
        format_vn(self.0, true)
    }

    /// The mean of `values`, rounded half away from zero to two decimals; `None` for none.
    pub fn mean(values: &[Percent]) -> Option<Percent> {
        let sum: i128 = values.iter().map(|p| i128::from(p.0)).sum();
        div_round_half_away(sum, values.len() as i128).map(|h| Percent(h as i64))
    }
}

/// Integer division rounded half away from zero; `None` for a zero divisor.
fn div_round_half_away(n: i128, d: i128) -> Option<i128> {
    if d == 0 {
        return None;
    }
    let negative = (n < 0) != (d < 0);
    let (n, d) = (n.abs(), d.abs());
    let q = (2 * n + d) / (2 * d);
    Some(if negative { -q } else { q })
}

/// A whole number the Vietnamese way, thousands grouped by dots ("8.000", "40.000").
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(c);
    }
    grouped
}

fn format_vn(h: i64, fixed: bool) -> String {
    let sign = if h < 0 { "-" } else { "" };
    let abs = h.unsigned_abs();
    let (int, frac) = (abs / 100, abs % 100);
    let grouped = thousands(int);
    let frac = match (fixed, frac) {
        (true, f) => format!(",{f:02}"),
        (false, 0) => String::new(),
        (false, f) if f % 10 == 0 => format!(",{}", f / 10),
        (false, f) => format!(",{f:02}"),
    };
    format!("{sign}{grouped}{frac}")
}

/// Parses "14.5", "14,5", "0,25", "-1", "3" into hundredths. Thousands separators are not
/// accepted: a form field holds one score, and "1.500" would be ambiguous.
fn parse_hundredths(s: &str) -> Result<i64, DecimalError> {
    let s = s.trim();
    let (negative, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (int, frac) = match body.find([',', '.']) {
        Some(i) => (&body[..i], &body[i + 1..]),
        None => (body, ""),
    };
    let all_digits = |t: &str| t.chars().all(|c| c.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !all_digits(int) || !all_digits(frac) {
        return Err(DecimalError::NotANumber);
    }
    if body.contains([',', '.']) && frac.is_empty() {
        return Err(DecimalError::NotANumber);
    }
    if frac.len() > 2 {
        return Err(DecimalError::TooManyDecimals);
    }
    let int: i64 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| DecimalError::TooLarge)?
    };
    let frac: i64 = format!("{frac:0<2}")
        .parse()
        .map_err(|_| DecimalError::NotANumber)?;
    let h = int
        .checked_mul(100)
        .and_then(|v| v.checked_add(frac))
        .filter(|v| *v <= i64::MAX / 10_000)
        .ok_or(DecimalError::TooLarge)?;
    Ok(if negative { -h } else { h })
}

impl FromStr for Points {
    type Err = DecimalError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_hundredths(s).map(Points)
    }
}

impl FromStr for Percent {
    type Err = DecimalError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_hundredths(s).map(Percent)
    }
}

/// Machine notation with a decimal point and no trailing zeros ("14.5"), used in JSON and files.
fn format_plain(h: i64) -> String {
    let sign = if h < 0 { "-" } else { "" };
    let abs = h.unsigned_abs();
    match abs % 100 {
        0 => format!("{sign}{}", abs / 100),
        f if f % 10 == 0 => format!("{sign}{}.{}", abs / 100, f / 10),
        f => format!("{sign}{}.{f:02}", abs / 100),
    }
}

impl fmt::Display for Points {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_plain(self.0))
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_plain(self.0))
    }
}

impl Add for Points {
    type Output = Points;
    fn add(self, rhs: Points) -> Points {
        Points(self.0 + rhs.0)
    }
}

impl Sub for Points {
    type Output = Points;
    fn sub(self, rhs: Points) -> Points {
        Points(self.0 - rhs.0)
    }
}

impl Neg for Points {
    type Output = Points;
    fn neg(self) -> Points {
        Points(-self.0)
    }
}

impl Sum for Points {
    fn sum<I: Iterator<Item = Points>>(iter: I) -> Points {
        iter.fold(Points::ZERO, Add::add)
    }
}

impl<'a> Sum<&'a Points> for Points {
    fn sum<I: Iterator<Item = &'a Points>>(iter: I) -> Points {
        iter.copied().sum()
    }
}

/// Serialized as a JSON string ("14.5") so no client ever reads it as a binary float.
impl Serialize for Points {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_plain(self.0))
    }
}

impl Serialize for Percent {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_plain(self.0))
    }
}

/// The OpenAPI schema of a decimal written as text ("14.5"; "-2"; "0.25"): what
/// [`Serialize`] writes. Requests may also send a JSON number or a decimal comma.
fn decimal_schema(
    description: &str,
    example: &str,
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        // At most 15 digits before the point: more would not fit the hundredths kept.
        .pattern(Some(r"^-?[0-9]{1,15}([.,][0-9]{1,2})?$"))
        .description(Some(description))
        .examples([example])
        .build()
        .into()
}

impl utoipa::PartialSchema for Points {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        decimal_schema(
            "Điểm: số thập phân dạng chuỗi, tối đa hai chữ số sau dấu chấm (\"14.5\"). \
             Khi gửi lên cũng nhận số JSON hoặc dấu phẩy (\"14,5\").",
            "14.5",
        )
    }
}

impl utoipa::ToSchema for Points {
    fn name() -> std::borrow::Cow<'static, str> {
        "Points".into()
    }
}

impl utoipa::PartialSchema for Percent {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        decimal_schema(
            "Phần trăm: số thập phân dạng chuỗi, tối đa hai chữ số sau dấu chấm (\"85.12\"). \
             Khi gửi lên cũng nhận số JSON hoặc dấu phẩy.",
            "85.12",
        )
    }
}

impl utoipa::ToSchema for Percent {
    fn name() -> std::borrow::Cow<'static, str> {
        "Percent".into()
    }
}

/// Accepts a string ("0,5", "0.5"), an integer, or a float literal as written in a TOML or
/// JSON file. A float is read through its shortest decimal text, which is exactly what the
/// author typed for any value with at most 17 significant digits.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawNumber {
    Int(i64),
    Float(f64),
    Text(String),
}

fn hundredths_from_raw<E: serde::de::Error>(raw: RawNumber) -> Result<i64, E> {
    let text = match raw {
        RawNumber::Int(i) => i.to_string(),
        RawNumber::Float(f) if f.is_finite() => format!("{f}"),
        RawNumber::Float(_) => return Err(E::custom("không phải là số")),
        RawNumber::Text(t) => t,
    };
    parse_hundredths(&text).map_err(|e| E::custom(format!("«{text}» {e}")))
}

impl<'de> Deserialize<'de> for Points {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        hundredths_from_raw(RawNumber::deserialize(d)?).map(Points)
    }
}

impl<'de> Deserialize<'de> for Percent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        hundredths_from_raw(RawNumber::deserialize(d)?).map(Percent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Points {
        s.parse().expect("valid points")
    }

    #[test]
    fn parses_both_decimal_marks_and_refuses_a_third_decimal() {
        assert_eq!(p("14,5"), Points::from_hundredths(1450));
        assert_eq!(p("0.25"), Points::from_hundredths(25));
        assert_eq!(p("3"), Points::whole(3));
        assert_eq!(p(",5"), Points::from_hundredths(50));
        assert_eq!(
            "0,125".parse::<Points>(),
            Err(DecimalError::TooManyDecimals)
        );
        assert_eq!("1,2,3".parse::<Points>(), Err(DecimalError::NotANumber));
        assert_eq!("abc".parse::<Points>(), Err(DecimalError::NotANumber));
        assert_eq!("1.".parse::<Points>(), Err(DecimalError::NotANumber));
        assert_eq!("".parse::<Points>(), Err(DecimalError::NotANumber));
    }

    #[test]
    fn a_mean_of_percentages_rounds_half_away_from_zero() {
        let pc = Percent::from_hundredths;
        assert_eq!(Percent::mean(&[]), None);
        assert_eq!(Percent::mean(&[pc(8_512)]), Some(pc(8_512)));
        // (85,12 + 70,01) ÷ 2 = 77,565 → 77,57
        assert_eq!(Percent::mean(&[pc(8_512), pc(7_001)]), Some(pc(7_757)));
        // (1 + 0 + 0) ÷ 3 = 0,33…
        assert_eq!(Percent::mean(&[pc(1), pc(0), pc(0)]), Some(pc(0)));
    }

    #[test]
    fn formats_the_vietnamese_way() {
        assert_eq!(p("14.5").to_vn(), "14,5");
        assert_eq!(p("0.25").to_vn(), "0,25");
        assert_eq!(p("1432").to_vn(), "1.432");
        assert_eq!(p("1234567.5").to_vn_fixed(), "1.234.567,50");
        assert_eq!(Percent::from_hundredths(8880).to_vn(), "88,80");
        assert_eq!(p("-0.5").to_vn(), "-0,5");
        assert_eq!(p("14.5").to_string(), "14.5");
        assert_eq!(p("0.05").to_string(), "0.05");
    }

    #[test]
    fn ratio_rounds_half_away_from_zero() {
        // 2 × 1/8 = 0,25 exactly; 1 × 1/8 = 0,125 → 0,13; 1 × 1/3 = 0,333 → 0,33
        assert_eq!(p("2").mul_ratio(1, 8), Some(p("0.25")));
        assert_eq!(p("1").mul_ratio(1, 8), Some(p("0.13")));
        assert_eq!(p("1").mul_ratio(1, 3), Some(p("0.33")));
        assert_eq!(p("-1").mul_ratio(1, 8), Some(p("-0.13")));
        assert_eq!(p("1").mul_ratio(1, 0), None);
    }

    #[test]
    fn percent_of_rounds_to_two_decimals() {
        // 111/125 = 88,8%
        assert_eq!(
            p("111").percent_of(p("125")),
            Some(Percent::from_hundredths(8880))
        );
        // 1/800 = 0,125% → 0,13% (half away from zero)
        assert_eq!(
            p("1").percent_of(p("800")),
            Some(Percent::from_hundredths(13))
        );
        assert_eq!(p("1").percent_of(Points::ZERO), None);
        assert_eq!(
            p("2").percent_of(p("3")),
            Some(Percent::from_hundredths(6667))
        );
    }

    #[test]
    fn reads_numbers_from_toml() {
        #[derive(Deserialize)]
        struct T {
            a: Points,
            b: Points,
            c: Points,
        }
        let t: T = toml::from_str("a = 0.1\nb = 14\nc = \"0,75\"").expect("parses");
        assert_eq!((t.a, t.b, t.c), (p("0.1"), p("14"), p("0.75")));
        assert!(toml::from_str::<T>("a = 0.125\nb = 1\nc = \"1\"").is_err());
    }
}
