//! EPP's data unit over TCP (RFC 5734 §4): a 32-bit big-endian length that counts itself,
//! then that many octets less four of XML.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                Total Length (header included)                 |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                      EPP XML instance …                       |
//! ```
//!
//! [`decode_header`] and [`encode_header`] are pure; [`read_frame`] and [`write_frame`] put
//! them on any tokio stream (TLS in practice, RFC 5734 §9).

use std::io;

use thiserror::Error;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Octets in the length header (RFC 5734 §4).
pub const HEADER_LEN: usize = 4;

/// The default limit on a frame's XML (header excluded): 64 KiB, far above any command a
/// registrar sends.
pub const DEFAULT_MAX_FRAME: usize = 64 * 1024;

/// What went wrong reading or writing a frame.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum FrameError {
    /// The peer closed the connection between frames.
    #[error("connection closed")]
    Closed,
    /// The peer closed the connection inside a frame.
    #[error("connection closed inside a frame")]
    Truncated,
    /// The length field is below four, which cannot even cover the header.
    #[error("frame length {0} is shorter than its own 4-octet header")]
    TooShort(u32),
    /// The frame is larger than the limit.
    #[error("frame of {len} octets exceeds the limit of {max}")]
    TooLarge {
        /// The XML's length (header excluded).
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The transport failed.
    #[error("transport: {0}")]
    Io(#[from] io::Error),
}

/// The XML length announced by a header (RFC 5734 §4), or [`FrameError::TooShort`].
pub fn decode_header(header: [u8; HEADER_LEN]) -> Result<usize, FrameError> {
    let total = u32::from_be_bytes(header);
    if (total as usize) < HEADER_LEN {
        return Err(FrameError::TooShort(total));
    }
    Ok(total as usize - HEADER_LEN)
}

/// The header for `len` octets of XML, or [`FrameError::TooLarge`] past what 32 bits count.
pub fn encode_header(len: usize) -> Result<[u8; HEADER_LEN], FrameError> {
    let total = len
        .checked_add(HEADER_LEN)
        .and_then(|t| u32::try_from(t).ok())
        .ok_or(FrameError::TooLarge {
            len,
            max: u32::MAX as usize - HEADER_LEN,
        })?;
    Ok(total.to_be_bytes())
}

/// Reads a header: [`FrameError::Closed`] on a clean end of stream before its first octet.
pub async fn read_header<R: AsyncRead + Unpin>(r: &mut R) -> Result<usize, FrameError> {
    let mut header = [0u8; HEADER_LEN];
    let mut got = 0;
    while got < HEADER_LEN {
        match r.read(&mut header[got..]).await? {
            0 if got == 0 => return Err(FrameError::Closed),
            0 => return Err(FrameError::Truncated),
            n => got += n,
        }
    }
    decode_header(header)
}

/// Reads `len` octets of XML after a header.
pub async fn read_body<R: AsyncRead + Unpin>(r: &mut R, len: usize) -> Result<Vec<u8>, FrameError> {
    let mut body = vec![0u8; len];
    r.read_exact(&mut body).await.map_err(|e| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            FrameError::Truncated
        } else {
            FrameError::Io(e)
        }
    })?;
    Ok(body)
}

/// Reads and throws away `len` octets (the body of a frame too large to keep), in small
/// pieces so memory stays bounded.
pub async fn discard<R: AsyncRead + Unpin>(r: &mut R, len: usize) -> Result<(), FrameError> {
    let mut left = len;
    let mut buf = [0u8; 8192];
    while left > 0 {
        let want = left.min(buf.len());
        match r.read(&mut buf[..want]).await? {
            0 => return Err(FrameError::Truncated),
            n => left -= n,
        }
    }
    Ok(())
}

/// Reads one frame of at most `max` octets of XML.
///
/// A larger frame is an error before its body is read, so a peer cannot make the reader
/// allocate more than `max`.
pub async fn read_frame<R: AsyncRead + Unpin>(r: &mut R, max: usize) -> Result<Vec<u8>, FrameError> {
    let len = read_header(r).await?;
    if len > max {
        return Err(FrameError::TooLarge { len, max });
    }
    read_body(r, len).await
}

/// Writes one frame and flushes it.
pub async fn write_frame<W: AsyncWrite + Unpin>(w: &mut W, xml: &[u8]) -> Result<(), FrameError> {
    let header = encode_header(xml.len())?;
    let mut out = Vec::with_capacity(HEADER_LEN + xml.len());
    out.extend_from_slice(&header);
    out.extend_from_slice(xml);
    w.write_all(&out).await?;
    w.flush().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc5734_section_4_length_counts_the_header() {
        assert_eq!(encode_header(10).ok(), Some([0, 0, 0, 14]));
        assert_eq!(decode_header([0, 0, 0, 14]).ok(), Some(10));
        assert_eq!(decode_header([0, 0, 0, 4]).ok(), Some(0));
        assert!(matches!(decode_header([0, 0, 0, 3]), Err(FrameError::TooShort(3))));
    }

    #[tokio::test]
    async fn read_write_round_trip_and_limits() {
        let mut wire = Vec::new();
        write_frame(&mut wire, b"<epp/>").await.expect("write");
        write_frame(&mut wire, &[b'x'; 100]).await.expect("write");
        wire.extend_from_slice(&[0, 0]);
        let mut r = &wire[..];
        assert_eq!(read_frame(&mut r, 64).await.expect("first"), b"<epp/>");
        assert!(matches!(
            read_frame(&mut r, 64).await,
            Err(FrameError::TooLarge { len: 100, max: 64 })
        ));
        discard(&mut r, 100).await.expect("discard");
        assert!(matches!(read_frame(&mut r, 64).await, Err(FrameError::Truncated)));
        assert!(matches!(read_frame(&mut r, 64).await, Err(FrameError::Closed)));
    }
}
