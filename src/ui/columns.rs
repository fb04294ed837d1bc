//! What a column becomes besides a lead field, in detail: the type name of an extra phone,
//! an address or a category; a custom field's name and type, with the date format (the formats
//! its values fit offered, and a warning when the chosen one reads none), the time zone of
//! timestamps, and the values read as True and as False.

use leptos::prelude::*;

use super::state::AppState;
use leadpack_engine::{DateFits, DateFormat, Target, Template, ValueType, check_time_zone};

/// The custom field types the "becomes" list offers, as (type, label).
pub const CUSTOM_TYPES: [(&str, &str); 5] = [
    ("string", "Custom field: text"),
    ("number", "Custom field: number"),
    ("date", "Custom field: date"),
    ("timestamp", "Custom field: date and time"),
    ("boolean", "Custom field: yes or no"),
];

/// A new custom field of `kind` for the column `header`, keeping the name it had; a date or
/// timestamp format is the one the column's values fit best.
pub fn custom_field(
    kind: &str,
    header: &str,
    previous: &Target,
    dates: Option<&DateFits>,
) -> Target {
    let name = match previous {
        Target::CustomField { name, .. } => name.clone(),
        _ => header.to_string(),
    };
    let best = |time: bool, default: &str| {
        dates
            .into_iter()
            .flat_map(|fits| &fits.formats)
            .filter(|fit| fit.fits > 0)
            .filter_map(|fit| DateFormat::new(&fit.pattern).ok())
            .find(|format| format.has_time() == time)
            .or_else(|| DateFormat::new(default).ok())
    };
    let value_type = match kind {
        "number" => Some(ValueType::Number),
        "date" => best(false, "yyyy-MM-dd").map(|format| ValueType::Date { format }),
        "timestamp" => best(true, "yyyy-MM-dd HH:mm:ss").map(|format| ValueType::Timestamp {
            format,
            zone: "UTC".to_string(),
        }),
        "boolean" => Some(ValueType::Boolean {
            truthy: Vec::new(),
            falsy: Vec::new(),
        }),
        _ => None,
    };
    Target::CustomField {
        name,
        value_type: value_type.unwrap_or(ValueType::Text),
    }
}

/// One detail of a column's target, as the user types it.
#[derive(Clone, Copy)]
enum Detail {
    TypeName,
    Name,
    Format,
    Zone,
    True,
    False,
}

/// Sets a detail of column `index`'s target; a format or zone that cannot be used is refused
/// with the reason, and the template stays as it was.
fn set_detail(
    template: &mut Template,
    index: usize,
    detail: Detail,
    value: String,
) -> Result<(), String> {
    let Some(column) = template.columns.get_mut(index) else {
        return Ok(());
    };
    let list = |value: &str| -> Vec<String> {
        value
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .collect()
    };
    match (&mut column.target, detail) {
        (
            Target::Telcom { type_name }
            | Target::Address { type_name, .. }
            | Target::Category { type_name },
            Detail::TypeName,
        ) => *type_name = value,
        (Target::CustomField { name, .. }, Detail::Name) => *name = value,
        (Target::CustomField { value_type, .. }, Detail::Format) => {
            let format = DateFormat::new(value.trim()).map_err(|error| error.to_string())?;
            match value_type {
                ValueType::Date { format: old } if !format.has_time() => *old = format,
                ValueType::Timestamp { format: old, .. } if format.has_time() => *old = format,
                ValueType::Date { .. } => {
                    return Err(format!(
                        "The date format “{format}” has a time of day: choose “Custom field: date and time” for this column, or leave the time out"
                    ));
                }
                _ => {
                    return Err(format!(
                        "The format “{format}” has no time of day: add one (HH:mm), or choose “Custom field: date”"
                    ));
                }
            }
        }
        (
            Target::CustomField {
                value_type: ValueType::Timestamp { zone, .. },
                ..
            },
            Detail::Zone,
        ) => {
            check_time_zone(value.trim())?;
            *zone = value.trim().to_string();
        }
        (
            Target::CustomField {
                value_type: ValueType::Boolean { truthy, falsy },
                ..
            },
            Detail::True | Detail::False,
        ) => {
            let values = list(&value);
            let (this, other) = if matches!(detail, Detail::True) {
                (truthy, falsy)
            } else {
                (falsy, truthy)
            };
            if let Some(both) = values
                .iter()
                .find(|v| other.iter().any(|o| o.eq_ignore_ascii_case(v)))
            {
                return Err(format!(
                    "“{both}” cannot be both True and False: keep it in one list"
                ));
            }
            *this = values;
        }
        _ => {}
    }
    Ok(())
}

