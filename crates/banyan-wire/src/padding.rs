//! EDNS(0) Padding (RFC 7830) with the Block-Length Padding policy of RFC 8467 §4.1: a
//! response over an encrypted transport, to a query that carried a Padding option, is padded
//! to a multiple of [`RESPONSE_BLOCK`] octets so its length tells an observer little about
//! the name asked.
//!
//! What it does not do: decide the transport (the server pads over DoT and DoH only, never
//! over plain UDP or TCP, RFC 7830 §6), or pad a signed message (a TSIG covers the OPT
//! record, RFC 8945 §4.3; padding after signing would break it).

use crate::edns::code;
use crate::message::Message;
use crate::message::MAX_MESSAGE_LEN;

/// Block length for responses recommended by RFC 8467 §4.1.
pub const RESPONSE_BLOCK: usize = 468;

/// Block length for queries recommended by RFC 8467 §4.1.
pub const QUERY_BLOCK: usize = 128;

/// True when `query` is a message whose OPT record carries a Padding option (RFC 7830 §3):
/// the client asks for padded responses (RFC 8467 §4: a server pads only then).
pub fn wants_padding(query: &[u8]) -> bool {
    let Ok(message) = Message::parse(query) else {
        return false;
    };
    message
        .edns_options()
        .is_some_and(|mut options| options.any(|o| matches!(o, Ok((code::PADDING, _)))))
}

