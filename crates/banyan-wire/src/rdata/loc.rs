//! Geographic location (RFC 1876).

use std::fmt;

use super::RecordData;
use crate::error::{RdataError, TextError};
use crate::text::Fields;
use crate::wire::{Reader, WireSink};

/// The equator and the prime meridian on the wire (RFC 1876 §2: 2^31 is zero).
const ZERO_ANGLE: u32 = 1 << 31;
/// Thousandths of an arc second in 90 and 180 degrees.
const MAX_LAT: u32 = 90 * 3_600_000;
const MAX_LON: u32 = 180 * 3_600_000;
/// Altitude on the wire is centimetres above 100,000 m below the WGS 84 spheroid.
const ALT_BASE: i64 = 10_000_000;

/// Location (RFC 1876 §2).
///
/// Wire format, 16 octets: version (8 bits, 0), size, horizontal precision and vertical
/// precision (8 bits each: a mantissa in the high nibble and a power of ten in the low
/// nibble, in centimetres, both digits at most 9, zero only as 0x00), latitude and longitude (32 bits each,
/// thousandths of an arc second with 2^31 at the equator / prime meridian, north and east
/// larger), altitude (32 bits, centimetres above a base 100,000 m below the spheroid).
///
/// Presentation (RFC 1876 §3), printed as BIND prints it:
/// `52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m`; on input minutes, seconds, the
/// `m` suffixes and the last three fields are optional (defaults 1m, 10000m, 10m).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Loc {
    /// Diameter of the sphere enclosing the entity, mantissa/exponent coded.
    pub size: u8,
    /// Horizontal precision, mantissa/exponent coded.
    pub horiz_pre: u8,
    /// Vertical precision, mantissa/exponent coded.
    pub vert_pre: u8,
    /// Latitude as on the wire.
    pub latitude: u32,
    /// Longitude as on the wire.
    pub longitude: u32,
    /// Altitude as on the wire.
    pub altitude: u32,
}

/// A mantissa/exponent octet is valid when both digits are 0 to 9 (RFC 1876 §2). Zero is
/// accepted only as `0x00`: the other encodings of zero (`0x01` … `0x09`) print the same
/// as it, so they could not be told apart in presentation form.
fn precision_ok(v: u8) -> bool {
    v >> 4 <= 9 && v & 0x0f <= 9 && (v >> 4 != 0 || v == 0)
}

/// Writes a size or precision as BIND does: whole metres from 1 m up, else `0.NNm`.
fn fmt_precision(v: u8, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let (man, exp) = ((v >> 4) as u64, (v & 0x0f) as u32);
    if exp > 1 {
        write!(f, "{}m", man * 10u64.pow(exp - 2))
    } else {
        write!(f, "0.{:02}m", man * 10u64.pow(exp))
    }
}

/// Writes an angle: degrees, minutes, seconds with thousandths, hemisphere. The equator and
/// the prime meridian (exactly 2^31) print as `N` and `E`, as BIND prints them.
fn fmt_angle(v: u32, pos: char, neg: char, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let (hemi, a) = if v >= ZERO_ANGLE {
        (pos, v - ZERO_ANGLE)
    } else {
        (neg, ZERO_ANGLE - v)
    };
    let (ms, s, m, d) = (a % 1000, a / 1000 % 60, a / 60_000 % 60, a / 3_600_000);
    write!(f, "{d} {m} {s}.{ms:03} {hemi}")
}

/// Splits `12.34` (optionally followed by `m` when `unit`) into whole and hundredths,
/// allowing at most `frac_digits` decimals. `None` on bad syntax.
fn decimal(s: &str, unit: bool, frac_digits: usize) -> Option<(u64, u64)> {
    let s = if unit {
        s.strip_suffix(['m', 'M']).unwrap_or(s)
    } else {
        s
    };
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() || whole.len() > 10 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac.len() > frac_digits || !frac.bytes().all(|b| b.is_ascii_digit()) || (s.contains('.') && frac.is_empty()) {
        return None;
    }
    let mut f: u64 = 0;
    for i in 0..frac_digits {
        f = f * 10 + frac.as_bytes().get(i).map_or(0, |b| (b - b'0') as u64);
    }
    Some((whole.parse().ok()?, f))
}

/// Encodes a size or precision in metres and centimetres as BIND does: truncated to one
/// significant digit. `None` above 90,000,000 m.
fn encode_precision(m: u64, cm: u64) -> Option<u8> {
    if m > 90_000_000 || (m == 90_000_000 && cm > 0) {
        return None;
    }
    let (man, exp) = if m > 0 {
        let mut exp = 0;
        while exp < 7 && m >= 10u64.pow(exp + 1) {
            exp += 1;
        }
        (m / 10u64.pow(exp), exp + 2)
    } else if cm >= 10 {
        (cm / 10, 1)
    } else {
        (cm, 0)
    };
    Some(((man as u8) << 4) | exp as u8)
}

