//! Step 3, review: summary cards, findings per field, and the findings table (filtered and paged
//! by the worker, so a file with 100,000 findings stays smooth), with the truncation preview.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::FilePicker;
use super::client;
use super::grid::Grid;
use super::load::Notes;
use super::state::{AppState, CheckStatus, Step};
use crate::protocol::{FieldFilter, FindingsQuery, Reply, Request};
use leadpack_engine::{Change, Field, Finding, Fix, Rule, Severity, changes_csv, safe_stem};

/// Findings per page of the table.
const PAGE: u64 = 50;

/// One page of findings, as the worker sent it.
#[derive(Debug, Clone, Default, PartialEq)]
struct Page {
    total: u64,
    items: Vec<Finding>,
}

/// The review step.
#[component]
pub fn ReviewStep() -> impl IntoView {
    let state = expect_context::<AppState>();
    let (severity, set_severity) = signal(None::<Severity>);
    let (rule, set_rule) = signal(None::<Rule>);
    let (field, set_field) = signal(FieldFilter::Any);
    let (offset, set_offset) = signal(0u64);
    let page = RwSignal::new(Page::default());
    // Every row in the grid, or the findings one per line.
    let list = state.review_list;
    let set_list = move |to: bool| list.set(to);

    // Ask the worker for the page whenever the file, its check or the filters change.
    Effect::new(move |_| {
        let Some(file) = state.current() else {
            return;
        };
        if file.checked().is_none() {
            return;
        }
        let query = FindingsQuery {
            severity: severity.get(),
            rule: rule.get(),
            field: field.get(),
            offset: offset.get(),
            limit: PAGE,
        };
        let job = client::next_job();
        let request = Request::Findings {
            job,
            file_id: file.id,
            query,
        };
        client::send(
            job,
            &request,
            None,
            Some(Box::new(move |reply, _| {
                if let Reply::Findings { total, items, .. } = reply {
                    page.set(Page {
                        total: *total,
                        items: items.clone(),
                    });
                }
            })),
        );
    });

    let reset = move || set_offset.set(0);
    view! {
        <section class="step" aria-labelledby="review-heading" on:keydown=move |ev| {
            // Ctrl+Z and Ctrl+Y (or Ctrl+Shift+Z) undo and redo the corrections, except in a
            // text box, where they undo typing.
            let typing = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                .is_some();
            if typing || !(ev.ctrl_key() || ev.meta_key()) {
                return;
            }
            let Some(id) = state.current().map(|f| f.id) else { return };
            match ev.key().to_lowercase().as_str() {
                "z" if ev.shift_key() => state.redo(id),
                "z" => state.undo(id),
                "y" => state.redo(id),
                _ => return,
            }
            ev.prevent_default();
        }>
            <h2 id="review-heading">"3. Review what the CRM would reject, cut or ignore"</h2>
            <FilePicker/>
            <Summary
                show_field=move |filter| {
                    set_field.set(filter);
                    reset();
                }
            />
            <Corrections/>
            <div class="filters">
                <label class="field">
                    <span>"Severity"</span>
                    <select data-testid="filter-severity" on:change=move |ev| {
                        set_severity.set(match event_target_value(&ev).as_str() {
                            "error" => Some(Severity::Error),
                            "warning" => Some(Severity::Warning),
                            _ => None,
                        });
                        reset();
                    }>
                        <option value="">"All"</option>
                        <option value="error">"Errors"</option>
                        <option value="warning">"Warnings"</option>
                    </select>
                </label>
                <label class="field">
                    <span>"Problem"</span>
                    <select data-testid="filter-rule" on:change=move |ev| {
                        set_rule.set(Rule::from_id(&event_target_value(&ev)));
                        reset();
                    }>
                        <option value="">"All"</option>
                        // Only the rules the file's findings have.
                        {move || {
                            let present: Vec<Rule> = state
                                .current()
                                .and_then(|file| file.shown().map(|checked| {
                                    Rule::ALL
                                        .into_iter()
                                        .filter(|rule| {
                                            checked.report.counts.values().any(|rules| rules.contains_key(rule.id()))
                                        })
                                        .collect()
                                }))
                                .unwrap_or_default();
                            present
                                .into_iter()
                                .map(|r| view! { <option value=r.id() selected=move || rule.get() == Some(r)>{r.label()}</option> })
                                .collect_view()
                        }}
                    </select>
                </label>
                <label class="field">
                    <span>"Field"</span>
                    <select data-testid="filter-field"
                        prop:value=move || match field.get() {
                            FieldFilter::Any => String::new(),
                            FieldFilter::Row => "row".to_string(),
                            FieldFilter::Field(field) => field.key().to_string(),
                        }
                        on:change=move |ev| {
                        let value = event_target_value(&ev);
                        set_field.set(match value.as_str() {
                            "" => FieldFilter::Any,
                            "row" => FieldFilter::Row,
                            key => Field::by_key(key).map_or(FieldFilter::Any, FieldFilter::Field),
                        });
                        reset();
                    }>
                        <option value="">"All"</option>
                        <option value="row">"Whole row"</option>
                        {Field::ALL.iter().map(|f| view! { <option value=f.key()>{f.title()}</option> }).collect_view()}
                    </select>
                </label>
            </div>
            <div class="view-tabs" role="tablist" aria-label="How to review">
                <button role="tab" class="view-tab" id="tab-grid" data-testid="tab-grid"
                    aria-selected=move || (!list.get()).to_string()
                    aria-controls="panel-review"
                    on:click=move |_| set_list(false)>"Every row"</button>
                <button role="tab" class="view-tab" id="tab-list" data-testid="tab-findings"
                    aria-selected=move || list.get().to_string()
                    aria-controls="panel-review"
                    on:click=move |_| set_list(true)>"Findings, one per line"</button>
            </div>
            <div role="tabpanel" id="panel-review"
                aria-labelledby=move || if list.get() { "tab-list" } else { "tab-grid" }>
            <Show when=move || list.get()
                fallback=move || view! { <Grid severity=severity rule=rule field=field/> }>
            <p class="count" data-testid="findings-count">
                {move || {
                    let total = page.with(|p| p.total);
                    let first = offset.get() + 1;
                    let last = (offset.get() + PAGE).min(total);
                    if total == 0 { "No findings to show.".to_string() } else { format!("Findings {first}–{last} of {total}") }
                }}
            </p>
            <div class="table-wrap">
                <table class="table findings" data-testid="findings-table">
                    <thead>
                        <tr>
                            <th scope="col">"Row"</th>
                            <th scope="col">"Field"</th>
                            <th scope="col">"Value"</th>
                            <th scope="col">"What to do"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || {
                            let file = state.current();
                            let id = file.as_ref().map_or(0, |f| f.id);
                            let columns: Vec<Option<Field>> = file
                                .as_ref()
                                .and_then(|f| f.checked().map(|c| c.report.columns.iter().map(|c| c.column.field).collect()))
                                .unwrap_or_default();
                            page.get()
                                .items
                                .into_iter()
                                .map(|finding| {
                                    let column = finding.field.and_then(|field| columns.iter().position(|c| *c == Some(field)));
                                    view! { <FindingRow finding=finding file_id=id column=column/> }
                                })
                                .collect_view()
                        }}
                    </tbody>
                </table>
            </div>
            <div class="pager">
                <button class="button secondary" disabled=move || { offset.get() == 0 }
                    on:click=move |_| set_offset.update(|o| *o = o.saturating_sub(PAGE))>"Previous"</button>
                <button class="button secondary" disabled=move || { offset.get() + PAGE >= page.with(|p| p.total) }
                    data-testid="next-page"
                    on:click=move |_| set_offset.update(|o| *o += PAGE)>"Next"</button>
            </div>
            </Show>
            </div>
            <div class="actions">
                <button class="button secondary" on:click=move |_| state.step.set(Step::Map)>"Back"</button>
                <button class="button" data-testid="to-package" on:click=move |_| state.step.set(Step::Package)>
                    "Next: package"
                </button>
            </div>
        </section>
    }
}

