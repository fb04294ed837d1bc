//! Corrections beside the review grid: find and replace, with how many cells it would change
//! before it is done; and the whole-row editor, where a row that does not fit its header (a
//! value too many, a value missing, a quote never closed) is laid against the header and made
//! to fit, and where a row is taken out of the import or put back.

use leptos::prelude::*;

use super::client;
use super::state::AppState;
use crate::protocol::{GridRow, Reply, Request};
use leadpack_engine::{Replacement, Rule};

/// Find and replace in the current file, in one column or in every column.
#[component]
pub fn FindReplace(
    /// The columns a replacement may be limited to: (index in the file, name).
    columns: Signal<Vec<(usize, String)>>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let find = RwSignal::new(String::new());
    let with = RwSignal::new(String::new());
    let column = RwSignal::new(None::<usize>);
    let match_case = RwSignal::new(false);
    // What the preview said, for the replacement it was made for.
    let preview = RwSignal::new(None::<(Replacement, String)>);
    let replacement = move || Replacement {
        column: column.get(),
        find: find.get(),
        with: with.get(),
        match_case: match_case.get(),
    };
    let count = move |_| {
        let Some(id) = state.current().map(|f| f.id) else {
            return;
        };
        let wanted = replacement();
        if wanted.find.is_empty() {
            preview.set(Some((wanted, "Type the text to find first.".into())));
            return;
        }
        preview.set(Some((wanted.clone(), "Counting…".into())));
        let job = client::next_job();
        let request = Request::CountReplace {
            job,
            file_id: id,
            replacement: wanted.clone(),
        };
        client::send(
            job,
            &request,
            None,
            Some(Box::new(move |reply, _| {
                let said = match reply {
                    Reply::ReplaceCount {
                        cells, rows, more, ..
                    } => match (*cells, *more) {
                        (0, _) => "No cell would change.".to_string(),
                        (1, _) => "1 cell would change.".to_string(),
                        (cells, false) => format!("{cells} cells in {rows} rows would change."),
                        (cells, true) => format!(
                            "At least {cells} cells in {rows} rows would change (counted on the first rows that hold the text)."
                        ),
                    },
                    Reply::Failed { message, .. } => message.clone(),
                    _ => return,
                };
                preview.set(Some((wanted.clone(), said)));
            })),
        );
    };
    let replace_all = move |_| {
        let Some(id) = state.current().map(|f| f.id) else {
            return;
        };
        let wanted = replacement();
        if wanted.find.is_empty() {
            return;
        }
        state.add_replacement(id, wanted);
        preview.set(None);
    };
    view! {
        <details class="find-replace">
            <summary>"Find and replace"</summary>
            <div class="find-replace-fields">
                <label class="field">
                    <span>"Find"</span>
                    <input type="text" data-testid="replace-find"
                        prop:value=move || find.get()
                        on:input=move |ev| find.set(event_target_value(&ev))/>
                </label>
                <label class="field">
                    <span>"Replace with"</span>
                    <input type="text" data-testid="replace-with"
                        prop:value=move || with.get()
                        on:input=move |ev| with.set(event_target_value(&ev))/>
                </label>
                <label class="field">
                    <span>"In"</span>
                    <select data-testid="replace-column" on:change=move |ev| {
                        column.set(event_target_value(&ev).parse().ok());
                    }>
                        <option value="">"Every column"</option>
                        {move || columns.get().into_iter().map(|(index, name)| view! {
                            <option value=index.to_string() selected=move || column.get() == Some(index)>{name}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="check inline">
                    <input type="checkbox" data-testid="replace-case"
                        prop:checked=move || match_case.get()
                        on:change=move |ev| match_case.set(event_target_checked(&ev))/>
                    " Match upper and lower case"
                </label>
            </div>
            <div class="actions">
                <button class="button secondary" type="button" data-testid="replace-count" on:click=count>
                    "Count the changes"
                </button>
                <button class="button" type="button" data-testid="replace-all"
                    disabled=move || find.with(String::is_empty)
                    on:click=replace_all>"Replace all"</button>
            </div>
            <p class="note" data-testid="replace-preview" aria-live="polite">
                {move || preview.with(|preview| match preview {
                    // A count made for other words says nothing of these.
                    Some((made_for, said)) if *made_for == replacement() => said.clone(),
                    _ => String::new(),
                })}
            </p>
        </details>
    }
}

/// A change to the values of the row being edited.
type ValuesChange = Box<dyn FnOnce(&mut Vec<String>)>;

/// How a value is written in a row of the file: quoted when it holds the delimiter, a quote or
/// a line break.
fn as_written(value: &str, delimiter: &str) -> String {
    if value.contains(delimiter) || value.contains(['"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// The whole row that has focus in the grid: laid against the header, made to fit, taken out or
/// put back.
#[component]
pub fn RowEditor(
    /// The row that has focus, as the grid shows it.
    row: Signal<Option<GridRow>>,
    /// The file's header: every column's name, in file order.
    headers: Signal<Vec<String>>,
    /// The file's delimiter.
    delimiter: Signal<String>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    // The values being edited, once the editor is open.
    let draft = RwSignal::new(None::<(u64, Vec<String>)>);
    let deleted = move |number: u64| {
        state
            .current()
            .is_some_and(|file| file.edits.deleted.contains(&number))
    };
    move || {
        let row = row.get()?;
        let number = row.row;
        let broken = row
            .findings
            .iter()
            .any(|finding| finding.rule == Rule::MalformedRow);
        let is_deleted = deleted(number) || row.deleted;
        let id = state.current()?.id;
        let open = draft.with(|draft| draft.as_ref().is_some_and(|(at, _)| *at == number));
        let toggle = view! {
            <button class="button secondary" type="button" data-testid="delete-row"
                on:click=move |_| {
                    draft.set(None);
                    state.set_deleted(id, number, !is_deleted);
                }>
                {if is_deleted { format!("Put row {number} back") } else { format!("Take row {number} out of the import") }}
            </button>
        };
        let status = if is_deleted {
            format!(
                "Row {number} is taken out: it goes into no package and the change log lists it."
            )
        } else if broken {
            format!("Row {number} does not fit the header.")
        } else {
            String::new()
        };
        let editor = open.then(|| {
            let columns = headers.get().len();
            let values = move || draft.with(|d| d.as_ref().map(|(_, v)| v.clone()).unwrap_or_default());
            let fit = move || {
                let count = values().len();
                match count.cmp(&columns) {
                    std::cmp::Ordering::Equal => format!("{count} values for {columns} columns: the row fits."),
                    std::cmp::Ordering::Greater => format!(
                        "{count} values for {columns} columns: {} too many. Join a value with the next one, or remove one.",
                        count - columns
                    ),
                    std::cmp::Ordering::Less => format!(
                        "{count} values for {columns} columns: {} missing. Add a value.",
                        columns - count
                    ),
                }
            };
            let edit = move |change: ValuesChange| {
                draft.update(|d| {
                    if let Some((_, values)) = d.as_mut() {
                        change(values);
                    }
                });
            };
            let fields = move || {
                let headers = headers.get();
                let delimiter = delimiter.get();
                values()
                    .into_iter()
                    .enumerate()
                    .map(|(at, value)| {
                        let label = headers
                            .get(at)
                            .cloned()
                            .unwrap_or_else(|| format!("Extra value {}", at + 1 - headers.len()));
                        let delimiter = delimiter.clone();
                        view! {
                            <li class="row-value">
                                <label class="field">
                                    <span>{label}</span>
                                    <input type="text" data-testid="row-value" prop:value=value
                                        on:change=move |ev| {
                                            let text = event_target_value(&ev);
                                            edit(Box::new(move |values| values[at] = text));
                                        }/>
                                </label>
                                <button class="link" type="button" data-testid="join-next"
                                    on:click=move |_| {
                                        let delimiter = delimiter.clone();
                                        edit(Box::new(move |values| {
                                            if at + 1 < values.len() {
                                                let next = values.remove(at + 1);
                                                values[at] = format!("{}{delimiter}{next}", values[at]);
                                            }
                                        }));
                                    }>"Join with the next value"</button>
                                <button class="link" type="button" data-testid="remove-value"
                                    on:click=move |_| edit(Box::new(move |values| { values.remove(at); }))>
                                    "Remove"
                                </button>
                            </li>
                        }
                    })
                    .collect_view()
            };
            view! {
                <div class="row-editor" role="group" aria-label=format!("Row {number}, value by value")>
                    <ol class="row-values">{fields}</ol>
                    <p class="note" data-testid="row-fit" aria-live="polite">{fit}</p>
                    <div class="actions">
                        <button class="button secondary" type="button"
                            on:click=move |_| edit(Box::new(|values| values.push(String::new())))>"Add a value"</button>
                        <button class="button" type="button" data-testid="save-row"
                            on:click=move |_| {
                                if let Some((at, values)) = draft.get_untracked() {
                                    state.rewrite_row(id, at, values);
                                }
                                draft.set(None);
                            }>"Save the row"</button>
                        <button class="link" type="button" on:click=move |_| draft.set(None)>"Cancel"</button>
                    </div>
                </div>
            }
        });
        let written = row
            .values
            .iter()
            .map(|value| as_written(value, &delimiter.get()))
            .collect::<Vec<_>>()
            .join(&delimiter.get());
        let values = row.values.clone();
        Some(view! {
            <div class="row-tools" data-testid="row-tools">
                <p class="note">{status}</p>
                <p class="row-raw">
                    <span>{format!("Row {number} as read: ")}</span>
                    <code data-testid="row-raw">{written}</code>
                </p>
                <div class="actions">
                    <Show when=move || !open && !is_deleted>
                        <button class="button secondary" type="button" data-testid="edit-row"
                            on:click={
                                let values = values.clone();
                                move |_| draft.set(Some((number, values.clone())))
                            }>
                            {format!("Edit row {number} value by value")}
                        </button>
                    </Show>
                    {toggle}
                </div>
                {editor}
            </div>
        })
    }
}
