//! The committed man pages and completions are exactly what the clap definitions generate.

use std::path::Path;

#[test]
fn committed_man_pages_and_completions_are_fresh() {
    let man_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../man");
    let mut stale = Vec::new();
    for (relative, bytes) in sentinel_e2e::docs::render_all().unwrap() {
        if std::fs::read(man_dir.join(&relative)).ok().as_deref() != Some(bytes.as_slice()) {
            stale.push(relative.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "stale in man/: {stale:?}; run `cargo run -p sentinel-e2e --bin sentinel-docs` and commit man/"
    );
}

#[test]
fn the_events_page_lists_every_kind_and_exit_code() {
    let page = sentinel_e2e::docs::events_page();
    for kind in sentinel_core::events::KINDS {
        assert!(
            page.contains(kind.kind),
            "{} missing from sentinel-events.7",
            kind.kind
        );
    }
    assert!(page.contains("130"));
}
