//! Reading a zone transfer as a secondary receives it: the records of an AXFR response
//! (RFC 5936 §2.2) or an IXFR response (RFC 1995 §4), message after message, into either
//! the whole new version of the zone or the chain of changes leading to it.
//!
//! An IXFR response comes in one of three forms, told apart by its first records:
//! - one SOA alone: the client is up to date (RFC 1995 §2, §4);
//! - SOA, then a record that is not an SOA: the AXFR form, the whole zone (RFC 1995 §4
//!   lets a server answer IXFR so);
//! - SOA(new), SOA(old), deletions, SOA, additions, … SOA(new): the incremental form.
//!
//! The reader checks what a secondary must not take on trust: every record lies in the
//! zone, the stream ends with the SOA it started with, and each change starts from the
//! serial the previous one ended at, the first from the serial the secondary asked from.

use banyan_wire::{Name, RData, Record, RecordType};

use crate::diff::ZoneDiff;

/// Most records one transfer may carry before it is refused: a bound on the memory a
/// misbehaving primary can make a secondary spend (64 M records is far above the largest
/// zones served today, about 10 M records for `.com`'s delegations with glue ×6).
pub const MAX_TRANSFER_RECORDS: usize = 64 * 1024 * 1024;

/// What a finished transfer holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transfer {
    /// The primary has nothing newer than the serial asked from (a lone SOA).
    UpToDate {
        /// The primary's serial.
        serial: u32,
    },
    /// The whole zone, SOA first (an AXFR, or an IXFR answered in the AXFR form).
    Full {
        /// Every record once; the closing SOA is not repeated.
        records: Vec<Record>,
    },
    /// The changes from the serial asked from to the primary's, oldest first; each
    /// diff's `removed` starts with the old SOA and `added` with the new one.
    Incremental {
        /// The changes, in order.
        diffs: Vec<ZoneDiff>,
    },
}

impl Transfer {
    /// The serial of the version the transfer leads to.
    pub fn serial(&self) -> Option<u32> {
        match self {
            Transfer::UpToDate { serial } => Some(*serial),
            Transfer::Full { records } => records.first().and_then(soa_serial),
            Transfer::Incremental { diffs } => diffs.last().and_then(|d| d.added.first()).and_then(soa_serial),
        }
    }
}

/// Why a transfer was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransferError {
    /// The first record was not the zone's SOA.
    #[error("the transfer does not start with the SOA of {0}")]
    NoLeadingSoa(Name),
    /// A record outside the zone (a primary may not send other zones' data).
    #[error("record {owner} {rtype} is outside the zone {zone}")]
    OutOfZone {
        /// The zone transferred.
        zone: Name,
        /// The record's owner.
        owner: Name,
        /// The record's type.
        rtype: RecordType,
    },
    /// Records after the closing SOA.
    #[error("records after the transfer's closing SOA")]
    TrailingRecords,
    /// The messages ended before the closing SOA.
    #[error("the transfer ended before its closing SOA")]
    Incomplete,
    /// An AXFR whose closing SOA differs from its opening one (the zone changed mid-way).
    #[error("the closing SOA (serial {closing}) differs from the opening one (serial {opening})")]
    MismatchedSoa {
        /// Serial of the first SOA.
        opening: u32,
        /// Serial of the last SOA.
        closing: u32,
    },
    /// An incremental change that does not start where the previous one ended.
    #[error("change {index} starts at serial {found}, expected {expected}")]
    BrokenChain {
        /// Which change (0 first).
        index: usize,
        /// The serial it should have started at.
        expected: u32,
        /// The serial it starts at.
        found: u32,
    },
    /// More than [`MAX_TRANSFER_RECORDS`] records.
    #[error("the transfer has more than {MAX_TRANSFER_RECORDS} records")]
    TooLarge,
}

#[derive(Debug)]
enum State {
    /// Nothing read yet.
    Start,
    /// The opening SOA read, nothing else yet.
    Opened,
    /// Reading the whole zone.
    Full(Vec<Record>),
    /// Reading the deletions of a change.
    Deleting(ZoneDiff),
    /// Reading the additions of a change.
    Adding(ZoneDiff),
    /// The closing SOA read.
    Done(Transfer),
}

/// Reads a transfer record by record (the answer sections of its messages in order).
#[derive(Debug)]
pub struct TransferReader {
    zone: Name,
    /// The serial an IXFR asked from (`None` for AXFR).
    from: Option<u32>,
    opening: Option<Record>,
    diffs: Vec<ZoneDiff>,
    count: usize,
    state: State,
}

impl TransferReader {
    /// A reader of an AXFR of `zone`.
    pub fn axfr(zone: Name) -> TransferReader {
        TransferReader::new(zone, None)
    }

