//! The web app's entry point: installs the panic hook and mounts the page.

#[cfg(target_arch = "wasm32")]
fn main() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        leadpack_web::ui::show_fatal_error();
    }));
    leptos::mount::mount_to_body(leadpack_web::ui::App);
    leadpack_web::ui::register_offline_worker();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "The Leadpack web app runs in a browser: build it with `trunk build` or run scripts/serve."
    );
    std::process::exit(2);
}
