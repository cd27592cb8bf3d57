//! Records to and from table rows. Everything read back is checked: a value out of range or a
//! name that does not parse is [`StoreError::Corrupt`], never a panic.

use banyan_wire::{Class, Name, RData, Record, RecordType};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{StoreError, ZoneInfo, ZoneKind};

/// Rows per multi-row `INSERT`: 9 columns × 200 rows stays far below the bound-parameter limits
/// of SQLite (32,766) and PostgreSQL (65,535).
pub(crate) const ROWS_PER_INSERT: usize = 200;

/// A record in the columns the store keeps.
pub(crate) struct Encoded {
    /// Owner name, wire form as given.
    pub owner: Vec<u8>,
    /// Owner name, lowercase wire form (what removals match on).
    pub owner_key: Vec<u8>,
    pub rtype: i64,
    pub class: i64,
    pub ttl: i64,
    /// Uncompressed wire form.
    pub rdata: Vec<u8>,
}

impl Encoded {
    pub(crate) fn new(r: &Record) -> Encoded {
        Encoded {
            owner: r.name.as_wire().to_vec(),
            owner_key: r.name.to_lowercase().as_wire().to_vec(),
            rtype: i64::from(r.rtype().0),
            class: i64::from(r.class.0),
            ttl: i64::from(r.ttl),
            rdata: r.data.to_wire(),
        }
    }

    /// What makes two records the same record (RFC 2181 §5: TTL is not part of it).
    pub(crate) fn identity(&self) -> (&[u8], i64, i64, &[u8]) {
        (&self.owner_key, self.rtype, self.class, &self.rdata)
    }
}

/// Drops the later copies of records that are the same record ([`Encoded::identity`]), keeping
/// the first one's TTL and the order of the rest.
pub(crate) fn dedup(encoded: &mut Vec<Encoded>) {
    let mut order: Vec<usize> = (0..encoded.len()).collect();
    order.sort_by(|&a, &b| encoded[a].identity().cmp(&encoded[b].identity()).then(a.cmp(&b)));
    let mut keep = vec![true; encoded.len()];
    for pair in order.windows(2) {
        if let [first, next] = *pair {
            if encoded[first].identity() == encoded[next].identity() {
                keep[next] = false;
            }
        }
    }
    let mut i = 0;
    encoded.retain(|_| {
        i += 1;
        keep[i - 1]
    });
}

/// `head` followed by `rows` groups of `cols` placeholders: `($1, $2), ($3, $4)`.
pub(crate) fn insert_sql(head: &str, cols: usize, rows: usize) -> String {
    let mut sql = String::with_capacity(head.len() + rows * cols * 6);
    sql.push_str(head);
    let mut n = 1;
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for col in 0..cols {
            if col > 0 {
                sql.push_str(", ");
            }
            sql.push('$');
            sql.push_str(&n.to_string());
            n += 1;
        }
        sql.push(')');
    }
    sql
}

/// A `zones` row read as `name, kind, serial, updated, refreshed`.
pub(crate) fn zone_info(row: &AnyRow) -> Result<ZoneInfo, StoreError> {
    let text: String = row.try_get(0)?;
    let name = Name::parse(&text, None)
        .map_err(|e| StoreError::corrupt(&Name::root(), format!("stored zone name {text:?} does not parse: {e}")))?;
    let kind: String = row.try_get(1)?;
    let kind =
        ZoneKind::from_str(&kind).ok_or_else(|| StoreError::corrupt(&name, format!("unknown zone kind {kind:?}")))?;
    let serial = serial(&name, row, 2)?;
    Ok(ZoneInfo {
        kind,
        serial,
        updated: row.try_get(3)?,
        refreshed: row.try_get(4)?,
        name,
    })
}

/// A row read as `id, serial`.
pub(crate) fn id_serial(zone: &Name, row: &AnyRow) -> Result<(i64, u32), StoreError> {
    Ok((row.try_get(0)?, serial(zone, row, 1)?))
}

/// Column `i` as a serial number.
pub(crate) fn serial(zone: &Name, row: &AnyRow, i: usize) -> Result<u32, StoreError> {
    let v: i64 = row.try_get(i)?;
    u32::try_from(v).map_err(|_| StoreError::corrupt(zone, format!("serial {v} out of range")))
}

/// Columns `at..at + 5` read as `owner, rtype, class, ttl, rdata`.
pub(crate) fn record(zone: &Name, row: &AnyRow, at: usize) -> Result<Record, StoreError> {
    let owner: Vec<u8> = row.try_get(at)?;
    let rtype: i64 = row.try_get(at + 1)?;
    let class: i64 = row.try_get(at + 2)?;
    let ttl: i64 = row.try_get(at + 3)?;
    let rdata: Vec<u8> = row.try_get(at + 4)?;
    let name = Name::from_wire(&owner)
        .map_err(|e| StoreError::corrupt(zone, format!("stored owner name does not parse: {e}")))?;
    let rtype = u16::try_from(rtype)
        .map(RecordType)
        .map_err(|_| StoreError::corrupt(zone, format!("{name}: record type {rtype} out of range")))?;
    let class = u16::try_from(class)
        .map(Class)
        .map_err(|_| StoreError::corrupt(zone, format!("{name}: class {class} out of range")))?;
    let ttl = u32::try_from(ttl).map_err(|_| StoreError::corrupt(zone, format!("{name}: TTL {ttl} out of range")))?;
    // RDATA that does not parse as its type was accepted that way (it came in as RFC 3597
    // opaque data, as `banyan_zone::diff` also keeps it): hand it back the same way.
    let data = RData::parse(rtype, &rdata, 0, rdata.len()).unwrap_or(RData::Unknown { rtype, data: rdata });
    Ok(Record { name, class, ttl, data })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_sql_numbers_placeholders_across_rows() {
        assert_eq!(
            insert_sql("INSERT INTO t (a, b) VALUES ", 2, 1),
            "INSERT INTO t (a, b) VALUES ($1, $2)"
        );
        assert_eq!(insert_sql("V ", 3, 2), "V ($1, $2, $3), ($4, $5, $6)");
    }

    #[test]
    fn identity_ignores_ttl_and_owner_case() {
        let a = Record::from_text("WWW.example. 300 IN A 192.0.2.1", None, None).unwrap();
        let b = Record::from_text("www.example. 60 IN A 192.0.2.1", None, None).unwrap();
        let (ea, eb) = (Encoded::new(&a), Encoded::new(&b));
        assert_eq!(ea.identity(), eb.identity());
        assert_ne!(ea.owner, eb.owner);
        let c = Record::from_text("www.example. 60 IN A 192.0.2.2", None, None).unwrap();
        let mut v = vec![Encoded::new(&a), Encoded::new(&c), Encoded::new(&b)];
        dedup(&mut v);
        assert_eq!(v.len(), 2);
        assert_eq!((v[0].ttl, v[1].rdata.as_slice()), (300, &[192, 0, 2, 2][..]));
    }
}
