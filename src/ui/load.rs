//! Step 1, loading files: the drop zone, the picker, and each file with its detected encoding
//! and delimiter (both can be changed, and the file is checked again at once).

use leptos::ev::{DragEvent, Event};
use leptos::prelude::*;
use web_sys::{File, FileList, HtmlInputElement};

use super::Progress;
use super::keep;
use super::state::{AppState, CheckStatus, LoadedFile, Step};
use crate::protocol::ReadSettings;
use leadpack_engine::format_size;

/// The encodings offered: (label, what people call it). The report's notes name them so.
const ENCODINGS: [(&str, &str); 7] = [
    ("utf-8", "UTF-8"),
    ("windows-1252", "Windows-1252 (Excel, Western)"),
    ("iso-8859-1", "ISO-8859-1 (Latin-1)"),
    ("iso-8859-15", "ISO-8859-15 (Latin-9)"),
    ("macintosh", "Mac Roman (older Mac programs)"),
    ("utf-16le", "UTF-16 LE"),
    ("utf-16be", "UTF-16 BE"),
];

/// The delimiters offered: (value, name).
const DELIMITERS: [(&str, &str); 4] = [
    (",", "Comma ,"),
    (";", "Semicolon ;"),
    ("\\t", "Tab"),
    ("|", "Bar |"),
];

fn files_of(list: Option<FileList>) -> Vec<File> {
    let Some(list) = list else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|index| list.get(index))
        .collect()
}

/// The drop zone with its "Choose files" picker, and the files chosen so far.
#[component]
pub fn LoadStep() -> impl IntoView {
    let state = use_context::<AppState>().unwrap_or_else(AppState::provide);
    let (dragging, set_dragging) = signal(false);

    let on_pick = move |ev: Event| {
        let input = event_target::<HtmlInputElement>(&ev);
        state.add_files(files_of(input.files()));
        // The same file can be chosen again after a change.
        input.set_value("");
    };
    let on_drop = move |ev: DragEvent| {
        ev.prevent_default();
        set_dragging.set(false);
        state.add_files(files_of(
            ev.data_transfer().and_then(|transfer| transfer.files()),
        ));
    };
    let any_checked = move || {
        state
            .files
            .with(|files| files.iter().any(|f| f.checked().is_some()))
    };

    view! {
        <section class="step" aria-labelledby="load-heading">
            <h2 id="load-heading">"1. Choose your lead files"</h2>
            <KeptWork/>
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
                <p>"Drop CSV files or workbooks (Excel .xlsx, .xls, OpenDocument .ods), or an import package to check it again, here, or"</p>
                <label class="button" for="file-input">"Choose files"</label>
                <input
                    id="file-input"
                    class="visually-hidden"
                    type="file"
                    accept=".csv,.txt,.zip,.xlsx,.xlsm,.xlsb,.xls,.ods,text/csv,application/zip"
                    multiple
                    data-testid="file-input"
                    on:change=on_pick
                />
            </div>
            <Show when=move || !state.files.read().is_empty()>
                <ul class="file-list" data-testid="file-list" aria-label="Chosen files">
                    {move || {
                        state.files.get().into_iter().map(|file| view! { <FileRow file=file/> }).collect_view()
                    }}
                </ul>
            </Show>
            <Show when=move || state.files.with(|files| files.len() >= 2)>
                <fieldset class="choice" data-testid="import-choice">
                    <legend>"How should these files reach the CRM?"</legend>
                    <label class="check">
                        <input type="radio" name="import-choice" data-testid="per-file"
                            prop:checked=move || !state.together.get()
                            on:change=move |_| state.set_together(false)/>
                        " One import per file: each file is checked alone and gets its own packages"
                    </label>
                    <label class="check">
                        <input type="radio" name="import-choice" data-testid="together"
                            prop:checked=move || state.together.get()
                            on:change=move |_| state.set_together(true)/>
                        " One import for all files, as an export of several tables: the files are checked together (an ID or a lead repeated in another file is reported) and share packages"
                    </label>
                </fieldset>
            </Show>
            <Show when=any_checked>
                <div class="actions">
                    <button class="button" data-testid="to-map" on:click=move |_| state.step.set(Step::Map)>
                        "Next: map columns"
                    </button>
                </div>
            </Show>
            <label class="check keeping">
                <input type="checkbox" data-testid="keep-work"
                    prop:checked=move || state.keeping.get()
                    on:change=move |ev| keep::set_keeping(state, event_target_checked(&ev))/>
                " Keep my files, mappings and corrections in this browser until I discard them, "
                "so that a reload or my next visit can bring them back (they stay on this computer and are never uploaded)"
            </label>
        </section>
    }
}

