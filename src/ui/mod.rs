//! The web app's Leptos components. This is the only code that touches the DOM.

mod load;

use leptos::prelude::*;

pub use load::LoadStep;

/// The whole page: the header, then the steps of the flow.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <header class="page-header">
            <h1 data-testid="title">"Leadpack"</h1>
            <p class="tagline">
                "Check your lead files and build NexJ CRM import packages. "
                "Your files are read on this computer and never uploaded."
            </p>
        </header>
        <main class="page">
            <LoadStep/>
        </main>
    }
}
