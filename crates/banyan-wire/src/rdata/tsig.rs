//! Transaction signature record data (RFC 8945 §4.2). Computing and checking the MAC is the
//! job of the TSIG module; this is only the record's wire and presentation form.

use std::fmt;

use super::RecordData;
use crate::error::{RdataError, TextError};
use crate::name::Name;
use crate::text::{base64_decode, base64_encode, Fields};
use crate::wire::{NameKind, Reader, WireSink};

/// Largest value of the 48-bit Time Signed field.
const MAX_TIME: u64 = (1 << 48) - 1;

/// TSIG RDATA (RFC 8945 §4.2).
///
/// Wire format: algorithm name (never compressed), time signed (48 bits, seconds since
/// 1970), fudge (16 bits), MAC size (16 bits) and MAC, original ID (16 bits), error (16
/// bits, an extended RCODE), other length (16 bits) and other data. Presentation, as BIND
/// prints it: `ALGORITHM TIME FUDGE MACSIZE MAC ORIGID ERROR OTHERLEN OTHER`, the MAC and
/// other data in base64 and left out when empty, the error as its mnemonic (`BADSIG` …).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Tsig {
    /// The MAC algorithm (`hmac-sha256.` …).
    pub algorithm: Name,
    /// When the message was signed, seconds since 1970 (48 bits).
    pub time_signed: u64,
    /// Permitted clock difference in seconds.
    pub fudge: u16,
    /// The message authentication code.
    pub mac: Vec<u8>,
    /// The message ID before any forwarder changed it.
    pub original_id: u16,
    /// TSIG error (RFC 8945 §4.2, the RCODE registry with BADSIG for 16).
    pub error: u16,
    /// Other data (the server's time in BADTIME responses).
    pub other: Vec<u8>,
}

/// TSIG error mnemonics as BIND prints them: the RCODEs, with 16 read as BADSIG (RFC 8945
/// §3), which the RCODE registry otherwise names BADVERS.
const ERRORS: &[(&str, u16)] = &[
    ("NOERROR", 0),
    ("FORMERR", 1),
    ("SERVFAIL", 2),
    ("NXDOMAIN", 3),
    ("NOTIMP", 4),
    ("REFUSED", 5),
    ("YXDOMAIN", 6),
    ("YXRRSET", 7),
    ("NXRRSET", 8),
    ("NOTAUTH", 9),
    ("NOTZONE", 10),
    ("BADSIG", 16),
    ("BADKEY", 17),
    ("BADTIME", 18),
    ("BADMODE", 19),
    ("BADNAME", 20),
    ("BADALG", 21),
    ("BADTRUNC", 22),
    ("BADCOOKIE", 23),
];

/// Reads a length-prefixed base64 field: the length, then (when non-zero) as many fields as
/// the base64 of that many octets spans.
fn sized_base64(fields: &mut Fields<'_, '_>, what: &'static str) -> Result<Vec<u8>, TextError> {
    let len: u16 = fields.int(what)?;
    if len == 0 {
        return Ok(Vec::new());
    }
    let want = (len as usize).div_ceil(3) * 4;
    let mut joined = String::new();
    while joined.len() < want {
        joined.push_str(fields.str(what)?);
    }
    match base64_decode(&joined) {
        Some(v) if v.len() == len as usize => Ok(v),
        _ => Err(TextError::bad(what, &joined)),
    }
}

