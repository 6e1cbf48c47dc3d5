//! File descriptors: each connection is one. The soft limit is often 1024 (or 256 in some
//! shells) while the hard limit allows far more, so it is raised to the hard limit at start,
//! and a run that still cannot have a descriptor per connection is refused up front instead
//! of reporting the service as failing.

use sentinel_core::{Error, Result};

/// Descriptors kept for everything else: stdio, the poll instances, TLS roots, logs.
const RESERVED: u64 = 64;

/// Raise the soft `RLIMIT_NOFILE` to the hard limit and return the soft limit in force.
pub fn raise_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit with a valid pointer to an rlimit we own.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return u64::MAX;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit.rlim_cur = limit.rlim_max;
            }
        }
    }
    limit.rlim_cur
}

/// Fail with a usage error (exit 2) when `connections` cannot each have a descriptor.
pub fn ensure(connections: usize) -> Result<()> {
    let limit = raise_limit();
    let available = limit.saturating_sub(RESERVED);
    if connections as u64 <= available {
        return Ok(());
    }
    Err(Error::usage_with_hint(
        format!(
            "-c {connections} needs {connections} open connections, but this process may open only {limit} files (the hard limit, ulimit -Hn), {RESERVED} of them kept for other uses"
        ),
        format!(
            "lower -c to at most {available}, or raise the limit (ulimit -n {}; for a service, LimitNOFILE=)",
            connections as u64 + RESERVED
        ),
    ))
}
