fn main() -> std::process::ExitCode {
    sweep::cli::main()
}