/// Pads `message` in place to a multiple of `block` octets by appending a Padding option of
/// zero octets to its OPT record (RFC 7830 §3, RFC 8467 §4.1). Returns whether it did:
/// nothing is changed when the message does not parse, has no OPT record, has a record
/// after the OPT (a TSIG), already has a Padding option, or when the padded length would
/// exceed 65535 octets. `block` of 0 or 1 pads nothing.
pub fn pad_to_block(message: &mut Vec<u8>, block: usize) -> bool {
    if block < 2 {
        return false;
    }
    let (rdlength_at, rdata_end) = {
        let Ok(parsed) = Message::parse(message) else {
            return false;
        };
        let Some(opt) = parsed.opt_record() else {
            return false;
        };
        let rdata = opt.rdata_bytes();
        let mut options = crate::edns::OptionIter::new(rdata);
        if options.any(|o| matches!(o, Ok((code::PADDING, _)))) {
            return false;
        }
        (opt.rdata_offset() - 2, opt.rdata_offset() + rdata.len())
    };
    // The option goes at the end of the OPT's RDATA; only when that is the end of the
    // message does nothing after it move.
    if rdata_end != message.len() {
        return false;
    }
    // The option's own code and length take 4 octets whatever its data.
    let unpadded = message.len() + 4;
    let total = unpadded.div_ceil(block) * block;
    if total > MAX_MESSAGE_LEN {
        return false;
    }
    let data_len = total - unpadded;
    let Some(rdlength) = message
        .get(rdlength_at..rdlength_at + 2)
        .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
    else {
        return false;
    };
    let Ok(new_rdlength) = u16::try_from(rdlength + 4 + data_len) else {
        return false;
    };
    let Ok(data_len16) = u16::try_from(data_len) else {
        return false;
    };
    message[rdlength_at..rdlength_at + 2].copy_from_slice(&new_rdlength.to_be_bytes());
    message.extend_from_slice(&code::PADDING.to_be_bytes());
    message.extend_from_slice(&data_len16.to_be_bytes());
    message.resize(total, 0);
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edns::{Edns, EdnsOption};
    use crate::header::Header;
    use crate::message::{BuildSection, MessageBuilder};
    use crate::record::Record;
    use crate::{Class, Name, RData, RecordType};

    /// A response for `www.example.` with `answers` A records, and an OPT with `options`
    /// unless `None`.
    fn response(answers: usize, options: Option<Vec<EdnsOption>>) -> Vec<u8> {
        let mut buf = Vec::new();
        let header = Header {
            qr: true,
            ..Header::default()
        };
        let name: Name = "www.example.".parse().expect("name");
        let mut b = MessageBuilder::new(&mut buf, header);
        b.question(&name, RecordType::A, Class::IN).expect("question");
        for i in 0..answers {
            let r = Record {
                name: name.clone(),
                class: Class::IN,
                ttl: 300,
                data: RData::A(crate::rdata::A([192, 0, 2, i as u8].into())),
            };
            b.push(BuildSection::Answer, &r).expect("answer");
        }
        if let Some(options) = options {
            b.edns(&Edns {
                options,
                ..Edns::default()
            })
            .expect("edns");
        }
        b.finish();
        buf
    }

    #[test]
    fn pads_to_a_multiple_of_the_block_and_stays_valid() {
        for answers in [0, 1, 20, 40] {
            let mut msg = response(answers, Some(Vec::new()));
            let before = msg.len();
            assert!(pad_to_block(&mut msg, RESPONSE_BLOCK));
            assert_eq!(msg.len() % RESPONSE_BLOCK, 0, "{answers} answers");
            assert!(msg.len() >= before + 4);
            let parsed = Message::parse(&msg).expect("padded message parses");
            assert_eq!(parsed.answers().count(), answers);
            let options: Vec<_> = parsed.edns_options().expect("opt").collect();
            let (c, data) = options.last().expect("an option").as_ref().expect("well formed");
            assert_eq!(*c, code::PADDING);
            assert!(data.iter().all(|&b| b == 0));
            // Padding twice changes nothing.
            let once = msg.clone();
            assert!(!pad_to_block(&mut msg, RESPONSE_BLOCK));
            assert_eq!(msg, once);
        }
    }

    #[test]
    fn a_message_near_the_boundary_fills_one_block() {
        // The option's 4 octets always go in, so a message of exactly 464 + 4 fills 468.
        let mut msg = response(0, Some(Vec::new()));
        let mut n = 0;
        while msg.len() + 4 < RESPONSE_BLOCK && n < 100 {
            n += 1;
            msg = response(n, Some(Vec::new()));
        }
        assert!(pad_to_block(&mut msg, RESPONSE_BLOCK));
        assert_eq!(msg.len() % RESPONSE_BLOCK, 0);
    }

    #[test]
    fn leaves_alone_what_it_cannot_pad() {
        // No OPT: nothing to put the option in.
        let mut msg = response(1, None);
        let before = msg.clone();
        assert!(!pad_to_block(&mut msg, RESPONSE_BLOCK));
        assert_eq!(msg, before);
        // Not a message.
        let mut junk = vec![1, 2, 3];
        assert!(!pad_to_block(&mut junk, RESPONSE_BLOCK));
        assert_eq!(junk, vec![1, 2, 3]);
        // A record after the OPT (a TSIG would be): the OPT is not last.
        let mut msg = response(1, Some(Vec::new()));
        let len = msg.len();
        msg[11] += 1; // ARCOUNT 2
        msg.extend_from_slice(&[0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 192, 0, 2, 1]);
        assert!(Message::parse(&msg).is_ok());
        assert!(!pad_to_block(&mut msg, RESPONSE_BLOCK));
        assert_eq!(msg.len(), len + 15);
        // A block of 0 or 1 is no policy.
        let mut msg = response(1, Some(Vec::new()));
        assert!(!pad_to_block(&mut msg, 0));
        assert!(!pad_to_block(&mut msg, 1));
    }

    #[test]
    fn knows_which_queries_ask_for_padding() {
        let padded = response(0, Some(vec![EdnsOption::Padding(8)]));
        assert!(wants_padding(&padded));
        assert!(!wants_padding(&response(0, Some(Vec::new()))));
        assert!(!wants_padding(&response(0, None)));
        assert!(!wants_padding(&[0, 1]));
    }

    #[test]
    fn rfc8467_block_padding_of_a_query() {
        let mut msg = Vec::new();
        let mut b = MessageBuilder::new(&mut msg, Header::default());
        b.question(
            &Name::parse("www.example.com.", None).unwrap(),
            RecordType::A,
            Class::IN,
        )
        .unwrap();
        b.edns(&crate::edns::Edns::default()).unwrap();
        b.finish();
        assert!(pad_to_block(&mut msg, QUERY_BLOCK));
        assert_eq!(msg.len(), 128);
        let parsed = Message::parse(&msg).unwrap();
        let edns = parsed.edns().unwrap().unwrap();
        assert!(matches!(edns.option(code::PADDING), Some(crate::edns::EdnsOption::Padding(n)) if *n > 0));
        // Without an OPT record there is nothing to pad.
        let mut plain = Vec::new();
        let mut b = MessageBuilder::new(&mut plain, Header::default());
        b.question(&Name::root(), RecordType::NS, Class::IN).unwrap();
        b.finish();
        let before = plain.clone();
        assert!(!pad_to_block(&mut plain, QUERY_BLOCK));
        assert_eq!(plain, before);
    }
}
