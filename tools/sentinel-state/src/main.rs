fn main() -> std::process::ExitCode {
    sentinel_core::run_main("sentinel-state", sentinel_state::run)
}
