fn main() -> std::process::ExitCode {
    sentinel_core::run_main("sentinel-branch", sentinel_branch::run)
}
