//! `banyan-resolver`: the iterative resolver as a state machine with no sockets inside, and
//! its caches.
//!
//! What it holds:
//! - [`query`]: a client's query, read and checked without allocating.
//! - [`cache`]: RRsets and negative answers with their TTLs and trust (RFC 2181 §5.4.1,
//!   RFC 2308, RFC 8767 serve-stale), sharded, bounded in memory.
//! - [`answer_cache`]: whole replies keyed by question, for the allocation-free cache-hit path.
//! - [`hints`]: root hints, built in or from a file.
//! - [`local`]: special-use names answered locally (RFC 6761, RFC 6303).
//! - [`ecs`]: EDNS Client Subnet (RFC 7871) when configured, and the per-scope cache of
//!   tailored answers.
//! - [`histogram`]: latency histograms (relaxed atomics) for the counters and the servers.
//! - [`infra`]: what is known of each upstream address (smoothed RTT) and server choice.
//!
//! What it does not do: open sockets, read clocks or spawn threads. The caller
//! (`banyan-server`) sends the queries the state machine asks for and feeds back the replies.

pub mod aggressive;
pub mod answer;
pub mod answer_cache;
pub mod cache;
pub mod ecs;
pub mod hints;
pub mod histogram;
pub mod infra;
pub mod local;
pub mod query;
pub mod rpz;
pub mod rrset;
mod sieve;

pub use answer::Answer;
pub use answer_cache::{AnswerCache, AnswerCacheStats, CacheReply};
pub use cache::{Cache, CacheConfig, CacheStats, Cached, Negative};
pub use ecs::{EcsCache, EcsConfig};
pub use hints::RootHints;
pub use infra::Infra;
pub use local::LocalZones;
pub use query::{ClientQuery, Rejection};
pub use rrset::{RRset, Security, Trust};
pub mod reply;
pub mod resolution;
pub mod resolver;
pub mod trace;
pub mod validate;

pub use resolution::{Outgoing, Resolution, Step, Verdict};
pub use resolver::{write_reply, Configured, Counters, ForwardZone, Resolver, ResolverConfig, StubZone, Transport};
pub use validate::TrustAnchors;