/// Reads `DEG [MIN [SEC]] HEMI` and returns the wire value.
fn angle_from_text(fields: &mut Fields<'_, '_>, pos: &str, neg: &str, max_deg: u32) -> Result<u32, TextError> {
    let what = if pos == "N" { "latitude" } else { "longitude" };
    let mut parts: Vec<&str> = Vec::new();
    let hemi = loop {
        let s = fields.str(what)?;
        if s.eq_ignore_ascii_case(pos) || s.eq_ignore_ascii_case(neg) {
            break s;
        }
        if parts.len() == 3 {
            return Err(TextError::bad(what, s));
        }
        parts.push(s);
    };
    let bad = || TextError::bad(what, &parts.join(" "));
    let deg: u32 = match parts.first() {
        Some(d) if d.bytes().all(|b| b.is_ascii_digit()) && !d.is_empty() => d.parse().map_err(|_| bad())?,
        _ => return Err(bad()),
    };
    let min: u32 = match parts.get(1) {
        None => 0,
        Some(m) if m.bytes().all(|b| b.is_ascii_digit()) && !m.is_empty() => m.parse().map_err(|_| bad())?,
        Some(_) => return Err(bad()),
    };
    let (sec, ms) = match parts.get(2) {
        None => (0, 0),
        Some(s) => decimal(s, false, 3).ok_or_else(bad)?,
    };
    if deg > max_deg || min > 59 || sec > 59 {
        return Err(bad());
    }
    let v = ((deg * 60 + min) * 60 + sec as u32) * 1000 + ms as u32;
    if v > max_deg * 3_600_000 {
        return Err(bad());
    }
    Ok(if hemi.eq_ignore_ascii_case(pos) {
        ZERO_ANGLE + v
    } else {
        ZERO_ANGLE - v
    })
}

