//! Octet strings kept inside their owner when short: a zone's node keys and its RRsets'
//! RDATA. Most of both are a few octets (`host123456` under its origin is an 11-octet key, an
//! A record 6 octets of RDATA with its length), and holding them inline saves an allocation
//! each and, on the answering path, the cache miss of reading it.

/// Octets held inline: with the length and the variant's tag that is 24 octets, as much as a
/// boxed slice with its tag takes anyway.
pub(crate) const INLINE: usize = 22;

/// Up to [`INLINE`] octets inside the value, longer ones on the heap. Each content has one
/// form (inline exactly when it fits), and equality and order are the contents'.
#[derive(Clone)]
pub(crate) enum ShortBytes {
    /// Up to [`INLINE`] octets.
    Inline { len: u8, bytes: [u8; INLINE] },
    /// Longer strings.
    Heap(Box<[u8]>),
}

impl ShortBytes {
    /// A copy of `octets`.
    pub(crate) fn new(octets: &[u8]) -> ShortBytes {
        ShortBytes::concat(&[octets])
    }

    /// The concatenation of `parts`.
    pub(crate) fn concat(parts: &[&[u8]]) -> ShortBytes {
        let total: usize = parts.iter().map(|p| p.len()).sum();
        if total <= INLINE {
            let mut bytes = [0; INLINE];
            let mut at = 0;
            for p in parts {
                bytes[at..at + p.len()].copy_from_slice(p);
                at += p.len();
            }
            ShortBytes::Inline {
                len: total as u8,
                bytes,
            }
        } else {
            let mut v = Vec::with_capacity(total);
            for p in parts {
                v.extend_from_slice(p);
            }
            ShortBytes::Heap(v.into())
        }
    }
}

impl Default for ShortBytes {
    fn default() -> ShortBytes {
        ShortBytes::Inline {
            len: 0,
            bytes: [0; INLINE],
        }
    }
}

/// Keeps a long boxed string's allocation rather than copying it.
impl From<Box<[u8]>> for ShortBytes {
    fn from(octets: Box<[u8]>) -> ShortBytes {
        if octets.len() <= INLINE {
            ShortBytes::new(&octets)
        } else {
            ShortBytes::Heap(octets)
        }
    }
}

impl std::ops::Deref for ShortBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            ShortBytes::Inline { len, bytes } => &bytes[..usize::from(*len)],
            ShortBytes::Heap(b) => b,
        }
    }
}

impl PartialEq for ShortBytes {
    fn eq(&self, other: &ShortBytes) -> bool {
        **self == **other
    }
}

impl Eq for ShortBytes {}

impl PartialOrd for ShortBytes {
    fn partial_cmp(&self, other: &ShortBytes) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ShortBytes {
    fn cmp(&self, other: &ShortBytes) -> std::cmp::Ordering {
        (**self).cmp(&**other)
    }
}

impl std::fmt::Debug for ShortBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}
