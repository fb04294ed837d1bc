//! The `leadpack` command-line tool: parses arguments, calls the engine, maps errors to exit codes.

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use clap::Parser;

    /// Checks lead files and builds NexJ CRM import packages.
    #[derive(Debug, Parser)]
    #[command(name = "leadpack", version, about)]
    pub struct Cli {}

    pub fn run() -> i32 {
        match Cli::try_parse() {
            Ok(_) => 0,
            Err(err) => {
                let code = if err.use_stderr() { 2 } else { 0 };
                let _ = err.print();
                code
            }
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    std::process::exit(cli::run());
}

// The command-line tool is native only; the wasm build has nothing to run here.
#[cfg(target_arch = "wasm32")]
fn main() {}
