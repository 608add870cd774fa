//! Human units in scenario files: durations (`"60s"`), rates (`"2.5Gbps"`,
//! `"200kpps"`) and sizes (`"1500B"`).
//!
//! Numbers are parsed as exact decimals into integers (nanoseconds, bits or
//! milli-packets per second, bytes), never through floating point, so a
//! value means the same on every machine. A value that does not fit the
//! unit's resolution (`"1.5ns"`) is an error rather than silently rounded.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// Parses `"<decimal><unit>"` with the unit's integer multiplier, exactly.
fn parse_scaled(text: &str, units: &[(&str, u128)], what: &str) -> Result<u128, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = (&t[..split], t[split..].trim());
    let names: Vec<&str> = units.iter().map(|u| u.0).collect();
    let Some(&(_, mult)) = units.iter().find(|u| u.0 == unit) else {
        return Err(format!(
            "`{text}` is not a {what}: expected a number followed by one of {}",
            names.join(", ")
        ));
    };
    let (int_part, frac_part) = number.split_once('.').unwrap_or((number, ""));
    if int_part.is_empty() && frac_part.is_empty()
        || !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
        || int_part.len() > 20
        || frac_part.len() > 18
    {
        return Err(format!(
            "`{text}` is not a {what}: `{number}` is not a number"
        ));
    }
    let int: u128 = if int_part.is_empty() {
        0
    } else {
        int_part
            .parse()
            .map_err(|_| format!("`{text}` is too large"))?
    };
    let frac: u128 = if frac_part.is_empty() {
        0
    } else {
        frac_part
            .parse()
            .map_err(|_| format!("`{text}` is not a number"))?
    };
    let denom = 10u128.pow(frac_part.len() as u32);
    let scaled_frac = frac * mult;
    if !scaled_frac.is_multiple_of(denom) {
        return Err(format!(
            "`{text}` is finer than the {what}'s resolution (1 {})",
            units[0].0
        ));
    }
    int.checked_mul(mult)
        .and_then(|v| v.checked_add(scaled_frac / denom))
        .ok_or_else(|| format!("`{text}` is too large"))
}

fn fits_u64(v: u128, text: &str) -> Result<u64, String> {
    u64::try_from(v).map_err(|_| format!("`{text}` is too large"))
}

/// A span of simulated time, in integer nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration(pub u64);

const DURATION_UNITS: &[(&str, u128)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("min", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

impl Duration {
    pub const fn from_secs(s: u64) -> Duration {
        Duration(s * 1_000_000_000)
    }

    pub fn as_nanos(self) -> u64 {
        self.0
    }
}

impl std::str::FromStr for Duration {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        fits_u64(parse_scaled(s, DURATION_UNITS, "duration")?, s).map(Duration)
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = self.0;
        for (unit, mult) in [
            ("h", 3_600_000_000_000u64),
            ("min", 60_000_000_000),
            ("s", 1_000_000_000),
            ("ms", 1_000_000),
            ("us", 1_000),
        ] {
            if ns >= mult && (ns as u128 * 1000).is_multiple_of(mult as u128) {
                return write!(f, "{}{unit}", decimal(ns, mult));
            }
        }
        write!(f, "{ns}ns")
    }
}

/// `v / unit` as a decimal with up to three places, without floats.
fn decimal(v: u64, unit: u64) -> String {
    let milli = (v as u128 * 1000 / unit as u128) as u64;
    let (i, f) = (milli / 1000, milli % 1000);
    if f == 0 {
        format!("{i}")
    } else {
        format!("{i}.{f:03}").trim_end_matches('0').to_string()
    }
}

/// An offered rate: bits per second of IP packets, or packets per second.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rate {
    /// Bits per second, counting whole IP packets (header included).
    BitsPerSecond(u64),
    /// Thousandths of a packet per second (so `"0.5pps"` is exact).
    MilliPacketsPerSecond(u64),
}

const BIT_RATE_UNITS: &[(&str, u128)] = &[
    ("bps", 1),
    ("kbps", 1_000),
    ("Mbps", 1_000_000),
    ("Gbps", 1_000_000_000),
    ("Tbps", 1_000_000_000_000),
];
const PACKET_RATE_UNITS: &[(&str, u128)] = &[
    ("mpps", 1),
    ("pps", 1_000),
    ("kpps", 1_000_000),
    ("Mpps", 1_000_000_000),
];

