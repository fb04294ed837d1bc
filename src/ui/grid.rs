//! The review grid: every row of the file as a spreadsheet shows it, each column under its lead
//! field's name, the cells with findings marked by colour and icon. Only the rows in view are in
//! the page; the worker reads them from the file as they scroll in, so a file of a million
//! leads scrolls as smoothly as one of ten.
//!
//! It follows the WAI-ARIA grid pattern: one cell takes focus (Tab reaches it); the arrow keys,
//! Page Up/Down and Home/End (with Ctrl: the first and last row) move it; Enter or F2 edits the
//! cell, and so does typing; in the editor, Enter saves and moves down, Tab saves and moves on,
//! Escape cancels. Ctrl+Z and Ctrl+Y undo and redo the corrections.

use std::collections::{BTreeMap, HashSet};

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::client;
use super::corrections::{FindReplace, RowEditor};
use super::state::AppState;
use crate::protocol::{FieldFilter, GridRow, Reply, Request, RowsFilter};
use crate::scroll::{MAX_SCROLL, ROW_HEIGHT, VIEW_ROWS, first_row, top_for};
use leadpack_engine::{Field, Finding, Rule, Severity, Target};

/// Rows asked for at once.
const BLOCK: u64 = 100;
/// A column the grid shows.
#[derive(Debug, Clone, PartialEq)]
struct Column {
    /// Its index in the file.
    index: usize,
    /// The lead field it is imported as, if any.
    field: Option<Field>,
    /// What the grid calls it: the lead field's name, else the file's.
    title: String,
    /// The file's name for it, when it differs from the title.
    header: Option<String>,
}

/// The rows the grid holds, and what they were asked for.
#[derive(Debug, Clone, Default, PartialEq)]
struct Rows {
    /// The file, its check and the filter the rows are for.
    key: Option<(u32, u32, RowsFilter)>,
    /// How many rows the filter keeps (`None` until the worker says).
    total: Option<u64>,
    /// The rows, by their place among the rows the filter keeps.
    rows: BTreeMap<u64, GridRow>,
    /// A search stopped at its limit.
    more: bool,
}

/// The columns of the current file the grid shows: those the package holds.
fn columns(state: AppState) -> Vec<Column> {
    let Some(file) = state.current() else {
        return Vec::new();
    };
    let Some(checked) = file.shown() else {
        return Vec::new();
    };
    let headers: Vec<String> = checked
        .report
        .columns
        .iter()
        .map(|c| c.column.header.trim().to_string())
        .collect();
    let targets = file
        .template
        .as_ref()
        .map(|template| template.targets(&headers))
        .unwrap_or_default();
    checked
        .report
        .columns
        .iter()
        .enumerate()
        .filter(|(index, _)| !matches!(targets.get(*index), Some(Target::Skip)))
        .map(|(index, column)| {
            let header = column.column.header.trim().to_string();
            let field = column.column.field;
            let title = field.map_or_else(|| header.clone(), |field| field.title().to_string());
            Column {
                index,
                field,
                header: (title != header && !header.is_empty()).then_some(header),
                title,
            }
        })
        .collect()
}

/// The worst severity among `findings`, if any.
fn worst(findings: &[&Finding]) -> Option<Severity> {
    findings
        .iter()
        .map(|finding| finding.severity)
        .min_by_key(|severity| match severity {
            Severity::Error => 0,
            Severity::Warning => 1,
        })
}

