//! Browser tests of the web components, run in headless Chromium by wasm-bindgen-test.
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn fresh_container() -> web_sys::HtmlElement {
    let document = document();
    let container = document
        .create_element("div")
        .expect("a div can be created")
        .unchecked_into::<web_sys::HtmlElement>();
    document
        .body()
        .expect("the test page has a body")
        .append_child(&container)
        .expect("the div can be attached");
    container
}

#[wasm_bindgen_test]
fn app_shows_title_and_privacy_promise() {
    let container = fresh_container();
    let _handle = leptos::mount::mount_to(container.clone(), leadpack::ui::App);
    let text = container.text_content().unwrap_or_default();
    assert!(text.contains("Leadpack"), "title missing from: {text}");
    assert!(
        text.contains("never uploaded"),
        "privacy promise missing from: {text}"
    );
}

#[wasm_bindgen_test]
fn load_step_has_a_labelled_file_picker() {
    let container = fresh_container();
    let _handle = leptos::mount::mount_to(container.clone(), leadpack::ui::LoadStep);
    let input = container
        .query_selector("input[type=file]")
        .expect("the selector is valid")
        .expect("the picker is there");
    assert!(input.has_attribute("multiple"));
    let label = container
        .query_selector(&format!("label[for={}]", input.id()))
        .expect("the selector is valid")
        .expect("the picker has a visible label");
    assert_eq!(label.text_content().as_deref(), Some("Choose CSV files"));
    // Nothing is listed before a file is chosen.
    assert!(
        container
            .query_selector("[data-testid=file-list]")
            .unwrap()
            .is_none()
    );
}
