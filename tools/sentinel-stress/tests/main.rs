//! sentinel-stress's integration tests, one binary with a module per area: real servers on
//! 127.0.0.1 (the sample service, the edge-case server, TLS), the JSON schema.

mod engines;
mod http2;
mod https;
mod schema;
// The load engine's tests, once per engine: the same file on purpose (each copy reads its
// engine from its module name).
#[path = "stress.rs"]
mod stress_on_io_uring;
#[allow(clippy::duplicate_mod)]
#[path = "stress.rs"]
mod stress_on_mio;
