fn main() -> std::process::ExitCode {
    sentinel_core::run_main("sentinel-watch", sentinel_watch::run)
}