/// One finding; an over-long value shows the part kept and the part cut side by side. A finding
/// about one field can be fixed right here: the cell is corrected and the file checked again.
#[component]
fn FindingRow(finding: Finding, file_id: u32, column: Option<usize>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let (editing, set_editing) = signal(false);
    let row = finding.row;
    let original = finding.value.clone().unwrap_or_default();
    let draft = RwSignal::new(
        finding
            .suggestion
            .clone()
            .unwrap_or_else(|| original.trim().to_string()),
    );
    let editor = column.filter(|_| finding.rule != Rule::DuplicateColumn && finding.row > 1).map(|column| {
        let label = format!("New value for row {row}");
        view! {
            <Show
                when=move || editing.get()
                fallback=move || view! {
                    <button class="link" data-testid="edit" on:click=move |_| set_editing.set(true)>"Edit"</button>
                }
            >
                <span class="editor">
                    <input type="text" aria-label=label.clone() data-testid="edit-input"
                        prop:value=move || draft.get()
                        on:input=move |ev| draft.set(event_target_value(&ev))
                        on:keydown=move |ev| {
                            if ev.key() == "Enter" {
                                state.edit_cell(file_id, row, column, draft.get_untracked());
                            } else if ev.key() == "Escape" {
                                set_editing.set(false);
                            }
                        }/>
                    <button class="button" data-testid="save-edit"
                        on:click=move |_| state.edit_cell(file_id, row, column, draft.get_untracked())>"Save"</button>
                    <button class="link" on:click=move |_| set_editing.set(false)>"Cancel"</button>
                </span>
            </Show>
        }
    });
    let field = finding.field.map_or("Whole row", Field::title);
    let value = match (&finding.kept, &finding.cut) {
        (Some(kept), Some(cut)) => view! {
            <span class="kept">{kept.clone()}</span><span class="cut" title="cut off by the CRM">{cut.clone()}</span>
        }
        .into_any(),
        _ => view! { <span>{finding.value.clone().unwrap_or_default()}</span> }.into_any(),
    };
    view! {
        <tr class=finding.severity.as_str() data-testid="finding-row">
            <td>{finding.row}</td>
            <td>{field}</td>
            <td class="value">{value}</td>
            <td>
                <span class="badge">{finding.severity.as_str()}</span>
                " "
                {finding.message.clone()}
                " "
                {editor}
            </td>
        </tr>
    }
}

