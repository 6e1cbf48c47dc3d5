fn main() -> std::process::ExitCode {
    sentinel_core::run_main("sentinel-notify", sentinel_notify::run)
}
