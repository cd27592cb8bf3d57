//! Serial number arithmetic (RFC 1982), as zone serials (RFC 1035 §3.3.13) are compared:
//! 32-bit numbers on a circle, where `s1` is greater than `s2` when it lies less than half
//! the circle ahead of it.

use std::cmp::Ordering;

/// Half the serial number space: two serials this far apart are not comparable
/// (RFC 1982 §3.2).
const HALF: u32 = 1 << 31;

/// Compares two serials per RFC 1982 §3.2: `Some(Greater)` when `a` is "ahead of" `b` by
/// less than 2^31, `Some(Less)` when behind by less than 2^31, `Some(Equal)` when the same,
/// and `None` when they are exactly 2^31 apart (the comparison is undefined there).
pub fn serial_cmp(a: u32, b: u32) -> Option<Ordering> {
    match a.wrapping_sub(b) {
        0 => Some(Ordering::Equal),
        d if d < HALF => Some(Ordering::Greater),
        HALF => None,
        _ => Some(Ordering::Less),
    }
}

/// True when serial `a` is greater than `b` in RFC 1982 §3.2 arithmetic (so `1 > 0xFFFF_FFFF`,
/// and neither of two serials 2^31 apart is greater).
pub fn serial_gt(a: u32, b: u32) -> bool {
    serial_cmp(a, b) == Some(Ordering::Greater)
}

/// `serial + n` per RFC 1982 §3.1: addition modulo 2^32, defined for `n` up to 2^31 − 1
/// (larger `n` are clamped there, so the result is always greater than `serial`).
pub fn serial_add(serial: u32, n: u32) -> u32 {
    serial.wrapping_add(n.min(HALF - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1982_section_3_2_comparisons() {
        assert_eq!(serial_cmp(5, 5), Some(Ordering::Equal));
        assert!(serial_gt(2, 1));
        assert!(!serial_gt(1, 2));
        // Wrap-around: 0 follows 0xFFFFFFFF.
        assert!(serial_gt(0, u32::MAX));
        assert!(serial_gt(1, u32::MAX));
        assert!(!serial_gt(u32::MAX, 1));
        // Just under half the circle ahead is greater; exactly half is undefined.
        assert!(serial_gt(HALF - 1, 0));
        assert_eq!(serial_cmp(HALF, 0), None);
        assert_eq!(serial_cmp(0, HALF), None);
        assert!(!serial_gt(HALF, 0) && !serial_gt(0, HALF));
        assert_eq!(serial_cmp(HALF + 1, 0), Some(Ordering::Less));
    }

    #[test]
    fn rfc1982_section_3_1_addition() {
        assert_eq!(serial_add(u32::MAX, 1), 0);
        assert_eq!(serial_add(7, 3), 10);
        assert!(serial_gt(serial_add(9, u32::MAX), 9), "clamped below 2^31");
    }
}
