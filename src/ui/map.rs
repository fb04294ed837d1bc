//! Step 2, mapping: each column with samples, what it becomes and how sure the match is; value
//! mapping of market segments and sales concepts; a firm's own values; templates.

use leptos::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlInputElement;

use super::FilePicker;
use super::columns::{CUSTOM_TYPES, ColumnDetails, custom_field};
use super::state::{AppState, LoadedFile, Step};
use leadpack_engine::{
    AddressPart, ColumnPlan, DEFAULT_CONCEPTS, DEFAULT_SEGMENTS, DateFits, EVERY_COLUMN, Field,
    FileTemplate, KnownValues, MatchKind, Target, Template, TemplateSet, Templates, TextConverter,
    ValueOutcome, ValueType,
};

/// The choices of the "becomes" list, as (value, label).
fn target_choices() -> Vec<(String, String)> {
    let mut choices: Vec<(String, String)> = Field::ALL
        .iter()
        .map(|field| (format!("field:{}", field.key()), field.title().to_string()))
        .collect();
    choices.push(("telcom".into(), "Extra phone or email".into()));
    for (part, label) in [
        (AddressPart::Address1, "Address: street"),
        (AddressPart::Address2, "Address: second line"),
        (AddressPart::City, "Address: city"),
        (AddressPart::State, "Address: state or province"),
        (AddressPart::Zip, "Address: zip or postal code"),
        (AddressPart::Country, "Address: country"),
    ] {
        choices.push((format!("address:{}", part.attribute()), label.into()));
    }
    choices.push(("category".into(), "Category".into()));
    for (kind, label) in CUSTOM_TYPES {
        choices.push((format!("custom:{kind}"), label.into()));
    }
    choices.push(("user".into(), "User field (kept as is)".into()));
    choices.push(("skip".into(), "Not imported".into()));
    choices
}

fn choice_of(target: &Target) -> String {
    match target {
        Target::Field { field } => format!("field:{}", field.key()),
        Target::Telcom { .. } => "telcom".into(),
        Target::Address { part, .. } => format!("address:{}", part.attribute()),
        Target::UserField => "user".into(),
        Target::Category { .. } => "category".into(),
        Target::CustomField { value_type, .. } => format!("custom:{}", value_type.id()),
        Target::Skip => "skip".into(),
    }
}

fn target_of(choice: &str, previous: &Target, header: &str, dates: Option<&DateFits>) -> Target {
    if let Some(kind) = choice.strip_prefix("custom:") {
        return custom_field(kind, header, previous, dates);
    }
    if choice == "category" {
        let type_name = match previous {
            Target::Category { type_name } => type_name.clone(),
            _ => header.to_string(),
        };
        return Target::Category { type_name };
    }
    let type_name = match previous {
        Target::Telcom { type_name } | Target::Address { type_name, .. } => type_name.clone(),
        _ => "Business".to_string(),
    };
    if let Some(field) = choice.strip_prefix("field:").and_then(Field::by_key) {
        return Target::Field { field };
    }
    if let Some(attribute) = choice.strip_prefix("address:") {
        let part = match attribute {
            "address2" => AddressPart::Address2,
            "city" => AddressPart::City,
            "state" => AddressPart::State,
            "zip" => AddressPart::Zip,
            "country" => AddressPart::Country,
            _ => AddressPart::Address1,
        };
        return Target::Address { part, type_name };
    }
    match choice {
        "telcom" => Target::Telcom { type_name },
        "user" => Target::UserField,
        _ => Target::Skip,
    }
}

/// Applies a change to the current file's template and checks it again.
fn change_template(state: AppState, id: u32, change: impl FnOnce(&mut Template)) {
    state.update_file(id, |file| {
        if let Some(template) = &mut file.template {
            change(template);
        }
    });
    state.check(id);
}

/// The mapping step.
#[component]
pub fn MapStep() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <section class="step" aria-labelledby="map-heading">
            <h2 id="map-heading">"2. Check how columns become lead fields"</h2>
            <FilePicker/>
            {move || match state.current() {
                Some(file) if file.template.is_some() && file.checked().is_some() => {
                    view! { <MapTables file=file/> }.into_any()
                }
                _ => view! { <p>"Checking the file…"</p> }.into_any(),
            }}
            <div class="actions">
                <button class="button secondary" on:click=move |_| state.step.set(Step::Load)>"Back"</button>
                <button class="button" data-testid="to-review" on:click=move |_| state.step.set(Step::Review)>
                    "Next: review"
                </button>
            </div>
        </section>
    }
}

