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
    let _handle = leptos::mount::mount_to(container.clone(), leadpack_web::ui::App);
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
    let _handle = leptos::mount::mount_to(container.clone(), leadpack_web::ui::LoadStep);
    let input = container
        .query_selector("input[type=file]")
        .expect("the selector is valid")
        .expect("the picker is there");
    assert!(input.has_attribute("multiple"));
    let label = container
        .query_selector(&format!("label[for={}]", input.id()))
        .expect("the selector is valid")
        .expect("the picker has a visible label");
    assert_eq!(label.text_content().as_deref(), Some("Choose files"));
    // Nothing is listed before a file is chosen.
    assert!(
        container
            .query_selector("[data-testid=file-list]")
            .unwrap()
            .is_none()
    );
}

#[wasm_bindgen_test]
fn the_engine_checks_a_file_in_the_browser_as_it_does_natively() {
    use leadpack_engine::Rule;
    use leadpack_engine::{CheckOptions, check_bytes};
    let bytes = include_bytes!("fixtures/every-defect.csv");
    let report = check_bytes("every-defect.csv", bytes, CheckOptions::default())
        .expect("the fixture is readable");
    assert_eq!(report.summary.records, 18);
    assert_eq!(report.summary.with_errors, 5);
    let rows: Vec<(u64, Rule)> = report.issues.iter().map(|f| (f.row, f.rule)).collect();
    assert!(rows.contains(&(3, Rule::MissingName)), "{rows:?}");
    assert!(rows.contains(&(15, Rule::InvalidPhone)), "{rows:?}");
}

#[wasm_bindgen_test]
fn packages_are_built_in_the_browser() {
    use leadpack_engine::{CheckOptions, ReadOptions, Template, check_bytes, pack_bytes};
    let bytes = include_bytes!("fixtures/clean-utf8.csv");
    let report = check_bytes("clean-utf8.csv", bytes, CheckOptions::default())
        .expect("the fixture is readable");
    let template = Template::suggested(&report);
    let outcome = pack_bytes("clean-utf8.csv", bytes, &template, ReadOptions::default())
        .expect("the fixture packs")
        .outcome;
    assert_eq!(outcome.packaged, 25);
    assert_eq!(outcome.packages.len(), 1);
    assert_eq!(outcome.packages[0].name, "clean-utf8.zip");
    assert!(outcome.packages[0].bytes.starts_with(b"PK\x03\x04"));
}