/// Summary cards and findings per field; a field's name shows only its findings.
#[component]
fn Summary(
    /// Shows only the findings of a field (or of whole rows).
    show_field: impl Fn(FieldFilter) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        let Some(file) = state.current() else {
            return ().into_any();
        };
        let checking = matches!(file.status, CheckStatus::Checking { .. });
        let checked = match (&file.status, file.shown()) {
            (CheckStatus::Failed(message), _) => {
                return view! { <p class="failed" role="alert">{message.clone()}</p> }.into_any();
            }
            (_, Some(checked)) => checked,
            (_, None) => {
                return view! { <p role="status">"Checking the file…"</p> }.into_any();
            }
        };
        let summary = checked.report.summary;
        let mut per_field: Vec<(String, FieldFilter, u64)> = checked
            .report
            .counts
            .iter()
            .map(|(key, rules)| {
                let field = Field::by_key(key);
                let label = field.map_or("Whole row", Field::title).to_string();
                let filter = field.map_or(FieldFilter::Row, FieldFilter::Field);
                (label, filter, rules.values().sum())
            })
            .collect();
        per_field.sort_by_key(|(_, _, count)| std::cmp::Reverse(*count));
        let most = per_field.first().map_or(1, |(_, _, n)| (*n).max(1));
        let bars = per_field
            .into_iter()
            .map(|(label, filter, count)| {
                view! {
                    <li>
                        <button type="button" class="link bar-label" data-testid="field-bar"
                            title=format!("Show only the findings of {label}")
                            on:click=move |_| show_field(filter)>
                            {label.clone()}
                        </button>
                        <progress class="bar" max=most.to_string() value=count.to_string() aria-label=label></progress>
                        <span class="bar-count">{count}</span>
                    </li>
                }
            })
            .collect_view();
        let card = |label: &'static str, value: u64, kind: &'static str| {
            view! {
                <div class=format!("card {kind}") data-testid=format!("card-{kind}")>
                    <span class="card-value">{value}</span>
                    <span class="card-label">{label}</span>
                </div>
            }
        };
        view! {
            <p class="note" role="status" data-testid="checking-again">
                {checking.then_some("Checking the file again with your correction…")}
            </p>
            <div class="cards" class:stale=checking>
                {card("leads", summary.records, "rows")}
                {card("ready to import", summary.ready, "ready")}
                {card("with errors (left out)", summary.with_errors, "errors")}
                {card("ready, with warnings", summary.with_warnings, "warnings")}
            </div>
            <Notes notes=checked.report.notes.clone()/>
            <h3>"Findings per field"</h3>
            <ul class="bars" data-testid="field-chart">{bars}</ul>
        }
        .into_any()
    }
}

