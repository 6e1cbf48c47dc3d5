//! sentinel-stress's integration tests, one binary with a module per area: real servers on
//! 127.0.0.1 (the sample service, the edge-case server, TLS), the JSON schema.

mod http2;
mod https;
mod schema;
mod stress;