    /// A reader of an IXFR of `zone` asked from serial `from` (the serial in the query's
    /// authority SOA, RFC 1995 §3).
    pub fn ixfr(zone: Name, from: u32) -> TransferReader {
        TransferReader::new(zone, Some(from))
    }

    fn new(zone: Name, from: Option<u32>) -> TransferReader {
        TransferReader {
            zone,
            from,
            opening: None,
            diffs: Vec::new(),
            count: 0,
            state: State::Start,
        }
    }

    /// True once the closing SOA has been read: the stream is complete.
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done(_))
    }

    /// Takes the next record of the stream.
    pub fn push(&mut self, record: Record) -> Result<(), TransferError> {
        self.count += 1;
        if self.count > MAX_TRANSFER_RECORDS {
            return Err(TransferError::TooLarge);
        }
        if !record.name.is_subdomain_of(&self.zone) {
            return Err(TransferError::OutOfZone {
                zone: self.zone.clone(),
                owner: record.name.clone(),
                rtype: record.rtype(),
            });
        }
        let serial = soa_serial(&record);
        if serial.is_some() && record.name != self.zone {
            // An SOA below the apex would be another zone's.
            return Err(TransferError::OutOfZone {
                zone: self.zone.clone(),
                owner: record.name.clone(),
                rtype: record.rtype(),
            });
        }
        let opening_serial = self.opening.as_ref().and_then(soa_serial);
        self.state = match std::mem::replace(&mut self.state, State::Start) {
            State::Start => {
                if serial.is_none() {
                    return Err(TransferError::NoLeadingSoa(self.zone.clone()));
                }
                self.opening = Some(record);
                State::Opened
            }
            State::Opened => match serial {
                // SOA twice with the same serial: a zone holding only its SOA.
                Some(s) if Some(s) == opening_serial => State::Done(Transfer::Full {
                    records: self.opening.iter().cloned().collect(),
                }),
                // A second SOA opens the first change of the incremental form.
                Some(_) if self.from.is_some() => State::Deleting(ZoneDiff {
                    removed: vec![record],
                    added: Vec::new(),
                }),
                Some(s) => {
                    return Err(TransferError::MismatchedSoa {
                        opening: opening_serial.unwrap_or_default(),
                        closing: s,
                    })
                }
                None => State::Full(self.opening.iter().cloned().chain([record]).collect()),
            },
            State::Full(mut records) => match serial {
                Some(s) if Some(s) == opening_serial => State::Done(Transfer::Full { records }),
                Some(s) => {
                    return Err(TransferError::MismatchedSoa {
                        opening: opening_serial.unwrap_or_default(),
                        closing: s,
                    })
                }
                None => {
                    records.push(record);
                    State::Full(records)
                }
            },
            State::Deleting(mut diff) => {
                if serial.is_some() {
                    diff.added.push(record);
                    State::Adding(diff)
                } else {
                    diff.removed.push(record);
                    State::Deleting(diff)
                }
            }
            State::Adding(mut diff) => match serial {
                Some(s) => {
                    let ended_at = diff.added.first().and_then(soa_serial);
                    self.diffs.push(diff);
                    if Some(s) == opening_serial && ended_at == opening_serial {
                        State::Done(Transfer::Incremental {
                            diffs: std::mem::take(&mut self.diffs),
                        })
                    } else {
                        State::Deleting(ZoneDiff {
                            removed: vec![record],
                            added: Vec::new(),
                        })
                    }
                }
                None => {
                    diff.added.push(record);
                    State::Adding(diff)
                }
            },
            State::Done(_) => return Err(TransferError::TrailingRecords),
        };
        Ok(())
    }

    /// Ends the stream: the transfer, checked, or why it is not acceptable.
    pub fn finish(self) -> Result<Transfer, TransferError> {
        match self.state {
            State::Opened if self.from.is_some() => Ok(Transfer::UpToDate {
                serial: self.opening.as_ref().and_then(soa_serial).unwrap_or_default(),
            }),
            State::Done(Transfer::Incremental { diffs }) => {
                let mut expected = self.from.unwrap_or_default();
                for (index, diff) in diffs.iter().enumerate() {
                    let found = diff.removed.first().and_then(soa_serial).unwrap_or_default();
                    if found != expected {
                        return Err(TransferError::BrokenChain { index, expected, found });
                    }
                    expected = diff.added.first().and_then(soa_serial).unwrap_or_default();
                }
                Ok(Transfer::Incremental { diffs })
            }
            State::Done(t) => Ok(t),
            _ => Err(TransferError::Incomplete),
        }
    }
}