impl std::str::FromStr for Rate {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let rate = if s.trim_end().ends_with("pps") {
            Rate::MilliPacketsPerSecond(fits_u64(
                parse_scaled(s, PACKET_RATE_UNITS, "packet rate")?,
                s,
            )?)
        } else {
            Rate::BitsPerSecond(fits_u64(parse_scaled(s, BIT_RATE_UNITS, "rate")?, s)?)
        };
        match rate {
            Rate::BitsPerSecond(0) | Rate::MilliPacketsPerSecond(0) => {
                Err(format!("`{s}`: a rate must be above zero"))
            }
            r => Ok(r),
        }
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Rate::BitsPerSecond(b) => {
                for (unit, mult) in [
                    ("Tbps", 1_000_000_000_000u64),
                    ("Gbps", 1_000_000_000),
                    ("Mbps", 1_000_000),
                    ("kbps", 1_000),
                ] {
                    if b >= mult {
                        return write!(f, "{}{unit}", decimal(b, mult));
                    }
                }
                write!(f, "{b}bps")
            }
            Rate::MilliPacketsPerSecond(m) => {
                for (unit, mult) in [("Mpps", 1_000_000_000u64), ("kpps", 1_000_000)] {
                    if m >= mult {
                        return write!(f, "{}{unit}", decimal(m, mult));
                    }
                }
                write!(f, "{}pps", decimal(m, 1000))
            }
        }
    }
}

/// A size in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ByteSize(pub u64);

const SIZE_UNITS: &[(&str, u128)] = &[
    ("B", 1),
    ("kB", 1_000),
    ("KiB", 1_024),
    ("MB", 1_000_000),
    ("MiB", 1_048_576),
];

impl std::str::FromStr for ByteSize {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        fits_u64(parse_scaled(s, SIZE_UNITS, "size")?, s).map(ByteSize)
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}B", self.0)
    }
}

/// A share, as in `"99.9%"`, in parts per billion (to 0.0000001 %), exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Share(pub u64);

impl Share {
    /// 100 %.
    pub const WHOLE: u64 = 1_000_000_000;
}

impl std::str::FromStr for Share {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let v = fits_u64(parse_scaled(s, &[("%", 10_000_000)], "percentage")?, s)?;
        if v > Share::WHOLE {
            return Err(format!("`{s}` is over 100%"));
        }
        Ok(Share(v))
    }
}

impl fmt::Display for Share {
    /// Up to seven decimals of a percent, trailing zeros dropped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (i, frac) = (self.0 / 10_000_000, self.0 % 10_000_000);
        if frac == 0 {
            write!(f, "{i}%")
        } else {
            let digits = format!("{frac:07}");
            write!(f, "{i}.{}%", digits.trim_end_matches('0'))
        }
    }
}

/// A price in US dollars (`"0.015"`) as millionths of a dollar, exactly.
pub fn micro_usd(text: &str) -> Result<u64, String> {
    let t = text
        .trim()
        .trim_start_matches('$')
        .trim_end_matches("USD")
        .trim();
    parse_scaled(&format!("{t}u"), &[("u", 1_000_000)], "price in US dollars")
        .and_then(|v| fits_u64(v, text))
        .map_err(|_| {
            format!("`{text}` is not a price in US dollars like \"0.015\" (to the micro-dollar)")
        })
}

/// Deserializes a unit type from its text, and says what it expects when
/// given another type (a number, a name): "a duration such as \"10s\"".
macro_rules! from_text {
    ($t:ty, $what:literal) => {
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct Text;
                impl Visitor<'_> for Text {
                    type Value = $t;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($what)
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$t, E> {
                        v.parse().map_err(E::custom)
                    }
                }
                d.deserialize_any(Text)
            }
        }
    };
}

/// JSON Schema (`sim schema`): a unit is a string, as its visitor says.
macro_rules! text_schema {
    ($t:ty, $name:literal, $what:literal) => {
        impl schemars::JsonSchema for $t {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                $name.into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({ "type": "string", "description": $what })
            }
        }
    };
}

