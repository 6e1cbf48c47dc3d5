fn main() -> std::process::ExitCode {
    sentinel_core::run_main("sentinel-trigger", sentinel_trigger::run)
}