/// Sets a detail of column `index` of file `id` and checks the file again; a detail that
/// cannot be used is refused in the banner, with the reason.
fn apply(state: AppState, id: u32, index: usize, detail: Detail, value: String) {
    apply_with(state, id, move |template| {
        set_detail(template, index, detail, value)
    });
}

/// Applies `change` to file `id`'s template and checks the file again; a change that cannot
/// be made is refused in the banner, with the reason.
fn apply_with(state: AppState, id: u32, change: impl FnOnce(&mut Template) -> Result<(), String>) {
    let mut refused = None;
    state.update_file(id, |file| {
        if let Some(template) = &mut file.template
            && let Err(reason) = change(template)
        {
            refused = Some(reason);
        }
    });
    match refused {
        Some(reason) => state.banner.set(Some(format!("{reason}."))),
        None => state.check(id),
    }
}

/// The inputs for the details of a column's target.
#[component]
pub fn ColumnDetails(
    /// The file's id.
    id: u32,
    /// The column's index.
    index: usize,
    /// What the column becomes.
    target: Target,
    /// The formats its values fit, for a column of dates.
    dates: Option<DateFits>,
    /// A few of its values.
    samples: Vec<String>,
    /// For a yes/no column or a category, its distinct values with their counts.
    distinct: Vec<(String, u64)>,
    /// The column's header.
    header: String,
    /// For a category, what its values become (source value → value written).
    mapped: Vec<(String, String)>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let input = move |label: &'static str,
                      detail: Detail,
                      value: String,
                      size: u32,
                      list: Option<String>| {
        view! {
            <label class="inline">
                {label}" "
                <input
                    type="text"
                    value=value
                    size=size
                    list=list
                    on:change=move |ev| {
                        apply(state, id, index, detail, event_target_value(&ev));
                    }
                />
            </label>
        }
    };
    match target {
        Target::Telcom { type_name } | Target::Address { type_name, .. } => {
            input("Type", Detail::TypeName, type_name, 12, None).into_any()
        }
        Target::Category { type_name } => {
            // Each value of the column, with what it becomes (the value mapping of a
            // limited-value field): empty keeps it as it is.
            let rows = distinct
                .into_iter()
                .map(|(value, count)| {
                    let becomes = mapped
                        .iter()
                        .find(|(from, _)| from.eq_ignore_ascii_case(value.trim()))
                        .map(|(_, to)| to.clone())
                        .unwrap_or_default();
                    let label = format!("{value} ({count}) becomes");
                    let header = header.clone();
                    let from = value.clone();
                    view! {
                        <li data-testid="category-value">
                            <label class="inline">
                                {label}" "
                                <input type="text" size=12 value=becomes placeholder=value.clone()
                                    on:change=move |ev| {
                                        let to = event_target_value(&ev);
                                        let (header, from) = (header.clone(), from.clone());
                                        apply_with(state, id, move |template| {
                                            let map = template.value_maps.entry(header.clone()).or_default();
                                            map.retain(|key, _| !key.eq_ignore_ascii_case(&from));
                                            if !to.trim().is_empty() {
                                                map.insert(from, to.trim().to_string());
                                            }
                                            if map.is_empty() {
                                                template.value_maps.remove(&header);
                                            }
                                            Ok(())
                                        });
                                    }/>
                            </label>
                        </li>
                    }
                })
                .collect_view();
            view! {
                {input("Type", Detail::TypeName, type_name, 12, None)}
                <ul class="category-values" aria-label="What each value becomes">{rows}</ul>
            }
            .into_any()
        }
        Target::CustomField { name, value_type } => {
            let name_input = input("Name", Detail::Name, name, 14, None);
            let details = match &value_type {
                ValueType::Date { format } | ValueType::Timestamp { format, .. } => {
                    let list_id = format!("formats-{id}-{index}");
                    let zone = match &value_type {
                        ValueType::Timestamp { zone, .. } => {
                            Some(input("Time zone", Detail::Zone, zone.clone(), 14, None))
                        }
                        _ => None,
                    };
                    let options = dates
                        .iter()
                        .flat_map(|fits| fits.formats.iter().map(move |fit| (fit.clone(), fits.values)))
                        .filter(|(fit, _)| fit.fits > 0)
                        .map(|(fit, values)| {
                            view! { <option value=fit.pattern.clone()>{format!("{} of {values} values", fit.fits)}</option> }
                        })
                        .collect_view();
                    let hint = date_hint(format.pattern(), dates.as_ref());
                    view! {
                        {input("Format", Detail::Format, format.pattern().to_string(), 16, Some(list_id.clone()))}
                        <datalist id=list_id>{options}</datalist>
                        {zone}
                        {hint.map(|hint| view! { <p class="hint" role="status">{hint}</p> })}
                    }
                    .into_any()
                }
                ValueType::Boolean { truthy, falsy } => {
                    let (truthy, falsy) = (truthy.clone(), falsy.clone());
                    // Every value of the first records, else a few of them.
                    let seen: Vec<(String, Option<u64>)> = if distinct.is_empty() {
                        samples.iter().map(|value| (value.clone(), None)).collect()
                    } else {
                        distinct
                            .iter()
                            .map(|(value, count)| (value.clone(), Some(*count)))
                            .collect()
                    };
                    let reads = |value: &str| match value_type.convert(value) {
                        Ok(text) => Some(text == "true"),
                        Err(_) => None,
                    };
                    let unset: Vec<String> = seen
                        .iter()
                        .filter(|(value, _)| reads(value).is_none())
                        .map(|(value, _)| value.clone())
                        .collect();
                    let choices = seen
                        .iter()
                        .map(|(value, count)| {
                            let current = match reads(value) {
                                Some(true) => "true",
                                Some(false) => "false",
                                None => "",
                            };
                            let label = match count {
                                Some(count) => format!("{value} ({count})"),
                                None => value.clone(),
                            };
                            let value = value.clone();
                            view! {
                                <label class="inline" data-testid="boolean-value">
                                    {label}" "
                                    <select on:change=move |ev| {
                                        let to = match event_target_value(&ev).as_str() {
                                            "true" => Some(true),
                                            "false" => Some(false),
                                            _ => None,
                                        };
                                        let value = value.clone();
                                        apply_with(state, id, move |template| {
                                            if let Some(column) = template.columns.get_mut(index)
                                                && let Target::CustomField { value_type, .. } = &mut column.target
                                            {
                                                value_type.set_boolean(&value, to);
                                            }
                                            Ok(())
                                        });
                                    }>
                                        <option value="" selected=current.is_empty()>"Not set"</option>
                                        <option value="true" selected=current == "true">"True"</option>
                                        <option value="false" selected=current == "false">"False"</option>
                                    </select>
                                </label>
                            }
                        })
                        .collect_view();
                    let hint = (!unset.is_empty()).then(|| {
                        format!(
                            "Not yet set to True or False: {}. Leads with a value in neither list are not imported.",
                            unset.join(", ")
                        )
                    });
                    view! {
                        {choices}
                        {input("True", Detail::True, truthy.join(", "), 12, None)}
                        {input("False", Detail::False, falsy.join(", "), 12, None)}
                        {hint.map(|hint| view! { <p class="hint" role="status">{hint}</p> })}
                    }
                    .into_any()
                }
                ValueType::Text | ValueType::Number => ().into_any(),
            };
            view! { {name_input} {details} }.into_any()
        }
        _ => ().into_any(),
    }
}

