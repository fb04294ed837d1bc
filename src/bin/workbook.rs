//! The workbook reader's entry point: a worker the page starts only when a workbook is chosen.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    leadpack_web::workbook::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "The Leadpack workbook reader runs in a browser; it is built by trunk with the web app."
    );
    std::process::exit(2);
}
