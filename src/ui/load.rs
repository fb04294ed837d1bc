//! Step 1, loading files: the file picker, the drop zone and the list of chosen files.

use leptos::ev::{DragEvent, Event};
use leptos::prelude::*;
use web_sys::{FileList, HtmlInputElement};

use crate::engine::units::format_size;
use crate::protocol::ChosenFile;

/// Describes every file of a browser `FileList`, in the order the user chose them.
fn describe(list: Option<FileList>) -> Vec<ChosenFile> {
    let Some(list) = list else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|index| list.get(index))
        .map(|file| ChosenFile {
            name: file.name(),
            size: file.size() as u64,
        })
        .collect()
}

/// The drop zone with its "Choose CSV files" picker, and the files chosen so far.
#[component]
pub fn LoadStep() -> impl IntoView {
    let (files, set_files) = signal(Vec::<ChosenFile>::new());
    let (dragging, set_dragging) = signal(false);

    let on_pick = move |ev: Event| {
        let input = event_target::<HtmlInputElement>(&ev);
        set_files.set(describe(input.files()));
    };
    let on_drop = move |ev: DragEvent| {
        ev.prevent_default();
        set_dragging.set(false);
        let dropped = ev.data_transfer().and_then(|transfer| transfer.files());
        set_files.set(describe(dropped));
    };

    view! {
        <section class="step" aria-labelledby="load-heading">
            <h2 id="load-heading">"1. Choose your lead files"</h2>
            <div
                class="drop-zone"
                class:dragging=move || dragging.get()
                data-testid="drop-zone"
                on:dragover=move |ev: DragEvent| {
                    ev.prevent_default();
                    set_dragging.set(true);
                }
                on:dragleave=move |_| set_dragging.set(false)
                on:drop=on_drop
            >
                <p>"Drop CSV files here, or"</p>
                <label class="button" for="file-input">"Choose CSV files"</label>
                <input
                    id="file-input"
                    class="visually-hidden"
                    type="file"
                    accept=".csv,.txt,text/csv"
                    multiple
                    data-testid="file-input"
                    on:change=on_pick
                />
            </div>
            <Show when=move || !files.read().is_empty()>
                <ul class="file-list" data-testid="file-list" aria-label="Chosen files">
                    <For
                        each=move || files.get()
                        key=|file| (file.name.clone(), file.size)
                        let(file)
                    >
                        <li>
                            <span class="file-name">{file.name}</span>
                            <span class="file-size">{format_size(file.size)}</span>
                        </li>
                    </For>
                </ul>
            </Show>
        </section>
    }
}