/// The grid.
#[component]
pub fn Grid(
    /// Only rows with findings of this severity.
    severity: ReadSignal<Option<Severity>>,
    /// Only rows with findings of this rule.
    rule: ReadSignal<Option<Rule>>,
    /// Only rows with findings about these fields.
    field: ReadSignal<FieldFilter>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let search = RwSignal::new(String::new());
    let search_draft = RwSignal::new(String::new());
    let jump_draft = RwSignal::new(String::new());
    let top = RwSignal::new(0.0f64);
    let held = RwSignal::new(Rows::default());
    // The focused cell: its place among the rows, and its column among those shown.
    let active = RwSignal::new((0u64, 0usize));
    let editing = RwSignal::new(None::<String>);
    let asked: StoredValue<HashSet<u64>> = StoredValue::new(HashSet::new());
    // Focus follows the active cell only after the grid was used by keyboard or pointer.
    let focus_wanted = StoredValue::new(false);
    let scroller = NodeRef::<leptos::html::Div>::new();
    let shown_columns = Memo::new(move |_| columns(state));
    let source = Memo::new(move |_| {
        state
            .current()
            .filter(|file| file.checked().is_some())
            .map(|file| (file.id, file.version))
    });
    let filter = Memo::new(move |_| RowsFilter {
        severity: severity.get(),
        rule: rule.get(),
        field: field.get(),
        search: Some(search.get()).filter(|text| !text.trim().is_empty()),
    });
    let total = move || held.with(|rows| rows.total.unwrap_or(0));
    let first = Memo::new(move |_| first_row(top.get(), total()));

    // Ask the worker for the rows in view, a block at a time, as they come into view.
    Effect::new(move |_| {
        let Some((file_id, version)) = source.get() else {
            return;
        };
        let key = (file_id, version, filter.get());
        let same_filter = held.with_untracked(|rows| {
            rows.key
                .as_ref()
                .is_some_and(|(id, _, f)| *id == file_id && *f == key.2)
        });
        if held.with_untracked(|rows| rows.key.as_ref() != Some(&key)) {
            asked.update_value(HashSet::clear);
            held.update(|rows| {
                // A new check of the same rows: keep showing them until the new ones come.
                if !same_filter {
                    rows.rows.clear();
                    rows.total = None;
                    rows.more = false;
                }
                rows.key = Some(key.clone());
            });
            if !same_filter {
                top.set(0.0);
                active.set((0, 0));
                if let Some(scroller) = scroller.get_untracked() {
                    scroller.set_scroll_top(0);
                }
            }
        }
        let (first, _) = first.get();
        let from = first / BLOCK;
        let to = (first + VIEW_ROWS) / BLOCK;
        for block in from..=to {
            if asked.with_value(|asked| asked.contains(&block)) {
                continue;
            }
            asked.update_value(|asked| {
                asked.insert(block);
            });
            let job = client::next_job();
            let request = Request::Rows {
                job,
                file_id,
                filter: key.2.clone(),
                offset: block * BLOCK,
                limit: BLOCK,
            };
            let key = key.clone();
            client::send(
                job,
                &request,
                None,
                Some(Box::new(move |reply, _| {
                    let Reply::Rows {
                        total,
                        offset,
                        rows,
                        more,
                        ..
                    } = reply
                    else {
                        return;
                    };
                    held.update(|held| {
                        if held.key.as_ref() != Some(&key) {
                            return;
                        }
                        if held.total != Some(*total) {
                            // The rows beyond the new end are gone.
                            held.rows.retain(|place, _| place < total);
                        }
                        held.total = Some(*total);
                        held.more = *more;
                        for (place, row) in (*offset..).zip(rows.iter()) {
                            held.rows.insert(place, row.clone());
                        }
                    });
                })),
            );
        }
    });

    // The active cell takes focus once the grid is in use, and whenever it moves.
    Effect::new(move |_| {
        let (place, column) = active.get();
        let editing = editing.with(Option::is_some);
        let _ = held.with(|rows| rows.rows.contains_key(&place));
        if !focus_wanted.get_value() {
            return;
        }
        let id = if editing {
            "grid-editor".to_string()
        } else {
            cell_id(place, column)
        };
        // After the rows in view are drawn (the cell may arrive with them).
        request_animation_frame(move || {
            let element = document().get_element_by_id(&id);
            if let Some(element) = element.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
                let _ = element.focus();
            }
        });
    });

    // Moves the active cell, scrolling it into view.
    let move_to = move |place: u64, column: usize| {
        let total = total();
        if total == 0 {
            return;
        }
        let place = place.min(total - 1);
        let columns = shown_columns.with_untracked(Vec::len).max(1);
        let column = column.min(columns - 1);
        focus_wanted.set_value(true);
        active.set((place, column));
        let (first, _) = first.get_untracked();
        let wanted_first = if place < first {
            Some(place)
        } else if place >= first + VIEW_ROWS {
            Some(place + 1 - VIEW_ROWS)
        } else {
            None
        };
        if let Some(wanted_first) = wanted_first {
            let to = top_for(wanted_first, total);
            top.set(to);
            if let Some(scroller) = scroller.get_untracked() {
                scroller.set_scroll_top(to.round() as i32);
            }
        }
    };

    // The file, even while it is checked again (an edit made meanwhile is not lost).
    let file_id = move || state.current().map(|file| file.id);
    // The value shown in a cell: the user's latest correction, else the row's value.
    let value_of = move |row: &GridRow, column: usize| -> String {
        let edited = state.current().and_then(|file| {
            file.edits
                .cells
                .get(&row.row)
                .and_then(|cells| cells.get(&column))
                .cloned()
        });
        edited.unwrap_or_else(|| row.values.get(column).cloned().unwrap_or_default())
    };
    let commit = move |draft: String| {
        let (place, shown) = active.get_untracked();
        editing.set(None);
        let Some(id) = file_id() else { return };
        let Some(column) = shown_columns.with_untracked(|columns| columns.get(shown).cloned())
        else {
            return;
        };
        let Some(row) = held.with_untracked(|rows| rows.rows.get(&place).cloned()) else {
            return;
        };
        if value_of(&row, column.index) != draft {
            state.edit_cell(id, row.row, column.index, draft);
        }
    };
    let commit_empty = move || {
        if held.with_untracked(|rows| rows.rows.contains_key(&active.get_untracked().0)) {
            commit(String::new());
        }
    };
    let start_editing = move |initial: Option<String>| {
        let (place, shown) = active.get_untracked();
        let Some(column) = shown_columns.with_untracked(|columns| columns.get(shown).cloned())
        else {
            return;
        };
        let Some(row) = held.with_untracked(|rows| rows.rows.get(&place).cloned()) else {
            return;
        };
        focus_wanted.set_value(true);
        editing.set(Some(
            initial.unwrap_or_else(|| value_of(&row, column.index)),
        ));
    };

    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        if editing.with_untracked(Option::is_some) {
            return;
        }
        let (place, column) = active.get_untracked();
        let columns = shown_columns.with_untracked(Vec::len);
        let ctrl = ev.ctrl_key() || ev.meta_key();
        let key = ev.key();
        let handled = match key.as_str() {
            "ArrowDown" => {
                move_to(place + 1, column);
                true
            }
            "ArrowUp" => {
                move_to(place.saturating_sub(1), column);
                true
            }
            "ArrowRight" => {
                move_to(place, column + 1);
                true
            }
            "ArrowLeft" => {
                move_to(place, column.saturating_sub(1));
                true
            }
            "PageDown" => {
                move_to(place + VIEW_ROWS, column);
                true
            }
            "PageUp" => {
                move_to(place.saturating_sub(VIEW_ROWS), column);
                true
            }
            "Home" if ctrl => {
                move_to(0, 0);
                true
            }
            "End" if ctrl => {
                move_to(u64::MAX, columns);
                true
            }
            "Home" => {
                move_to(place, 0);
                true
            }
            "End" => {
                move_to(place, columns);
                true
            }
            "Tab" if !ev.shift_key() && column + 1 < columns => {
                move_to(place, column + 1);
                true
            }
            "Tab" if ev.shift_key() && column > 0 => {
                move_to(place, column - 1);
                true
            }
            "Enter" | "F2" => {
                start_editing(None);
                true
            }
            "Delete" | "Backspace" => {
                // As in a spreadsheet: the cell is emptied (Undo brings it back).
                commit_empty();
                true
            }
            _ if !ctrl && !ev.alt_key() && key.chars().count() == 1 => {
                start_editing(Some(key.clone()));
                true
            }
            _ => false,
        };
        if handled {
            ev.prevent_default();
        }
    };

    let on_scroll = move |_| {
        if let Some(scroller) = scroller.get_untracked() {
            top.set(f64::from(scroller.scroll_top()));
        }
    };

    // The finding of the active cell, told in words under the grid (and to screen readers).
    let active_reason = move || {
        let (place, shown) = active.get();
        let column = shown_columns.with(|columns| columns.get(shown).cloned())?;
        held.with(|rows| {
            let row = rows.rows.get(&place)?;
            let reasons: Vec<String> = row
                .findings
                .iter()
                .filter(|finding| finding.field.is_some() && finding.field == column.field)
                .map(|finding| finding.message.clone())
                .collect();
            let whole: Vec<String> = row
                .findings
                .iter()
                .filter(|finding| finding.field.is_none())
                .map(|finding| finding.message.clone())
                .collect();
            let mut said = format!("Row {}, {}: ", row.row, column.title);
            if reasons.is_empty() && whole.is_empty() {
                said.push_str("no finding.");
            } else {
                said.push_str(
                    &reasons
                        .into_iter()
                        .chain(whole)
                        .collect::<Vec<_>>()
                        .join(" "),
                );
            }
            Some(said)
        })
    };

    let header = move || {
        let columns = shown_columns.get();
        let count = columns.len();
        view! {
            <div role="row" class="grid-row grid-head-row" aria-rowindex="1"
                style:grid-template-columns=template_columns(count)>
                <div role="columnheader" class="grid-rownum">"Row"</div>
                {columns
                    .into_iter()
                    .map(|column| view! {
                        <div role="columnheader" class="grid-colhead" title=column.header.clone().unwrap_or_default()>
                            <span>{column.title.clone()}</span>
                            {column.header.clone().map(|header| view! { <span class="grid-colfile">{header}</span> })}
                        </div>
                    })
                    .collect_view()}
            </div>
        }
    };

    let body = move || {
        let columns = shown_columns.get();
        let count = columns.len();
        let (first, _) = first.get();
        let (active_place, active_column) = active.get();
        let last = (first + VIEW_ROWS + 1).min(total());
        let rows = held.with(|rows| {
            (first..last)
                .map(|place| (place, rows.rows.get(&place).cloned()))
                .collect::<Vec<_>>()
        });
        rows.into_iter()
            .map(|(place, row)| {
                let style = template_columns(count);
                let Some(row) = row else {
                    return view! {
                        <div role="row" class="grid-row loading" aria-rowindex=(place + 2).to_string() style:grid-template-columns=style>
                            <div role="rowheader" class="grid-rownum">"…"</div>
                        </div>
                    }
                    .into_any();
                };
                let whole: Vec<&Finding> = row.findings.iter().filter(|f| f.field.is_none()).collect();
                let row_mark = worst(&whole);
                let row_title = whole.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("\n");
                let extra = row.values.len().saturating_sub(
                    columns.iter().map(|c| c.index + 1).max().unwrap_or(0),
                );
                let cells = columns
                    .iter()
                    .enumerate()
                    .map(|(shown, column)| {
                        let findings: Vec<&Finding> = row
                            .findings
                            .iter()
                            .filter(|f| f.field.is_some() && f.field == column.field)
                            .collect();
                        let mark = worst(&findings);
                        let reason = findings.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("\n");
                        let is_active = place == active_place && shown == active_column;
                        let value = value_of(&row, column.index);
                        let edited = value != row.values.get(column.index).cloned().unwrap_or_default();
                        let class = format!(
                            "grid-cell{}{}{}",
                            mark.map_or("", |s| if s == Severity::Error { " cell-error" } else { " cell-warning" }),
                            if is_active { " active" } else { "" },
                            if edited { " edited" } else { "" },
                        );
                        let icon = mark.map(|severity| {
                            let (icon, words) = match severity {
                                Severity::Error => ("✖", "error: "),
                                Severity::Warning => ("▲", "warning: "),
                            };
                            view! {
                                <span class="cell-icon" aria-hidden="true">{icon}</span>
                                <span class="visually-hidden">{words}</span>
                            }
                        });
                        let content = if is_active && editing.with(Option::is_some) {
                            view! {
                                <input id="grid-editor" class="grid-editor" type="text"
                                    aria-label=format!("{} of row {}", column.title, row.row)
                                    data-testid="grid-editor"
                                    prop:value=move || editing.get().unwrap_or_default()
                                    on:input=move |ev| editing.set(Some(event_target_value(&ev)))
                                    on:keydown=move |ev| {
                                        let key = ev.key();
                                        match key.as_str() {
                                            "Enter" => {
                                                ev.prevent_default();
                                                ev.stop_propagation();
                                                commit(event_target_value(&ev));
                                                move_to(active_place + 1, active_column);
                                            }
                                            "Tab" => {
                                                ev.prevent_default();
                                                ev.stop_propagation();
                                                commit(event_target_value(&ev));
                                                let next = if ev.shift_key() {
                                                    active_column.saturating_sub(1)
                                                } else {
                                                    active_column + 1
                                                };
                                                move_to(active_place, next);
                                            }
                                            "Escape" => {
                                                ev.prevent_default();
                                                ev.stop_propagation();
                                                editing.set(None);
                                                focus_wanted.set_value(true);
                                            }
                                            _ => ev.stop_propagation(),
                                        }
                                    }
                                    on:blur=move |ev| {
                                        if editing.with_untracked(Option::is_some) {
                                            commit(event_target_value(&ev));
                                        }
                                    }
                                />
                            }
                            .into_any()
                        } else {
                            view! { {icon}<span class="cell-text">{value}</span> }.into_any()
                        };
                        view! {
                            <div role="gridcell" class=class id=cell_id(place, shown)
                                tabindex=if is_active { "0" } else { "-1" }
                                title=reason
                                aria-selected=is_active.then_some("true")
                                data-testid="grid-cell"
                                on:click=move |_| move_to(place, shown)
                                on:dblclick=move |_| {
                                    move_to(place, shown);
                                    start_editing(None);
                                }
                            >
                                {content}
                            </div>
                        }
                        .into_any()
                    })
                    .collect_view();
                let deleted = row.deleted
                    || state.current().is_some_and(|file| file.edits.deleted.contains(&row.row));
                let row_class = format!(
                    "grid-row{}{}",
                    row_mark.map_or("", |s| if s == Severity::Error { " row-error" } else { " row-warning" }),
                    if deleted { " deleted" } else { "" },
                );
                view! {
                    <div role="row" class=row_class aria-rowindex=(place + 2).to_string() style:grid-template-columns=style
                        data-testid="grid-row" data-row=row.row.to_string()>
                        <div role="rowheader" class="grid-rownum" title=row_title>
                            {row_mark.map(|severity| view! {
                                <span class="cell-icon" aria-hidden="true">
                                    {if severity == Severity::Error { "✖" } else { "▲" }}
                                </span>
                                <span class="visually-hidden">
                                    {if severity == Severity::Error { "row error: " } else { "row warning: " }}
                                </span>
                            })}
                            {row.row}
                            {deleted.then(|| view! { <span class="visually-hidden">" taken out of the import"</span> })}
                            {(extra > 0).then(|| view! { <span class="grid-extra">{format!(" +{extra}")}</span> })}
                        </div>
                        {cells}
                    </div>
                }
                .into_any()
            })
            .collect_view()
    };

    let spacer = move || {
        let height = (total() as f64 * ROW_HEIGHT).min(MAX_SCROLL);
        format!("{height}px")
    };
    let window_style = move || {
        let (_, at) = first.get();
        format!("translateY({at}px)")
    };

    let active_row = Signal::derive(move || {
        let (place, _) = active.get();
        held.with(|rows| rows.rows.get(&place).cloned())
    });
    let headers = Signal::derive(move || {
        state
            .current()
            .and_then(|file| {
                file.shown().map(|checked| {
                    checked
                        .report
                        .columns
                        .iter()
                        .map(|column| column.column.header.clone())
                        .collect()
                })
            })
            .unwrap_or_default()
    });
    let delimiter = Signal::derive(move || {
        state
            .current()
            .and_then(|file| file.shown().map(|checked| checked.report.delimiter.clone()))
            .unwrap_or_else(|| ",".to_string())
    });
    let replace_columns = Signal::derive(move || {
        shown_columns
            .get()
            .into_iter()
            .map(|column| (column.index, column.title))
            .collect::<Vec<_>>()
    });

    view! {
        <FindReplace columns=replace_columns/>
        <div class="grid-tools">
            <form class="grid-search" role="search" on:submit=move |ev| {
                ev.prevent_default();
                search.set(search_draft.get_untracked());
            }>
                <label class="field">
                    <span>"Find a lead (a name, an email, an ID…)"</span>
                    <input type="search" data-testid="grid-search"
                        prop:value=move || search_draft.get()
                        on:input=move |ev| search_draft.set(event_target_value(&ev))/>
                </label>
                <button class="button secondary" type="submit">"Find"</button>
                <Show when=move || search.with(|s| !s.is_empty())>
                    <button class="link" type="button" on:click=move |_| {
                        search_draft.set(String::new());
                        search.set(String::new());
                    }>"Show every row"</button>
                </Show>
            </form>
            <form class="grid-jump" on:submit=move |ev| {
                ev.prevent_default();
                let Ok(wanted) = jump_draft.get_untracked().trim().parse::<u64>() else {
                    return;
                };
                let Some((file_id, _)) = source.get_untracked() else { return };
                let job = client::next_job();
                let request = Request::FindRow { job, file_id, filter: filter.get_untracked(), row: wanted };
                client::send(job, &request, None, Some(Box::new(move |reply, _| {
                    if let Reply::RowFound { place, .. } = reply {
                        move_to(*place, active.get_untracked().1);
                    }
                })));
            }>
                <label class="field">
                    <span>"Go to row"</span>
                    <input type="number" min="1" inputmode="numeric" data-testid="grid-jump"
                        prop:value=move || jump_draft.get()
                        on:input=move |ev| jump_draft.set(event_target_value(&ev))/>
                </label>
                <button class="button secondary" type="submit">"Go"</button>
            </form>
            <div class="grid-undo">
                <button class="button secondary" data-testid="undo"
                    disabled=move || state.current().is_none_or(|f| f.undo.is_empty())
                    on:click=move |_| { if let Some(id) = file_id() { state.undo(id) } }
                    aria-keyshortcuts="Control+Z">"Undo"</button>
                <button class="button secondary" data-testid="redo"
                    disabled=move || state.current().is_none_or(|f| f.redo.is_empty())
                    on:click=move |_| { if let Some(id) = file_id() { state.redo(id) } }
                    aria-keyshortcuts="Control+Y">"Redo"</button>
            </div>
        </div>
        <p class="count" data-testid="grid-count" aria-live="polite">
            {move || held.with(|rows| match rows.total {
                None => "Reading the rows…".to_string(),
                Some(0) if rows.key.as_ref().is_some_and(|k| !k.2.is_every_row()) => "No row matches.".to_string(),
                Some(0) => "The file has no leads.".to_string(),
                Some(1) => "1 row".to_string(),
                Some(total) if rows.more => format!("The first {total} rows that match (refine the search to see others)"),
                Some(total) => format!("{total} rows"),
            })}
        </p>
        <div class="grid-scroll" node_ref=scroller on:scroll=on_scroll>
            <div role="grid" class="grid" data-testid="grid"
                aria-label="Every row of the file"
                aria-rowcount=move || (total() + 1).to_string()
                aria-colcount=move || (shown_columns.with(Vec::len) + 1).to_string()
                aria-describedby="grid-help"
                on:keydown=on_keydown
                on:focusin=move |_| focus_wanted.set_value(true)
            >
                <div role="rowgroup" class="grid-head">{header}</div>
                <div role="rowgroup" class="grid-body" style:height=spacer>
                    <div class="grid-window" style:transform=window_style>{body}</div>
                </div>
            </div>
        </div>
        <p id="grid-help" class="note">
            "Arrow keys move between cells; Enter or F2 edits a cell, Escape cancels; Ctrl+Z undoes, Ctrl+Y redoes. "
            "A cell marked ✖ holds an error, ▲ a warning."
        </p>
        <p class="grid-reason" data-testid="grid-reason" aria-live="polite">{active_reason}</p>
        <RowEditor row=active_row headers=headers delimiter=delimiter/>
    }
}

/// The id of the cell at `place` (among the rows shown) and `column` (among the columns shown).
fn cell_id(place: u64, column: usize) -> String {
    format!("grid-cell-{place}-{column}")
}

/// The grid's columns: the row number, then the values.
fn template_columns(count: usize) -> String {
    format!("5rem repeat({count}, minmax(9rem, 1fr))")
}
