//! The `leadpack` command-line tool: parses arguments, reads files, calls the engine, prints,
//! and maps the outcome to an exit code (0 clean, 1 errors found, 2 unusable input or arguments).

#[cfg(not(target_arch = "wasm32"))]
mod cli;

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    std::process::exit(cli::run());
}

// The command-line tool is native only; the wasm build has nothing to run here.
#[cfg(target_arch = "wasm32")]
fn main() {}