#[component]
fn MapTables(file: LoadedFile) -> impl IntoView {
    let state = expect_context::<AppState>();
    let id = file.id;
    let Some(checked) = file.checked().cloned() else {
        return ().into_any();
    };
    let template = file.template.clone().unwrap_or_default();
    let columns = checked.report.columns.clone();
    let choices = target_choices();
    let rows = columns
        .iter()
        .enumerate()
        .map(|(index, column)| {
            let plan = template
                .columns
                .get(index)
                .cloned()
                .unwrap_or(ColumnPlan { header: column.column.header.clone(), target: Target::Skip });
            let current = choice_of(&plan.target);
            let samples = checked.samples.get(index).cloned().unwrap_or_default().join(" · ");
            let sure = match column.column.matched_by {
                MatchKind::None => "—".to_string(),
                MatchKind::Chosen => "your choice".to_string(),
                _ => format!("{}%", (column.column.confidence * 100.0).round() as u32),
            };
            let select_id = format!("target-{id}-{index}");
            let header = column.column.header.clone();
            let own_null = template.nulls.get(&header).cloned().unwrap_or_default();
            let inherited = template
                .null_for(&header, column.column.field)
                .unwrap_or_default()
                .to_string();
            let null_header = header.clone();
            // A text column can have its RTF turned into plain text (the tool's Text Converter).
            let holds_text = !matches!(plan.target, Target::Skip)
                && plan
                    .target
                    .value_type()
                    .is_none_or(|kind| *kind == ValueType::Text);
            let rtf_on = template.rtf2plain_for(&header);
            let rtf_header = header.clone();
            let rtf_label = format!("Remove formatting (rtf2plain) from {header}");
            let dates = column.dates.clone();
            let details = view! {
                <ColumnDetails
                    id=id
                    index=index
                    target=plan.target.clone()
                    dates=dates.clone()
                    samples=column.samples.clone()
                    distinct=column.distinct.clone()
                    header=header.clone()
                    mapped=template
                        .value_maps
                        .get(&header)
                        .map(|map| map.iter().map(|(a, b)| (a.clone(), b.clone())).collect())
                        .unwrap_or_default()
                />
            };
            let options = choices
                .iter()
                .map(|(value, label)| {
                    view! { <option value=value.clone() selected=*value == current>{label.clone()}</option> }
                })
                .collect_view();
            view! {
                <tr data-testid="column-row">
                    <th scope="row"><label for=select_id.clone()>{header.clone()}</label></th>
                    <td class="samples">{samples}</td>
                    <td>
                        <select
                            id=select_id
                            data-testid="column-target"
                            on:change=move |ev| {
                                let choice = event_target_value(&ev);
                                let dates = dates.clone();
                                change_template(state, id, |template| {
                                    set_target(template, index, &choice, dates.as_ref())
                                });
                            }
                        >
                            {options}
                        </select>
                        {details}
                        <Show when=move || holds_text>
                            <label class="check rtf">
                                <input type="checkbox" data-testid="rtf2plain"
                                    aria-label=rtf_label.clone()
                                    prop:checked=rtf_on
                                    on:change={
                                        let header = rtf_header.clone();
                                        move |ev| {
                                            let on = event_target_checked(&ev);
                                            let header = header.clone();
                                            change_template(state, id, move |template| {
                                                let converter = if on { TextConverter::Rtf2Plain } else { TextConverter::None };
                                                template.text_converters.insert(header, converter);
                                            });
                                        }
                                    }/>
                                "Remove formatting (rtf2plain)"
                            </label>
                        </Show>
                    </td>
                    <td>
                        <input type="text" class="null-value" data-testid="null-value"
                            aria-label=format!("Value for the empty cells of {header}")
                            prop:value=own_null
                            placeholder=inherited
                            on:change=move |ev| {
                                let value = event_target_value(&ev);
                                let header = null_header.clone();
                                change_template(state, id, move |template| {
                                    if value.trim().is_empty() {
                                        template.nulls.remove(&header);
                                    } else {
                                        template.nulls.insert(header, value);
                                    }
                                });
                            }/>
                    </td>
                    <td class="sure">{sure}</td>
                </tr>
            }
        })
        .collect_view();

    // With several files, the template of each, found again by its name or its columns.
    let set = saved_set(state);
    let save_href = {
        let json = match &set {
            Some(set) => pretty_json(set),
            None => pretty_json(&template),
        };
        format!(
            "data:application/json;charset=utf-8,{}",
            js_sys::encode_uri_component(&json)
        )
    };
    let save_name = match &set {
        Some(_) => "templates.json".to_string(),
        None => format!("{}-template.json", leadpack_engine::safe_stem(&file.name)),
    };
    let save_label = match &set {
        Some(set) => format!(
            "Save the mapping of all {} files as templates",
            set.files.len()
        ),
        None => "Save mapping as template".to_string(),
    };

    // "Type of Data in File": All, or a category the CRM's import definition names.
    let category = template.category.clone();
    let is_all = category == "All";
    let category_id = format!("category-{id}");
    let other_id = format!("category-other-{id}");
    let category_choice = view! {
        <div class="field category" data-testid="category">
            <label for=category_id.clone()>"Type of data in this file"</label>
            <select id=category_id data-testid="category-choice" on:change=move |ev| {
                let all = event_target_value(&ev) == "All";
                change_template(state, id, move |template| {
                    template.category = if all { "All".to_string() } else { String::new() };
                });
            }>
                <option value="All" selected=is_all>"All: every kind of field"</option>
                <option value="other" selected=!is_all>"Another category, as your CRM's import definition names it"</option>
            </select>
            <p class="note" data-testid="category-note">{if is_all {
                "“All” offers every field when the CRM maps this file: the right choice for a file of whole leads, and for the only file of an import."
            } else {
                "A category limits the fields the CRM offers for this file (for example a file of addresses only). Type the category's name exactly as your CRM's import definition file names it; Leadpack writes it into the package."
            }}</p>
            <Show when=move || !is_all>
                <label for=other_id.clone()>"Category name"</label>
                <input id=other_id.clone() type="text" data-testid="category-name" prop:value=category.clone()
                    on:change=move |ev| {
                        let name = event_target_value(&ev).trim().to_string();
                        change_template(state, id, move |template| {
                            template.category = if name.is_empty() { "All".to_string() } else { name };
                        });
                    }/>
            </Show>
        </div>
    };
    let every = template
        .nulls
        .get(EVERY_COLUMN)
        .cloned()
        .unwrap_or_default();
    let (every_value, set_every_value) = signal(every);
    let every_id = format!("null-every-{id}");
    let rtf_every = template
        .text_converters
        .get(EVERY_COLUMN)
        .map_or(template.rtf2plain, |converter| {
            *converter == TextConverter::Rtf2Plain
        });
    view! {
        {category_choice}
        <div class="add-value" data-testid="null-every">
            <label for=every_id.clone()>"Value for every empty cell (the CRM's null converter)"</label>
            <input id=every_id type="text" data-testid="null-every-value"
                prop:value=move || every_value.get()
                on:input=move |ev| set_every_value.set(event_target_value(&ev))/>
            <button class="button secondary" data-testid="null-apply" on:click=move |_| {
                let value = every_value.get_untracked();
                change_template(state, id, move |template| {
                    if value.trim().is_empty() {
                        template.nulls.remove(EVERY_COLUMN);
                    } else {
                        template.nulls.insert(EVERY_COLUMN.to_string(), value);
                    }
                });
            }>"Apply to every column"</button>
            <button class="button secondary" data-testid="null-erase" on:click=move |_| {
                set_every_value.set(String::new());
                change_template(state, id, |template| {
                    template.nulls.clear();
                    template.null_converters.clear();
                });
            }>"Erase from every column"</button>
        </div>
        <p class="note">"A column's own value (under “If empty”) wins over the one for every column. The checks judge, and the package holds, the value the CRM will use."</p>
        <label class="check" data-testid="rtf-every">
            <input type="checkbox" data-testid="rtf-every-choice" prop:checked=rtf_every
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    change_template(state, id, move |template| {
                        template.rtf2plain = false;
                        template.text_converters.clear();
                        if on {
                            template.text_converters.insert(EVERY_COLUMN.to_string(), TextConverter::Rtf2Plain);
                        }
                    });
                }/>
            "Remove formatting (rtf2plain) from every text column"
        </label>
        <p class="note">"Text exported from a word processor or an older CRM may carry Rich Text Format codes, such as {\\rtf1 … \\par}. With this choice the package holds, and the checks judge, the text alone; without it the CRM imports the codes as they are."</p>
        <div class="table-wrap">
        <table class="table" data-testid="mapping-table">
            <caption class="visually-hidden">"Columns and the lead fields they become"</caption>
            <thead>
                <tr><th scope="col">"Column"</th><th scope="col">"Samples"</th><th scope="col">"Becomes"</th><th scope="col">"If empty"</th><th scope="col">"Match"</th></tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        </div>
        <Entries id=id template=template.clone()/>
        <ValueMapping file=file.clone() field=Field::MarketSegment/>
        <ValueMapping file=file.clone() field=Field::SalesConcept/>
        <div class="template-actions">
            <a class="button secondary" href=save_href download=save_name data-testid="save-template">
                {save_label}
            </a>
            <label class="button secondary" for="template-input">"Load a template"</label>
            <input
                id="template-input"
                class="visually-hidden"
                type="file"
                accept=".json,application/json"
                data-testid="template-input"
                on:change=move |ev| {
                    let input = event_target::<HtmlInputElement>(&ev);
                    if let Some(chosen) = input.files().and_then(|files| files.get(0)) {
                        leptos::task::spawn_local(load_template(state, id, chosen));
                    }
                    input.set_value("");
                }
            />
        </div>
    }
    .into_any()
}