impl RecordData for Tsig {
    fn parse(r: &mut Reader<'_>) -> Result<Tsig, RdataError> {
        let algorithm = r.name_uncompressed()?;
        let t = r.bytes(6)?;
        let time_signed = t.iter().fold(0u64, |acc, &b| acc << 8 | b as u64);
        let fudge = r.u16()?;
        let mac_len = r.u16()? as usize;
        let mac = r.bytes(mac_len)?.to_vec();
        let original_id = r.u16()?;
        let error = r.u16()?;
        let other_len = r.u16()? as usize;
        Ok(Tsig {
            algorithm,
            time_signed,
            fudge,
            mac,
            original_id,
            error,
            other: r.bytes(other_len)?.to_vec(),
        })
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        // RFC 8945 §4.2: the algorithm name is compared case-insensitively and the MAC
        // code lowercases it itself, so it is written as given and never compressed.
        s.put_name(&self.algorithm, NameKind::Plain);
        s.put(&self.time_signed.to_be_bytes()[2..]);
        s.put_u16(self.fudge);
        s.put_u16(self.mac.len() as u16);
        s.put(&self.mac);
        s.put_u16(self.original_id);
        s.put_u16(self.error);
        s.put_u16(self.other.len() as u16);
        s.put(&self.other);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {}",
            self.algorithm,
            self.time_signed,
            self.fudge,
            self.mac.len()
        )?;
        if !self.mac.is_empty() {
            write!(f, " {}", base64_encode(&self.mac))?;
        }
        write!(f, " {} ", self.original_id)?;
        match ERRORS.iter().find(|(_, v)| *v == self.error) {
            Some((m, _)) => f.write_str(m)?,
            None => write!(f, "{}", self.error)?,
        }
        write!(f, " {}", self.other.len())?;
        if !self.other.is_empty() {
            write!(f, " {}", base64_encode(&self.other))?;
        }
        Ok(())
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Tsig, TextError> {
        let algorithm = fields.name("algorithm name")?;
        let time_signed: u64 = fields.int("time signed")?;
        if time_signed > MAX_TIME {
            return Err(TextError::bad("time signed (48 bits)", &time_signed.to_string()));
        }
        let fudge = fields.int("fudge")?;
        let mac = sized_base64(fields, "MAC")?;
        let original_id = fields.int("original ID")?;
        let e = fields.str("error")?;
        let error = match ERRORS.iter().find(|(m, _)| m.eq_ignore_ascii_case(e)) {
            Some(&(_, v)) => v,
            None if !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()) => {
                e.parse().map_err(|_| TextError::bad("error", e))?
            }
            None => return Err(TextError::bad("error", e)),
        };
        Ok(Tsig {
            algorithm,
            time_signed,
            fudge,
            mac,
            original_id,
            error,
            other: sized_base64(fields, "other data")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{check, refuse};
    use crate::text::hex_decode;
    use crate::types::RecordType;

    fn unhex(s: &str) -> Vec<u8> {
        hex_decode(s).expect("hex")
    }

    #[test]
    fn rfc8945_section_4_2_bind_presentation() {
        let s = "hmac-md5.sig-alg.reg.int. 1480584899 300 16 lkEJsjwBeAdfv9RGs6zZrg== 15355 NOERROR 0";
        check(
            RecordType::TSIG,
            s,
            s,
            &unhex("08686d61632d6d6435077369672d616c670372656703696e74000000583feec3012c0010964109b23c0178075fbfd446b3acd9ae3bfb00000000"),
        );
        // A BADTIME answer: no MAC, the server's time as other data (RFC 8945 §5.2.3).
        check(
            RecordType::TSIG,
            "hmac-sha256. 1480584899 300 0 15355 18 6 AABYP+8n",
            "hmac-sha256. 1480584899 300 0 15355 BADTIME 6 AABYP+8n",
            &unhex("0b686d61632d736861323536000000583feec3012c00003bfb001200060000583fef27"),
        );
        refuse(RecordType::TSIG, "hmac-sha256. 281474976710656 300 0 15355 NOERROR 0");
        refuse(
            RecordType::TSIG,
            "hmac-sha256. 1480584899 300 16 lkEJsjwBeAdfv9RG 15355 NOERROR 0",
        );
        refuse(RecordType::TSIG, "hmac-sha256. 1480584899 300 0 15355 NOSUCHERROR 0");
        refuse(RecordType::TSIG, "hmac-sha256. 1480584899 300 0 15355 NOERROR");
        refuse(RecordType::TSIG, "hmac-sha256. 1480584899 300 0 15355 NOERROR 6 AABY");
    }
}