text_schema!(
    Duration,
    "Duration",
    "A duration such as \"10s\", \"250ms\", \"1.5min\" or \"1h\"."
);
text_schema!(
    Rate,
    "Rate",
    "A rate such as \"2.5Gbps\", \"100Mbps\" or \"20kpps\"."
);
text_schema!(
    ByteSize,
    "ByteSize",
    "A size such as \"1500B\", \"9KiB\" or \"1MB\"."
);
text_schema!(Share, "Share", "A share such as \"99.9%\".");

from_text!(
    Duration,
    "a duration in quotes, such as \"10s\", \"250ms\" or \"1h\""
);
from_text!(
    Rate,
    "a rate in quotes, such as \"2.5Gbps\", \"100Mbps\" or \"20kpps\""
);
from_text!(ByteSize, "a size in quotes, such as \"1500B\" or \"9KiB\"");
from_text!(Share, "a share in quotes, such as \"99.9%\"");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_are_exact_percentages() {
        assert_eq!("99.9%".parse::<Share>(), Ok(Share(999_000_000)));
        assert_eq!("0.1%".parse::<Share>(), Ok(Share(1_000_000)));
        assert_eq!("100%".parse::<Share>(), Ok(Share(Share::WHOLE)));
        assert!("100.5%".parse::<Share>().is_err());
        assert!("0.00000001%".parse::<Share>().is_err());
        assert!("99.9".parse::<Share>().is_err());
        assert_eq!(Share(999_000_000).to_string(), "99.9%");
        assert_eq!(Share(0).to_string(), "0%");
    }

    #[test]
    fn parses_exact_decimals() {
        assert_eq!("60s".parse::<Duration>(), Ok(Duration(60_000_000_000)));
        assert_eq!("1.5ms".parse::<Duration>(), Ok(Duration(1_500_000)));
        assert_eq!("2min".parse::<Duration>(), Ok(Duration(120_000_000_000)));
        assert_eq!(
            "2.5Gbps".parse::<Rate>(),
            Ok(Rate::BitsPerSecond(2_500_000_000))
        );
        assert_eq!(
            "200kpps".parse::<Rate>(),
            Ok(Rate::MilliPacketsPerSecond(200_000_000))
        );
        assert_eq!(
            "0.5pps".parse::<Rate>(),
            Ok(Rate::MilliPacketsPerSecond(500))
        );
        assert_eq!("1500B".parse::<ByteSize>(), Ok(ByteSize(1500)));
        assert_eq!("9KiB".parse::<ByteSize>(), Ok(ByteSize(9216)));
    }

    #[test]
    fn prices_are_exact() {
        assert_eq!(micro_usd("0.015"), Ok(15_000));
        assert_eq!(micro_usd("$1.5"), Ok(1_500_000));
        assert!(micro_usd("0.0000001").is_err());
        assert!(micro_usd("cheap").is_err());
    }

    #[test]
    fn rejects_what_it_cannot_represent() {
        assert!("1.5ns".parse::<Duration>().is_err());
        assert!("60".parse::<Duration>().is_err());
        assert!("60 sec".parse::<Duration>().is_err());
        assert!("0bps".parse::<Rate>().is_err());
        assert!("1.2.3Gbps".parse::<Rate>().is_err());
        assert!("99999999999999999999999h".parse::<Duration>().is_err());
        assert!("".parse::<ByteSize>().is_err());
        assert!(".B".parse::<ByteSize>().is_err());
    }

    #[test]
    fn displays_round_trip() {
        for s in ["2.5Gbps", "200kpps", "400Mbps", "0.5pps", "1.2Gbps"] {
            assert_eq!(s.parse::<Rate>().unwrap().to_string(), s);
        }
        for s in ["90s", "1.5ms", "2min", "250us", "7ns"] {
            let d: Duration = s.parse().unwrap();
            assert_eq!(d.to_string().parse::<Duration>(), Ok(d));
        }
        assert_eq!(Duration::from_secs(90).to_string(), "1.5min");
    }
}