/// The templates of every checked file, when there are several: each with the file's name and
/// column names, which find it again.
fn saved_set(state: AppState) -> Option<TemplateSet> {
    let files: Vec<FileTemplate> = state.files.with_untracked(|files| {
        files
            .iter()
            .filter_map(|file| {
                let checked = file.checked()?;
                Some(FileTemplate {
                    file: file.name.clone(),
                    headers: checked
                        .report
                        .columns
                        .iter()
                        .map(|c| c.column.header.clone())
                        .collect(),
                    template: file.template.clone()?,
                })
            })
            .collect()
    });
    (files.len() > 1).then(|| TemplateSet::new(files))
}

/// A template as the JSON file it is saved as: written by serde, laid out by the browser (the
/// same layout as `Template::to_json`, without a second serde writer in the page).
fn pretty_json(template: &impl serde::Serialize) -> String {
    let compact = serde_json::to_string(template).unwrap_or_default();
    js_sys::JSON::parse(&compact)
        .and_then(|value| {
            js_sys::JSON::stringify_with_replacer_and_space(
                &value,
                &wasm_bindgen::JsValue::NULL,
                &2.into(),
            )
        })
        .ok()
        .and_then(|text| text.as_string())
        .unwrap_or(compact)
}

async fn load_template(state: AppState, id: u32, chosen: web_sys::File) {
    let text = JsFuture::from(chosen.text())
        .await
        .ok()
        .and_then(|t| t.as_string());
    let outcome = match text {
        Some(text) => Templates::from_json(&text),
        None => Err("the file could not be read".to_string()),
    };
    match outcome {
        Ok(Templates::One(template)) => {
            state.update_file(id, |file| file.template = Some(*template));
            state.check(id);
        }
        Ok(Templates::PerFile(set)) => {
            // Each file takes its own, found by its name or its columns; the others keep theirs.
            let mut missing = Vec::new();
            let mut found = Vec::new();
            state.files.update(|files| {
                for file in files.iter_mut() {
                    let headers: Vec<String> = file
                        .checked()
                        .map(|c| {
                            c.report
                                .columns
                                .iter()
                                .map(|c| c.column.header.clone())
                                .collect()
                        })
                        .unwrap_or_default();
                    match set.find(&file.name, &headers) {
                        Some(template) => {
                            file.template = Some(template.clone());
                            found.push(file.id);
                        }
                        None => missing.push(file.name.clone()),
                    }
                }
            });
            if !missing.is_empty() {
                state.banner.set(Some(format!(
                    "{} has no template for {} (none for that file name or its columns); they keep their mapping.",
                    chosen.name(),
                    missing.join(", ")
                )));
            }
            if state.together.get_untracked() {
                state.check_import();
            } else {
                for id in found {
                    state.check(id);
                }
            }
        }
        Err(message) => state.banner.set(Some(format!(
            "{} cannot be used as a template: {message}.",
            chosen.name()
        ))),
    }
}

