//! The web app's entry point: installs the panic hook and mounts the page.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(leadpack::ui::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "The Leadpack web app runs in a browser: build it with `trunk build` or run scripts/serve."
    );
    std::process::exit(2);
}