/// What the mapping step says about a chosen date format: that it reads none of the values
/// (with the formats that do), that it reads only some, or that day and month cannot be told
/// apart.
fn date_hint(chosen: &str, dates: Option<&DateFits>) -> Option<String> {
    let dates = dates?;
    let reads = dates
        .formats
        .iter()
        .find(|fit| fit.pattern == chosen)
        .map_or(0, |fit| fit.fits);
    let others: Vec<&str> = dates
        .formats
        .iter()
        .filter(|fit| fit.pattern != chosen && fit.fits > 0)
        .map(|fit| fit.pattern.as_str())
        .collect();
    if dates.values > 0 && reads == 0 {
        return Some(if others.is_empty() {
            format!(
                "No value of this column is a date in the format {chosen}, nor in any format Leadpack knows: type the format the values are written in."
            )
        } else {
            format!(
                "No value of this column is a date in the format {chosen}. Formats that fit: {}.",
                others.join(", ")
            )
        });
    }
    if reads < dates.values {
        return Some(format!(
            "{} of the first {} values are not dates in the format {chosen}: those leads are not imported until they are corrected.",
            dates.values - reads,
            dates.values
        ));
    }
    dates.ambiguous.then(|| {
        "Every day in these values is 12 or less, so day and month cannot be told apart: make sure which comes first.".to_string()
    })
}