/// Downloads the change log of `report`, written as the package's change log is: a `blob:`
/// link made for the click, and let go once the browser has it.
fn download_change_log(report: &leadpack_engine::FileReport) {
    let Some(file) = changes_csv(report) else {
        return;
    };
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(file.bytes.as_slice()));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/csv");
    let Ok(blob) = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Ok(link) = document().create_element("a")
        && let Ok(link) = link.dyn_into::<web_sys::HtmlAnchorElement>()
    {
        link.set_href(&url);
        link.set_download(&file.name);
        link.click();
    }
    // Let go of it once the browser has surely read it.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    let _ = window()
        .set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 60_000);
}

/// Fixes for every row at once, and the corrections made so far.
#[component]
fn Corrections() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        let Some(file) = state.current() else {
            return ().into_any();
        };
        let Some(checked) = file.shown() else {
            return ().into_any();
        };
        let id = file.id;
        let mut fixes: Vec<(Fix, u64)> = Vec::new();
        for (key, rules) in &checked.report.counts {
            let Some(field) = Field::by_key(key) else {
                continue;
            };
            if let Some(&count) = rules.get(Rule::HiddenCharacters.id()) {
                fixes.push((Fix::RemoveHiddenCharacters { field }, count));
            }
            if let Some(&count) = rules.get(Rule::Mojibake.id()) {
                fixes.push((Fix::RepairGarbledAccents { field }, count));
            }
            if let Some(&count) = rules.get(Rule::FormulaLike.id()) {
                fixes.push((Fix::NeutraliseFormulas { field }, count));
            }
        }
        // Formulas in columns that are no lead field (user fields, extra phones, addresses):
        // one fix for every column, counting every formula it makes plain text.
        let formulas_elsewhere = checked
            .report
            .counts
            .get("row")
            .and_then(|rules| rules.get(Rule::FormulaLike.id()))
            .is_some();
        if formulas_elsewhere {
            let all = checked
                .report
                .counts
                .values()
                .filter_map(|rules| rules.get(Rule::FormulaLike.id()))
                .sum();
            fixes.push((Fix::NeutraliseAllFormulas, all));
        }
        let corrections = checked.report.changes.len();
        let buttons = fixes
            .into_iter()
            .map(|(fix, count)| {
                let label = match fix {
                    Fix::RemoveHiddenCharacters { field } => format!("Remove hidden characters in {field} ({count})"),
                    Fix::RepairGarbledAccents { field } => format!("Repair garbled accents in {field} ({count})"),
                    Fix::NeutraliseFormulas { field } => {
                        format!("Make formulas in {field} plain text ({count})")
                    }
                    Fix::NeutraliseAllFormulas => {
                        format!("Make formulas in every column plain text ({count})")
                    }
                };
                view! {
                    <button class="button secondary" data-testid="fix-all" on:click=move |_| state.add_fix(id, fix)>{label}</button>
                }
            })
            .collect_view();
        let latest: Vec<Change> = checked
            .report
            .changes
            .iter()
            .rev()
            .take(10)
            .cloned()
            .collect();
        let report = checked.report.clone();
        let name = format!("{}-changes.csv", safe_stem(&checked.report.file));
        view! {
            <div class="corrections">
                {buttons}
                <Show when=move || { corrections > 0 }>
                    <p data-testid="corrections">
                        {format!("{corrections} correction(s) made; they go into the package and its change log. ")}
                        <button class="link" on:click=move |_| state.clear_edits(id)>"Undo all corrections"</button>
                    </p>
                </Show>
            </div>
            {(corrections > 0).then(|| view! {
                <details class="change-log" data-testid="change-log">
                    <summary>{format!("The change log ({corrections})")}</summary>
                    <table class="table">
                        <caption class="note">"The latest corrections first."</caption>
                        <thead><tr>
                            <th scope="col">"Row"</th><th scope="col">"Column"</th>
                            <th scope="col">"Before"</th><th scope="col">"After"</th><th scope="col">"Why"</th>
                        </tr></thead>
                        <tbody>
                            {latest.into_iter().map(|change| view! {
                                <tr>
                                    <td>{change.row}</td>
                                    <td>{if change.column.is_empty() { "Whole row".to_string() } else { change.column }}</td>
                                    <td class="value">{change.before}</td>
                                    <td class="value">{change.after}</td>
                                    <td>{change.reason}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <button class="button secondary" type="button" data-testid="download-change-log"
                        on:click=move |_| download_change_log(&report)>
                        {format!("Download {name}")}
                    </button>
                </details>
            })}
        }
        .into_any()
    }
}
