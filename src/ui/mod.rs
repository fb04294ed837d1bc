//! The web app's Leptos components, one step a file. This is the only code that touches the DOM.

mod client;
mod columns;
mod corrections;
mod grid;
mod keep;
mod load;
mod map;
mod package;
mod review;
mod state;
mod workbooks;

use leptos::prelude::*;

pub use load::LoadStep;
pub use state::{AppState, Step};

/// The whole page: the header, the steps, and the step shown.
#[component]
pub fn App() -> impl IntoView {
    let state = AppState::provide();
    keep::start(state);
    let banner = state.banner;
    if let Err(message) = client::start(move |message| banner.set(Some(message))) {
        banner.set(Some(message));
    }
    let ready = move || {
        state
            .files
            .with(|files| files.iter().any(|f| f.checked().is_some()))
    };
    view! {
        <header class="page-header">
            <h1 data-testid="title">"Leadpack"</h1>
            <p class="tagline">
                "Check your lead files and build NexJ CRM import packages. "
                "Your files are read on this computer and never uploaded."
            </p>
        </header>
        <Show when=move || banner.get().is_some()>
            <div class="banner" role="alert" data-testid="banner">
                <p>{move || banner.get().unwrap_or_default()}</p>
                <button class="button" on:click=move |_| {
                    if let Some(window) = web_sys::window() {
                        let _ = window.location().reload();
                    }
                }>"Start over"</button>
            </div>
        </Show>
        <nav class="steps" aria-label="Steps">
            {Step::ALL
                .into_iter()
                .map(|step| {
                    let disabled = move || step != Step::Load && !ready();
                    view! {
                        <button
                            class="step-tab"
                            class:current=move || state.step.get() == step
                            aria-current=move || (state.step.get() == step).then_some("step")
                            disabled=disabled
                            data-testid=format!("step-{}", step.title().to_ascii_lowercase().replace(['.', ' '], ""))
                            on:click=move |_| state.step.set(step)
                        >
                            {step.title()}
                        </button>
                    }
                })
                .collect_view()}
        </nav>
        <main class="page">
            {move || match state.step.get() {
                Step::Load => view! { <LoadStep/> }.into_any(),
                Step::Map => view! { <map::MapStep/> }.into_any(),
                Step::Review => view! { <review::ReviewStep/> }.into_any(),
                Step::Package => view! { <package::PackageStep/> }.into_any(),
            }}
        </main>
    }
}

/// Registers the service worker that keeps the app's own files, so Leadpack works without a
/// network after the first visit. Only where the browser offers one (pages over HTTPS or on
/// this computer); a failure leaves the app working online.
pub fn register_offline_worker() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let navigator = window.navigator();
    if !js_sys::Reflect::has(&navigator, &"serviceWorker".into()).unwrap_or(false) {
        return;
    }
    let promise = navigator.service_worker().register("./sw.js");
    leptos::task::spawn_local(async move {
        if wasm_bindgen_futures::JsFuture::from(promise).await.is_err() {
            web_sys::console::warn_1(
                &"Leadpack will need the network next time: its offline copy could not be set up."
                    .into(),
            );
        }
    });
}

/// Shows a message over the page after a fault in the page itself, with a way to start over.
/// Written with plain DOM calls: after a panic the components cannot be trusted.
pub fn show_fatal_error() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(body) = document.body() else {
        return;
    };
    let html = "<div class=\"fatal\" role=\"alert\" data-testid=\"fatal\"><p>Leadpack ran into a problem \
                and stopped. Your files were not changed and nothing was sent anywhere.</p><p><a class=\"button\" \
                href=\"\">Start over</a></p></div>";
    let _ = body.insert_adjacent_html("afterbegin", html);
}

/// A choice of the file the later steps show, when there are several.
#[component]
fn FilePicker() -> impl IntoView {
    let state = expect_context::<AppState>();
    let checked = move || {
        state.files.with(|files| {
            files
                .iter()
                .filter(|f| f.checked().is_some())
                .map(|f| (f.id, f.name.clone()))
                .collect::<Vec<_>>()
        })
    };
    view! {
        <Show when=move || { checked().len() > 1 }>
            <label class="field">
                <span>"File"</span>
                <select
                    data-testid="file-select"
                    on:change=move |ev| {
                        if let Ok(id) = event_target_value(&ev).parse() {
                            state.selected.set(Some(id));
                        }
                    }
                >
                    {move || {
                        let current = state.current().map(|f| f.id);
                        checked()
                            .into_iter()
                            .map(|(id, name)| {
                                view! { <option value=id.to_string() selected=current == Some(id)>{name}</option> }
                            })
                            .collect_view()
                    }}
                </select>
            </label>
        </Show>
    }
}

/// A progress bar with its label.
#[component]
fn Progress(
    /// What is going on, e.g. "Checking".
    #[prop(into)]
    label: String,
    /// Bytes done.
    done: u64,
    /// Bytes in all.
    total: u64,
) -> impl IntoView {
    let percent = done
        .saturating_mul(100)
        .checked_div(total)
        .map_or(100, |p| p.min(100));
    view! {
        <div class="progress" data-testid="progress">
            <progress max="100" value=percent.to_string() aria-label=label.clone()></progress>
            <span>{format!("{label}… {percent}%")}</span>
        </div>
    }
}
