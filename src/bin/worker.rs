//! The web worker's entry point: reads, checks and packs files off the page's thread.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    leadpack_web::worker::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("The Leadpack worker runs in a browser; it is built by trunk with the web app.");
    std::process::exit(2);
}
