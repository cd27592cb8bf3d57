//! Error types of the wire layer. They are small, carry no strings and allocate nothing, so
//! refusing a hostile packet costs no more than reading a good one.

use thiserror::Error;

/// What is wrong with a domain name, in wire or presentation form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum NameError {
    /// The name text is empty.
    #[error("empty name")]
    Empty,
    /// Two dots in a row, or a leading dot.
    #[error("empty label")]
    EmptyLabel,
    /// A label longer than 63 octets (RFC 1035 §2.3.4).
    #[error("label longer than 63 octets")]
    LabelTooLong,
    /// A name longer than 255 octets in wire form (RFC 1035 §2.3.4).
    #[error("name longer than 255 octets")]
    NameTooLong,
    /// A `\` escape that is not `\X` or `\DDD` with DDD ≤ 255.
    #[error("bad escape sequence")]
    BadEscape,
    /// `@` or a relative name where no origin is known.
    #[error("relative name without an origin")]
    NoOrigin,
    /// The wire form ends before the name does.
    #[error("name runs past the end of the data")]
    Truncated,
    /// Bytes left over after the root label.
    #[error("data after the end of the name")]
    TrailingData,
    /// A compression pointer where none is allowed.
    #[error("compression pointer in an uncompressed name")]
    Compressed,
    /// A compression pointer that points at or after the name holding it (which is how loops
    /// are made).
    #[error("compression pointer does not point backwards")]
    ForwardPointer,
    /// More compression pointers than [`crate::name::MAX_POINTER_HOPS`].
    #[error("too many compression pointers")]
    TooManyPointers,
    /// Label type 0x40 or 0x80 (RFC 6891 §5 deprecated extended label types).
    #[error("unsupported label type")]
    BadLabelType,
    /// A Unicode name that IDNA processing rejects (RFC 5891).
    #[error("name is not valid IDNA")]
    Idna,
}

/// Where in a message a parse failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The 12-octet header.
    Header,
    /// The question section.
    Question,
    /// The answer section.
    Answer,
    /// The authority section.
    Authority,
    /// The additional section.
    Additional,
}

/// Why a message (or a record inside one) could not be read. The offset is the position in
/// the message where reading stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ParseError {
    /// Fewer than 12 octets: no header can be read.
    #[error("message shorter than its 12-octet header")]
    ShortHeader,
    /// A name could not be read.
    #[error("bad name at offset {offset} in {section:?}: {error}")]
    Name {
        /// The section being read.
        section: Section,
        /// Offset of the name.
        offset: usize,
        /// What was wrong with it.
        error: NameError,
    },
    /// The message ended inside a question or record; the counts claim more than is there.
    #[error("message ends inside the {section:?} section at offset {offset}")]
    Truncated {
        /// The section being read.
        section: Section,
        /// Where the data ran out.
        offset: usize,
    },
    /// RDATA inconsistent with its type or its RDLENGTH.
    #[error("bad RDATA at offset {offset}: {error}")]
    Rdata {
        /// Start of the RDATA.
        offset: usize,
        /// What was wrong.
        error: RdataError,
    },
    /// Octets after the last record the counts announce.
    #[error("{0} octets after the last record")]
    TrailingData(usize),
    /// More than one OPT record, or an OPT outside the additional section or not at the root
    /// (RFC 6891 §6.1.1).
    #[error("misplaced or repeated OPT record")]
    BadOpt,
    /// A TSIG record that is not the last record of the additional section (RFC 8945 §5.1).
    #[error("TSIG record is not the last record")]
    BadTsig,
}

/// Why RDATA could not be read from wire form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RdataError {
    /// The RDATA is shorter than its type requires.
    #[error("RDATA too short")]
    Short,
    /// Octets left over after all of the type's fields.
    #[error("RDATA longer than its fields")]
    Long,
    /// A name inside the RDATA is malformed.
    #[error("bad name in RDATA: {0}")]
    Name(NameError),
    /// A field holds a value the type does not allow.
    #[error("invalid field value")]
    Invalid,
}

impl From<NameError> for RdataError {
    fn from(e: NameError) -> RdataError {
        RdataError::Name(e)
    }
}

/// Why the presentation (text) form of a record or RDATA could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TextError {
    /// Fewer fields than the type needs.
    #[error("missing field: expected {0}")]
    Missing(&'static str),
    /// More fields than the type takes.
    #[error("unexpected extra field {0:?}")]
    Extra(String),
    /// A field that does not parse as what it should be.
    #[error("bad {what}: {text:?}")]
    Bad {
        /// What the field should be.
        what: &'static str,
        /// The offending text.
        text: String,
    },
    /// A name field that does not parse.
    #[error("bad name {text:?}: {error}")]
    Name {
        /// The offending text.
        text: String,
        /// Why.
        error: NameError,
    },
    /// An unterminated quoted string or parenthesis, or a stray one.
    #[error("unbalanced {0}")]
    Unbalanced(&'static str),
    /// A type that has no presentation form of its own (OPT, meta types) in text without the
    /// generic `\#` form.
    #[error("type {0} must be written in the generic \\# form")]
    NeedsGeneric(String),
    /// Resulting RDATA longer than [`crate::rdata::MAX_RDATA_LEN`] octets.
    #[error("RDATA longer than 65512 octets: the record would not fit in a DNS message")]
    TooLong,
}

impl TextError {
    /// A `Bad` error for `what` with the offending `text`.
    pub fn bad(what: &'static str, text: &str) -> TextError {
        TextError::Bad {
            what,
            text: text.to_string(),
        }
    }
}