fn set_target(template: &mut Template, index: usize, choice: &str, dates: Option<&DateFits>) {
    let Some((previous, header)) = template
        .columns
        .get(index)
        .map(|c| (c.target.clone(), c.header.clone()))
    else {
        return;
    };
    let target = target_of(choice, &previous, &header, dates);
    // A lead field takes one column: the column that had it is no longer imported as it.
    if let Target::Field { field } = target {
        for (other, column) in template.columns.iter_mut().enumerate() {
            if other != index && column.target == (Target::Field { field }) {
                column.target = Target::Skip;
            }
        }
    }
    if let Some(column) = template.columns.get_mut(index) {
        column.target = target;
    }
}

/// Every distinct value of a limited-value field, how often it occurs, and what it becomes.
#[component]
fn ValueMapping(file: LoadedFile, field: Field) -> impl IntoView {
    let state = expect_context::<AppState>();
    let id = file.id;
    let Some(checked) = file.checked().cloned() else {
        return ().into_any();
    };
    let template = file.template.clone().unwrap_or_default();
    let values = checked
        .report
        .values
        .get(&field)
        .cloned()
        .unwrap_or_default();
    let (extra, defaults): (Vec<String>, &[&str]) = if field == Field::MarketSegment {
        (template.segments.clone(), &DEFAULT_SEGMENTS)
    } else {
        (template.concepts.clone(), &DEFAULT_CONCEPTS)
    };
    let overrides = template
        .value_mappings
        .get(&field)
        .cloned()
        .unwrap_or_default();
    let mut known = KnownValues::new(defaults, extra.iter().map(String::as_str))
        .with_overrides(overrides.iter());
    let known_list: Vec<String> = known.values().to_vec();
    let title = field.title();
    let kind = if field == Field::MarketSegment {
        "segment"
    } else {
        "concept"
    };
    let rows = values
        .into_iter()
        .map(|(value, count)| {
            let outcome = known.judge(&value);
            let (becomes, note) = match &outcome {
                ValueOutcome::Known => (value.clone(), "known"),
                ValueOutcome::Normalised(to) => (to.clone(), "spelling corrected"),
                ValueOutcome::Mapped(to) if to.is_empty() => (String::new(), "left out"),
                ValueOutcome::Mapped(to) => (to.clone(), "your choice"),
                ValueOutcome::Unknown(_) => ("\u{0}keep".to_string(), "ignored by the CRM"),
            };
            let options = std::iter::once(("\u{0}keep".to_string(), "Keep as is (the CRM ignores unknown values)".to_string()))
                .chain(std::iter::once((String::new(), "Leave out".to_string())))
                .chain(known_list.iter().map(|k| (k.clone(), k.clone())))
                .map(|(v, label)| view! { <option value=v.clone() selected=v == becomes>{label}</option> })
                .collect_view();
            let from = value.clone();
            view! {
                <tr data-testid="value-row">
                    <th scope="row">{value.clone()}</th>
                    <td>{count}</td>
                    <td>
                        <select
                            aria-label=format!("What “{value}” becomes")
                            on:change=move |ev| {
                                let to = event_target_value(&ev);
                                let from = from.clone();
                                change_template(state, id, move |template| {
                                    let map = template.value_mappings.entry(field).or_default();
                                    if to == "\u{0}keep" {
                                        map.remove(&from);
                                    } else {
                                        map.insert(from, to);
                                    }
                                });
                            }
                        >
                            {options}
                        </select>
                    </td>
                    <td class="note">{note}</td>
                </tr>
            }
        })
        .collect_view();
    let input_id = format!("extra-{kind}-{id}");
    let (new_value, set_new_value) = signal(String::new());
    view! {
        <h3>{format!("{title} values")}</h3>
        <div class="table-wrap">
        <table class="table" data-testid=format!("values-{kind}")>
            <thead>
                <tr><th scope="col">"Value"</th><th scope="col">"Leads"</th><th scope="col">"Becomes"</th><th scope="col">""</th></tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        </div>
        <div class="add-value">
            <label for=input_id.clone()>{format!("Add your firm's own {kind}")}</label>
            <input id=input_id type="text" prop:value=move || new_value.get() on:input=move |ev| set_new_value.set(event_target_value(&ev))/>
            <button
                class="button secondary"
                on:click=move |_| {
                    let value = new_value.get_untracked().trim().to_string();
                    if value.is_empty() {
                        return;
                    }
                    set_new_value.set(String::new());
                    change_template(state, id, move |template| {
                        let list = if field == Field::MarketSegment { &mut template.segments } else { &mut template.concepts };
                        if !list.contains(&value) {
                            list.push(value);
                        }
                    });
                }
            >
                "Add"
            </button>
        </div>
    }
    .into_any()
}