/// The work kept from an earlier visit, offered back: restore it or discard it.
#[component]
fn KeptWork() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        let names = state.kept.get()?;
        let count = names.len();
        let listed = names.join(", ");
        Some(view! {
            <div class="kept" role="region" aria-label="Work kept from your last visit" data-testid="kept-work">
                <p>
                    {if count == 1 {
                        format!("Your work from your last visit is kept in this browser: 1 file ({listed}), with how it is read, its mapping and its corrections.")
                    } else {
                        format!("Your work from your last visit is kept in this browser: {count} files ({listed}), with how each is read, its mapping and its corrections.")
                    }}
                </p>
                <p class="note">
                    "It is kept in this browser's storage for this site, on this computer only. Leadpack never uploads it."
                </p>
                <div class="actions">
                    <button class="button" type="button" data-testid="restore-work"
                        on:click=move |_| keep::restore(state)>"Restore it"</button>
                    <button class="button secondary" type="button" data-testid="discard-work"
                        on:click=move |_| keep::discard(state)>"Discard it"</button>
                </div>
            </div>
        })
    }
}

/// One chosen file: name, size, how it is read (changeable), and where its check is.
#[component]
fn FileRow(file: LoadedFile) -> impl IntoView {
    let state = expect_context::<AppState>();
    let id = file.id;
    let detected = file
        .checked()
        .map(|c| (c.report.encoding.clone(), c.report.delimiter.clone()));
    let encoding_now = file
        .settings
        .encoding
        .clone()
        .or_else(|| detected.as_ref().map(|d| d.0.clone()))
        .unwrap_or_default();
    let delimiter_now = file
        .settings
        .delimiter
        .clone()
        .or_else(|| detected.as_ref().map(|d| d.1.clone()))
        .unwrap_or_default();
    let reading = file.workbook.as_ref().is_some_and(|book| book.reading);
    let status = match &file.status {
        CheckStatus::Checking { job, done, total } => {
            let job = *job;
            view! {
                <div class="file-status">
                    // One import: a file waits for the files before it.
                    {if reading {
                        // How far the reader is cannot be told: the bar moves without a figure.
                        view! {
                            <div class="progress" data-testid="progress">
                                <progress aria-label="Reading the workbook"></progress>
                                <span data-testid="reading-workbook">"Reading the workbook…"</span>
                            </div>
                        }
                        .into_any()
                    } else {
                        view! {
                            <Progress label=if job == 0 { "Waiting for the files before it" } else { "Checking" } done=*done total=*total/>
                        }
                        .into_any()
                    }}
                    {(!reading).then(|| view! {
                        <button class="link" data-testid="cancel-check" on:click=move |_| state.cancel(job)>"Cancel"</button>
                    })}
                </div>
            }
            .into_any()
        }
        CheckStatus::Checked(checked) => {
            let summary = &checked.report.summary;
            view! {
                <p class="file-status ok" data-testid="file-summary">
                    {format!(
                        "{} {}: {} ready, {} with errors",
                        summary.records,
                        if summary.records == 1 { "lead" } else { "leads" },
                        summary.ready,
                        summary.with_errors
                    )}
                </p>
                <Notes notes=checked.report.notes.clone()/>
            }
            .into_any()
        }
        CheckStatus::Failed(message) => {
            // A package that could not be opened has nothing to check again.
            let retry = (!file.package).then(|| {
                view! { <button class="link" data-testid="check-again" on:click=move |_| state.check(id)>"Check again"</button> }
            });
            view! {
                <div class="file-status failed" role="alert">
                    <p data-testid="file-error">{message.clone()}</p>
                    {retry}
                </div>
            }
            .into_any()
        }
    };
    // A workbook's sheet: another can be chosen when there are several.
    let sheet_choice =
        file.workbook
            .as_ref()
            .filter(|book| book.sheets.len() > 1)
            .map(|book| {
                let select_id = format!("sheet-select-{id}");
                let current = book.sheet.clone();
                let options = book
            .sheets
            .iter()
            .map(|(name, hidden)| {
                let label = if *hidden { format!("{name} (hidden)") } else { name.clone() };
                view! { <option value=name.clone() selected=*name == current>{label}</option> }
            })
            .collect_view();
                view! {
                    <div class="file-settings">
                        <label for=select_id.clone()>"Sheet"</label>
                        <select id=select_id data-testid="sheet-select" on:change=move |ev| {
                            state.choose_sheet(id, event_target_value(&ev));
                        }>
                            {options}
                        </select>
                    </div>
                }
            });
    let workbook_notes = file
        .workbook
        .as_ref()
        .filter(|book| !book.reading)
        .map(|book| view! { <Notes notes=book.notes()/> });
    // How an import package is read comes from its own fileMappings.xml; a workbook's sheet is
    // read as it is.
    let settings = (!file.package && file.workbook.is_none()).then(|| {
        view! {
            <div class="file-settings">
                <SettingSelect id=id label="Encoding" testid="encoding-select" choices=&ENCODINGS
                    current=encoding_now set=|settings, value| settings.encoding = Some(value)/>
                <SettingSelect id=id label="Delimiter" testid="delimiter-select" choices=&DELIMITERS
                    current=delimiter_now set=|settings, value| settings.delimiter = Some(value)/>
            </div>
        }
    });
    view! {
        <li class="file-row" data-testid="file-row">
            <div class="file-head">
                <span class="file-name">{file.name.clone()}</span>
                <span class="file-size">{format_size(file.size)}</span>
                <button
                    class="link"
                    aria-label=format!("Remove {}", file.name)
                    on:click=move |_| state.remove(id)
                >
                    "Remove"
                </button>
            </div>
            {settings}
            {sheet_choice}
            {workbook_notes}
            {status}
        </li>
    }
}

