//! Binding one address for both transports (RFC 7766 §5: a server answers over UDP and TCP
//! on the same address and port).

use std::net::{SocketAddr, UdpSocket};

use tokio::net::TcpListener;

use crate::{tcp, udp, ServerError};

/// How many times a port picked for UDP (port 0) is given up and another picked, when TCP
/// cannot have the same port: an outgoing TCP connection of another program may hold it.
const PICK_ATTEMPTS: usize = 8;

/// Binds `workers` UDP sockets and a TCP listener on `addr` (the listener inside `runtime`).
/// With port 0 the first UDP socket picks the port and the rest, and TCP, join it; when TCP
/// finds that port taken, the pick is made again. Returns the sockets and the address bound.
pub(crate) fn bind(
    addr: SocketAddr,
    workers: usize,
    runtime: &tokio::runtime::Runtime,
) -> Result<(Vec<UdpSocket>, TcpListener, SocketAddr), ServerError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let sockets = udp::bind(addr, workers)?;
        let bound = sockets.first().and_then(|s| s.local_addr().ok()).unwrap_or(addr);
        let listener = {
            let _guard = runtime.enter();
            tcp::bind(bound)
        };
        match listener {
            Ok(listener) => return Ok((sockets, listener, bound)),
            Err(ServerError::Bind { source, .. })
                if addr.port() == 0 && attempt < PICK_ATTEMPTS && source.kind() == std::io::ErrorKind::AddrInUse => {}
            Err(e) => return Err(e),
        }
    }
}