/// The parts of an address, in the order an entry takes them.
const ADDRESS_PARTS: [(AddressPart, &str); 6] = [
    (AddressPart::Address1, "street"),
    (AddressPart::Address2, "second line"),
    (AddressPart::City, "city"),
    (AddressPart::State, "state or province"),
    (AddressPart::Zip, "zip or postal code"),
    (AddressPart::Country, "country"),
];

/// What the CRM receives besides the lead fields, entry by entry: each address with the columns
/// that make it, each extra phone or email, category, custom field and user field. An address
/// takes another column with "Add a column to this address" (the Data Mapping Tool's Copy Row):
/// the column becomes the address's next missing part.
#[component]
fn Entries(id: u32, template: Template) -> impl IntoView {
    let state = expect_context::<AppState>();
    let mut addresses: Vec<(String, Vec<(AddressPart, String)>)> = Vec::new();
    let mut others: Vec<String> = Vec::new();
    let mut free: Vec<(usize, String)> = Vec::new();
    for (index, column) in template.columns.iter().enumerate() {
        let header = column.header.clone();
        match &column.target {
            Target::Address { part, type_name } => {
                match addresses.iter_mut().find(|(t, _)| t == type_name) {
                    Some((_, parts)) => parts.push((*part, header)),
                    None => addresses.push((type_name.clone(), vec![(*part, header)])),
                }
            }
            Target::Telcom { type_name } => {
                others.push(format!("Phone or email ({type_name}) ← {header}"))
            }
            Target::Category { type_name } => {
                others.push(format!("Category ({type_name}) ← {header}"))
            }
            Target::CustomField { name, value_type } => others.push(format!(
                "Custom field {name} ({}) ← {header}",
                value_type.id()
            )),
            Target::UserField => {
                others.push(format!("User field ← {header}"));
                free.push((index, header));
            }
            Target::Skip => free.push((index, header)),
            Target::Field { .. } => {}
        }
    }
    if addresses.is_empty() && others.is_empty() {
        return ().into_any();
    }
    let addresses = addresses
        .into_iter()
        .map(|(type_name, parts)| {
            let shown = parts
                .iter()
                .map(|(part, header)| {
                    let label = ADDRESS_PARTS.iter().find(|(p, _)| p == part).map_or("", |(_, l)| l);
                    format!("{label} ← {header}")
                })
                .collect::<Vec<_>>()
                .join(", ");
            let next = ADDRESS_PARTS
                .iter()
                .map(|(part, _)| *part)
                .find(|part| !parts.iter().any(|(p, _)| p == part));
            let select_id = format!("copy-row-{id}-{type_name}");
            let options = free
                .iter()
                .map(|(index, header)| view! { <option value=index.to_string()>{header.clone()}</option> })
                .collect_view();
            let taken: Vec<AddressPart> = parts.iter().map(|(part, _)| *part).collect();
            let add = next.filter(|_| !free.is_empty()).map(|part| {
                let type_name = type_name.clone();
                view! {
                    <label for=select_id.clone()>"Add a column to this address"</label>
                    <select id=select_id data-testid="copy-row" on:change=move |ev| {
                        let Ok(index) = event_target_value(&ev).parse::<usize>() else {
                            return;
                        };
                        let type_name = type_name.clone();
                        let taken = taken.clone();
                        change_template(state, id, move |template| {
                            if let Some(column) = template.columns.get_mut(index) {
                                let part = part_named(&column.header)
                                    .filter(|named| !taken.contains(named))
                                    .unwrap_or(part);
                                column.target = Target::Address { part, type_name };
                            }
                        });
                    }>
                        <option value="" selected=true>"Choose a column"</option>
                        {options}
                    </select>
                }
            });
            view! {
                <li data-testid="entry-address">
                    <span>{format!("Address ({type_name}): {shown}")}</span>
                    {add}
                </li>
            }
        })
        .collect_view();
    let others = others
        .into_iter()
        .map(|line| view! { <li data-testid="entry">{line}</li> })
        .collect_view();
    view! {
        <h3>"What the CRM receives besides the lead fields"</h3>
        <ul class="entries" data-testid="entries">{addresses}{others}</ul>
    }
    .into_any()
}

/// The part of an address a column's header names, if it names one ("Business City" → city).
fn part_named(header: &str) -> Option<AddressPart> {
    let header = header.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|word| header.contains(word));
    if has(&["city", "town", "ville"]) {
        Some(AddressPart::City)
    } else if has(&["zip", "postal", "postcode", "code postal"]) {
        Some(AddressPart::Zip)
    } else if has(&["state", "province", "region"]) {
        Some(AddressPart::State)
    } else if has(&["country", "pays"]) {
        Some(AddressPart::Country)
    } else if has(&["line 2", "address 2", "address2", "ligne 2"]) {
        Some(AddressPart::Address2)
    } else {
        None
    }
}