impl RecordData for Loc {
    fn parse(r: &mut Reader<'_>) -> Result<Loc, RdataError> {
        // RFC 1876 §2: only version 0 is defined, and its other fields mean nothing under
        // another version.
        if r.u8()? != 0 {
            return Err(RdataError::Invalid);
        }
        let loc = Loc {
            size: r.u8()?,
            horiz_pre: r.u8()?,
            vert_pre: r.u8()?,
            latitude: r.u32()?,
            longitude: r.u32()?,
            altitude: r.u32()?,
        };
        let in_range = |v: u32, max: u32| v.abs_diff(ZERO_ANGLE) <= max;
        if ![loc.size, loc.horiz_pre, loc.vert_pre].into_iter().all(precision_ok)
            || !in_range(loc.latitude, MAX_LAT)
            || !in_range(loc.longitude, MAX_LON)
        {
            return Err(RdataError::Invalid);
        }
        Ok(loc)
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_u8(0);
        s.put_u8(self.size);
        s.put_u8(self.horiz_pre);
        s.put_u8(self.vert_pre);
        s.put_u32(self.latitude);
        s.put_u32(self.longitude);
        s.put_u32(self.altitude);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_angle(self.latitude, 'N', 'S', f)?;
        f.write_str(" ")?;
        fmt_angle(self.longitude, 'E', 'W', f)?;
        let alt = self.altitude as i64 - ALT_BASE;
        let sign = if alt < 0 { "-" } else { "" };
        write!(f, " {sign}{}.{:02}m ", alt.abs() / 100, alt.abs() % 100)?;
        fmt_precision(self.size, f)?;
        f.write_str(" ")?;
        fmt_precision(self.horiz_pre, f)?;
        f.write_str(" ")?;
        fmt_precision(self.vert_pre, f)
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Loc, TextError> {
        let latitude = angle_from_text(fields, "N", "S", 90)?;
        let longitude = angle_from_text(fields, "E", "W", 180)?;
        let a = fields.str("altitude")?;
        let (neg, digits) = match a.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, a),
        };
        let (m, cm) = decimal(digits, true, 2).ok_or_else(|| TextError::bad("altitude", a))?;
        let cm = (m as i64) * 100 + cm as i64;
        let altitude =
            u32::try_from(ALT_BASE + if neg { -cm } else { cm }).map_err(|_| TextError::bad("altitude", a))?;
        let mut precision = |what: &'static str, default: u8| -> Result<u8, TextError> {
            if fields.is_empty() {
                return Ok(default);
            }
            let s = fields.str(what)?;
            let (m, cm) = decimal(s, true, 2).ok_or_else(|| TextError::bad(what, s))?;
            encode_precision(m, cm).ok_or_else(|| TextError::bad(what, s))
        };
        Ok(Loc {
            size: precision("size", 0x12)?,
            horiz_pre: precision("horizontal precision", 0x16)?,
            vert_pre: precision("vertical precision", 0x13)?,
            latitude,
            longitude,
            altitude,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{check, refuse};
    use crate::rdata::RData;
    use crate::text::hex_decode;
    use crate::types::RecordType;

    fn unhex(s: &str) -> Vec<u8> {
        hex_decode(s).expect("hex")
    }

    #[test]
    fn rfc1876_section_4_examples() {
        for (text, printed, wire) in [
            (
                "42 21 54 N 71 06 18 W -24m 30m",
                "42 21 54.000 N 71 6 18.000 W -24.00m 30m 10000m 10m",
                "0033161389172dd070be15f000988d20",
            ),
            (
                "42 21 43.952 N 71 5 6.344 W -24m 1m 200m",
                "42 21 43.952 N 71 5 6.344 W -24.00m 1m 200m 10m",
                "001224138917069070bf2dd800988d20",
            ),
            (
                "52 14 05 N 00 08 50 E 10m",
                "52 14 5.000 N 0 8 50.000 E 10.00m 1m 10000m 10m",
                "001216138b3556c88008165000989a68",
            ),
            (
                "32 7 19 S 116 2 25 E 10m",
                "32 7 19.000 S 116 2 25.000 E 10.00m 1m 10000m 10m",
                "00121613791b7d2898e6486800989a68",
            ),
            (
                "42 21 28.764 N 71 00 51.617 W -44m 2000m",
                "42 21 28.764 N 71 0 51.617 W -44.00m 2000m 10000m 10m",
                "002516138916cb3c70c310df00988550",
            ),
        ] {
            check(RecordType::LOC, text, printed, &unhex(wire));
        }
    }

    #[test]
    fn bind_presentation() {
        // The form `dig` prints, read back unchanged.
        let s = "52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m";
        check(RecordType::LOC, s, s, &unhex("000016138b3cf018810cbce0009895b8"));
        // Degrees only, fractions of centimetres and of metres, and the poles.
        check(
            RecordType::LOC,
            "40 N 105 W 1208.64m 0.30m 5m 4m",
            "40 0 0.000 N 105 0 0.000 W 1208.64m 0.30m 5m 4m",
            &unhex("0031524288954400 69782d80009a6ea0".replace(' ', "").as_str()),
        );
        check(
            RecordType::LOC,
            "90 S 180 E 42849672.95m 90000000m 90000000m 90000000m",
            "90 0 0.000 S 180 0 0.000 E 42849672.95m 90000000m 90000000m 90000000m",
            &unhex("00999999 6cb02700 a69fb200 ffffffff".replace(' ', "").as_str()),
        );
    }

    #[test]
    fn equator_and_prime_meridian() {
        check(
            RecordType::LOC,
            "0 S 0 W 0m 0m 0m 0m",
            "0 0 0.000 N 0 0 0.000 E 0.00m 0.00m 0.00m 0.00m",
            &unhex("00000000800000008000000000989680"),
        );
    }

    #[test]
    fn malformed_loc_refused() {
        for text in [
            "91 0 0 N 0 0 0 E 0m",
            "90 0 1 N 0 0 0 E 0m",
            "42 60 0 N 0 0 0 E 0m",
            "42 21 60 N 0 0 0 E 0m",
            "42 21 54.1234 N 0 0 0 E 0m",
            "42 21 54. N 0 0 0 E 0m",
            "42 21 54 X 71 6 18 W -24m",
            "42 21 54 N 181 0 0 E 0m",
            "42 21 54 N 71 6 18 W",
            "42 21 54 N 71 6 18 W -100000.01m",
            "42 21 54 N 71 6 18 W 42849672.96m",
            "42 21 54 N 71 6 18 W 0m 90000001m",
            "42 21 54 N 71 6 18 W 0m 90000000.01m",
            "42 21 54 N 71 6 18 W 0m -1m",
            "42 21 54 N 71 6 18 W 0m 1m 1m 1m 1m",
            "42 21 54 1 N 71 6 18 W 0m",
            "42N 71 06 18.3W -24m 30m",
        ] {
            refuse(RecordType::LOC, text);
        }
        for wire in [
            "010000000000000000000000000000",       // short
            "01121613 8917 2dd0 70be15f0 00988d20", // version 1
            "001a1613 89172dd0 70be15f0 00988d20",  // exponent 10
            "00031613 89172dd0 70be15f0 00988d20",  // zero that is not 0x00
            "00121613 FFFFFFFF 70be15f0 00988d20",  // latitude past the pole
        ] {
            let w = unhex(&wire.replace(' ', ""));
            assert!(RData::parse(RecordType::LOC, &w, 0, w.len()).is_err(), "{wire}");
        }
    }
}