/// The serial of an SOA record; `None` for any other record.
fn soa_serial(record: &Record) -> Option<u32> {
    match &record.data {
        RData::SOA(soa) => Some(soa.serial),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(text: &str) -> Record {
        Record::from_text(text, None, None).expect("test record")
    }

    fn soa(serial: u32) -> Record {
        rec(&format!(
            "example. 300 IN SOA ns.example. host.example. {serial} 60 30 600 60"
        ))
    }

    fn read(mut reader: TransferReader, records: Vec<Record>) -> Result<Transfer, TransferError> {
        for r in records {
            reader.push(r)?;
        }
        reader.finish()
    }

    fn zone() -> Name {
        "example.".parse().expect("name")
    }

    #[test]
    fn axfr_whole_zone() {
        let a = rec("www.example. 300 IN A 192.0.2.1");
        let t = read(TransferReader::axfr(zone()), vec![soa(5), a.clone(), soa(5)]).expect("axfr");
        assert_eq!(
            t,
            Transfer::Full {
                records: vec![soa(5), a]
            }
        );
        assert_eq!(t.serial(), Some(5));
    }

    #[test]
    fn axfr_of_a_zone_with_only_its_soa() {
        let t = read(TransferReader::axfr(zone()), vec![soa(5), soa(5)]).expect("axfr");
        assert_eq!(t, Transfer::Full { records: vec![soa(5)] });
    }

    #[test]
    fn ixfr_up_to_date_is_a_lone_soa() {
        let t = read(TransferReader::ixfr(zone(), 7), vec![soa(7)]).expect("ixfr");
        assert_eq!(t, Transfer::UpToDate { serial: 7 });
        // An AXFR of one SOA and nothing more is cut short.
        assert_eq!(
            read(TransferReader::axfr(zone()), vec![soa(7)]),
            Err(TransferError::Incomplete)
        );
    }

    #[test]
    fn ixfr_incremental_chain() {
        let old = rec("www.example. 300 IN A 192.0.2.1");
        let new = rec("www.example. 300 IN A 192.0.2.2");
        let mail = rec("mail.example. 300 IN A 192.0.2.9");
        let stream = vec![
            soa(3),
            soa(1),
            old.clone(),
            soa(2),
            new.clone(),
            soa(2),
            soa(3),
            mail.clone(),
            soa(3),
        ];
        let t = read(TransferReader::ixfr(zone(), 1), stream).expect("ixfr");
        assert_eq!(
            t,
            Transfer::Incremental {
                diffs: vec![
                    ZoneDiff {
                        removed: vec![soa(1), old],
                        added: vec![soa(2), new],
                    },
                    ZoneDiff {
                        removed: vec![soa(2)],
                        added: vec![soa(3), mail],
                    },
                ]
            }
        );
        assert_eq!(t.serial(), Some(3));
    }

    #[test]
    fn ixfr_answered_in_axfr_form() {
        let a = rec("www.example. 300 IN A 192.0.2.1");
        let t = read(TransferReader::ixfr(zone(), 1), vec![soa(4), a.clone(), soa(4)]).expect("ixfr");
        assert_eq!(
            t,
            Transfer::Full {
                records: vec![soa(4), a]
            }
        );
    }

    #[test]
    fn broken_chain_and_wrong_start_are_refused() {
        let stream = vec![soa(3), soa(2), soa(3), soa(3)];
        assert_eq!(
            read(TransferReader::ixfr(zone(), 1), stream),
            Err(TransferError::BrokenChain {
                index: 0,
                expected: 1,
                found: 2
            })
        );
        assert_eq!(
            read(
                TransferReader::axfr(zone()),
                vec![rec("www.example. 300 IN A 192.0.2.1")]
            ),
            Err(TransferError::NoLeadingSoa(zone()))
        );
    }

    #[test]
    fn out_of_zone_trailing_and_mismatched_records_are_refused() {
        let mut r = TransferReader::axfr(zone());
        r.push(soa(1)).expect("soa");
        assert!(matches!(
            r.push(rec("www.other. 300 IN A 192.0.2.1")),
            Err(TransferError::OutOfZone { .. })
        ));
        let mut r = TransferReader::axfr(zone());
        r.push(soa(1)).expect("soa");
        assert!(matches!(
            r.push(rec("sub.example. 300 IN SOA a. b. 1 1 1 1 1")),
            Err(TransferError::OutOfZone { .. })
        ));
        let mut r = TransferReader::axfr(zone());
        for x in [soa(1), rec("www.example. 300 IN A 192.0.2.1"), soa(1)] {
            r.push(x).expect("record");
        }
        assert!(r.is_done());
        assert_eq!(r.push(soa(1)), Err(TransferError::TrailingRecords));
        assert_eq!(
            read(
                TransferReader::axfr(zone()),
                vec![soa(1), rec("www.example. 300 IN A 192.0.2.1"), soa(2)]
            ),
            Err(TransferError::MismatchedSoa { opening: 1, closing: 2 })
        );
        assert_eq!(
            read(
                TransferReader::axfr(zone()),
                vec![soa(1), rec("www.example. 300 IN A 192.0.2.1")]
            ),
            Err(TransferError::Incomplete)
        );
    }
}
