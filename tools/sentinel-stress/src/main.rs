fn main() -> std::process::ExitCode {
    sentinel_core::run_main("sentinel-stress", sentinel_stress::run)
}
