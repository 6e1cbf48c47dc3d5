//! `sentinel-azblob`: the Azure Blob Storage state backend of `sentinel-state`, for CI runners
//! that share nothing but a storage account. [`backend`] keeps the state, its `.bak` and the
//! journal as blobs with ETag and append-position conditions; [`lease`] is the run lock as a
//! blob lease; [`client`] speaks the Blob REST API with the suite's HTTP client.
//!
//! Why not an SDK: Microsoft's Rust SDK (`azure_storage_blob`) is async only — it would
//! bring a tokio runtime and azure_core's HTTP stack into a synchronous tool — and the older
//! `azure_storage_blobs` is no longer maintained. The few calls needed here (Get, Put,
//! Append Block, Lease, Set Metadata, List, Delete) are plain HTTP, signed with Shared Key
//! (HMAC-SHA256) or carried by a SAS token, over the HTTP client the suite already has.

pub mod backend;
pub mod client;
pub mod lease;

pub use backend::AzBlobBackend;
use sentinel_core::Result;
use sentinel_core::backend::AzBlobLocation;

/// The backend for `location`, with endpoint, credentials and lease length from `env`.
pub fn open(
    location: &AzBlobLocation,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<AzBlobBackend> {
    let client = client::BlobClient::from_env(location, env)?;
    let lease = lease::LeaseSettings::from_env(env)?;
    AzBlobBackend::open(client, lease)
}