/// What the check says about the file as a whole (how it was read, what it lacks).
#[component]
pub fn Notes(
    /// The report's notes.
    notes: Vec<String>,
) -> impl IntoView {
    (!notes.is_empty()).then(|| {
        view! {
            <ul class="notes" data-testid="file-notes">
                {notes.into_iter().map(|note| view! { <li data-testid="file-note">{note}</li> }).collect_view()}
            </ul>
        }
    })
}

/// How a file is read, as a labelled list; a change checks the file again at once.
#[component]
fn SettingSelect(
    /// The file.
    id: u32,
    /// The visible label.
    label: &'static str,
    /// The test hook.
    testid: &'static str,
    /// The choices: (value, name).
    choices: &'static [(&'static str, &'static str)],
    /// The value in use.
    current: String,
    /// Sets the value in the file's settings.
    set: fn(&mut ReadSettings, String),
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let select_id = format!("{testid}-{id}");
    view! {
        <label for=select_id.clone()>{label}</label>
        <select
            id=select_id
            data-testid=testid
            on:change=move |ev| {
                let value = event_target_value(&ev);
                // Other bytes give other headers: the mapping is suggested anew.
                state.update_file(id, |f| {
                    set(&mut f.settings, value);
                    f.template = None;
                });
                state.check(id);
            }
        >
            {choices
                .iter()
                .map(|(value, name)| view! { <option value=*value selected=current == *value>{*name}</option> })
                .collect_view()}
        </select>
    }
}
