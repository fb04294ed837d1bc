//! Step 4, packaging: output encoding (with a live count of characters it cannot hold), size
//! limit and options; Build with progress and Cancel; then every produced file to download.

use leptos::prelude::*;

use super::client;
use super::state::{AppState, Download, PackStatus, Step, discard_pack, offered_blob};
use super::{FilePicker, Progress};
use crate::protocol::Stage;
use crate::protocol::{Reply, Request};
use leadpack_engine::{OutputEncoding, PackOptions, Template, Unrepresentable, format_size};
use wasm_bindgen::JsCast;

/// Changes a packaging option of file `id`, or, when the files are one import, of every file
/// (an import's packages have one encoding, one size limit and one way of writing values).
fn change_options(state: AppState, id: u32, recheck: bool, change: impl Fn(&mut PackOptions)) {
    let together = state.together.get_untracked();
    state.files.update(|files| {
        for file in files.iter_mut().filter(|f| together || f.id == id) {
            if let Some(template) = &mut file.template {
                change(&mut template.options);
            }
            // A package built (or being built) with the old options is not offered.
            discard_pack(file);
        }
    });
    state.discard_import_pack();
    if recheck {
        state.check(id);
    }
}

/// A number as the browser writes it (`9.5`, `10`): the page leaves decimal formatting to the
/// browser rather than carrying its own.
fn js_number(value: f64) -> String {
    js_sys::Number::from(value)
        .to_string_with_radix(10)
        .map(String::from)
        .unwrap_or_default()
}

/// The packaging step.
#[component]
pub fn PackageStep() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <section class="step" aria-labelledby="package-heading">
            <h2 id="package-heading">"4. Build the import package"</h2>
            <Show when=move || !state.together.get() && state.files.with(|files| files.len() >= 2)>
                <AllFiles/>
            </Show>
            <FilePicker/>
            {move || {
                let Some(file) = state.current() else {
                    return ().into_any();
                };
                let Some(checked) = file.checked().cloned() else {
                    return view! { <p>"Checking the file…"</p> }.into_any();
                };
                let id = file.id;
                let template: Template = file.template.clone().unwrap_or_default();
                let options = template.options.clone();
                // The engine's one count of these values, as a refused build would give it.
                let unrepresentable = checked.report.unrepresentable_values();
                // How values are written in another encoding changes what the check previews
                // (values cut and replaced, leads packed): the file is checked again.
                let recheck = options.output_encoding != OutputEncoding::Utf8;
                let limit_mb = options.max_package_bytes as f64 / 1_000_000.0;
                let encoding_note = if options.output_encoding == OutputEncoding::Utf8 {
                    "UTF-8 holds every character.".to_string()
                } else if unrepresentable == 0 {
                    format!("Every value can be written in {}.", options.output_encoding.title())
                } else {
                    format!(
                        "{unrepresentable} value(s) to be packed have characters {} cannot hold (see Review).",
                        options.output_encoding.title()
                    )
                };
                view! {
                    <div class="form">
                        <label class="field">
                            <span>"Output encoding"</span>
                            <select data-testid="output-encoding" on:change=move |ev| {
                                let encoding = OutputEncoding::from_label(&event_target_value(&ev)).unwrap_or_default();
                                change_options(state, id, true, |o| o.output_encoding = encoding);
                            }>
                                {OutputEncoding::ALL.iter().map(|e| view! {
                                    <option value=e.label() selected=*e == options.output_encoding>{e.title()}</option>
                                }).collect_view()}
                            </select>
                        </label>
                        <p class="note" data-testid="encoding-note">{encoding_note}</p>
                        <Show when=move || { unrepresentable > 0 }>
                            <label class="check">
                                <input type="checkbox" data-testid="replace-unrepresentable"
                                    prop:checked=options.unrepresentable == Unrepresentable::Replace
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        change_options(state, id, recheck, |o| o.unrepresentable = if on { Unrepresentable::Replace } else { Unrepresentable::Refuse });
                                    }/>
                                " Replace them with the nearest the encoding holds (a letter without its accents, Ł as L, Cyrillic and Greek in Latin letters; “?” where nothing fits, such as Chinese or emoji)"
                            </label>
                        </Show>
                        <label class="field">
                            <span>"Package size limit (MB)"</span>
                            <input type="number" min="0.01" step="0.01" data-testid="size-limit"
                                value=js_number(limit_mb)
                                on:change=move |ev| {
                                    // The browser reads the number (NaN when the box holds none).
                                    let mb = event_target::<web_sys::HtmlInputElement>(&ev).value_as_number();
                                    if mb > 0.0 {
                                        change_options(state, id, false, |o| o.max_package_bytes = (mb * 1_000_000.0) as u64);
                                    }
                                }/>
                        </label>
                        <OptionCheck id=id testid="include-invalid" checked=options.include_invalid recheck=recheck
                            set=|o, on| o.include_invalid = on
                            label=" Also pack leads with errors (otherwise they go to the rejected rows file)"/>
                        <OptionCheck id=id testid="keep-long" checked=options.keep_long_values recheck=recheck
                            set=|o, on| o.keep_long_values = on
                            label=" Keep values longer than the CRM allows (otherwise they are cut as the CRM would)"/>
                        <OptionCheck id=id testid="simple-csv" checked=options.simple_csv recheck=false
                            set=|o, on| o.simple_csv = on
                            label=" Also write a simple lead CSV (the ten documented columns)"/>
                    </div>
                    {if state.together.get() {
                        view! { <ImportResult/> }.into_any()
                    } else {
                        view! { <PackResult status=file.pack.clone() id=id/> }.into_any()
                    }}
                }
                .into_any()
            }}
            <div class="actions">
                <button class="button secondary" on:click=move |_| state.step.set(Step::Review)>"Back"</button>
            </div>
        </section>
    }
}

/// A packaging option as a labelled checkbox.
#[component]
fn OptionCheck(
    /// The file.
    id: u32,
    /// The test hook.
    testid: &'static str,
    /// Whether the option is on.
    checked: bool,
    /// Whether the file is checked again when the option changes.
    recheck: bool,
    /// Sets the option.
    set: fn(&mut PackOptions, bool),
    /// The visible label.
    label: &'static str,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <label class="check">
            <input type="checkbox" data-testid=testid prop:checked=checked
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    change_options(state, id, recheck, |o| set(o, on));
                }/>
            {label}
        </label>
    }
}

/// What a build is doing, for its progress bar.
fn build_stage(stage: Stage) -> String {
    match stage {
        Stage::Verifying => "Checking a finished package".into(),
        Stage::Finishing => "Preparing the downloads".into(),
        Stage::Checking | Stage::Packing => "Building".into(),
        Stage::PackingImport { file, files } => format!("Building file {file} of {files}"),
    }
}

/// The Build button, the progress of a build, or its files.
#[component]
fn PackResult(status: PackStatus, id: u32) -> impl IntoView {
    let state = expect_context::<AppState>();
    build_status(
        status,
        "Build package",
        move || state.pack(id),
        move || state.cancel_pack(id),
    )
}

/// What a build shows: the button that starts it (`label`, running `build`), its progress with
/// Cancel (running `cancel`), why it stopped, or its files.
fn build_status(
    status: PackStatus,
    label: &'static str,
    build: impl Fn() + Copy + 'static,
    cancel: impl Fn() + Copy + 'static,
) -> AnyView {
    let button = move || {
        view! {
            <button class="button" data-testid="build" on:click=move |_| build()>{label}</button>
        }
    };
    match status {
        PackStatus::Idle => button().into_any(),
        PackStatus::Packing { stage, done, total, .. } => view! {
            <div class="file-status">
                <Progress label=build_stage(stage) done=done total=total/>
                <button class="button secondary" data-testid="cancel" on:click=move |_| cancel()>"Cancel"</button>
            </div>
        }
        .into_any(),
        PackStatus::Cancelled => view! {
            <div class="file-status" role="status">
                <p data-testid="pack-cancelled">
                    {format!("Building was cancelled, so no package was made. Choose “{label}” to build it again.")}
                </p>
                {button()}
            </div>
        }
        .into_any(),
        PackStatus::Failed(message) => view! {
            <div class="file-status failed" role="alert">
                <p data-testid="pack-error">{message}</p>
                <p>"No package was made, so there is nothing to download."</p>
                {button()}
            </div>
        }
        .into_any(),
        PackStatus::Done { files, packaged, rejected } => view! {
            <Downloads files=files packaged=packaged rejected=rejected/>
            {button()}
        }
        .into_any(),
    }
}

/// What a finished build offers: how many leads went where, and every file to download.
#[component]
fn Downloads(files: Vec<Download>, packaged: u64, rejected: u64) -> impl IntoView {
    view! {
        <p data-testid="pack-summary">{format!("{packaged} {} packed, {rejected} left out.", if packaged == 1 { "lead" } else { "leads" })}</p>
        <ul class="downloads" data-testid="downloads">
            {files.into_iter().map(|download| {
                let name = download.file.name.clone();
                let label = format!("Download {name}");
                view! {
                    <li>
                        <span class="file-name">{name.clone()}</span>
                        <span class="file-size">{format_size(download.file.size)}</span>
                        <span class="rows">{format!("{} rows", download.file.rows)}</span>
                        <a class="button" href=download.url download=name aria-label=label data-testid="download">"Download"</a>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// Every file at once, when each file is its own import: "Build all" builds each in turn, and
/// "Download all" offers every file built as one ZIP archive.
#[component]
fn AllFiles() -> impl IntoView {
    let state = expect_context::<AppState>();
    // Building every file, one after the other.
    let building = RwSignal::new(false);
    let archive = RwSignal::new(None::<Result<(String, String), String>>);
    let checked = move || {
        state.files.with(|files| {
            files
                .iter()
                .filter(|file| file.checked().is_some())
                .map(|file| (file.id, file.pack.clone()))
                .collect::<Vec<_>>()
        })
    };
    // While building all: the next file is started once the one before has ended.
    Effect::new(move |_| {
        if !building.get() {
            return;
        }
        let files = checked();
        if files.iter().any(|(_, pack)| pack.job().is_some()) {
            return;
        }
        match files
            .iter()
            .find(|(_, pack)| !matches!(pack, PackStatus::Done { .. }))
        {
            Some((id, PackStatus::Idle)) => state.pack(*id),
            // One that failed or was cancelled stops the round: its message says why.
            _ => building.set(false),
        }
    });
    let done = move || {
        let files = checked();
        (
            files
                .iter()
                .filter(|(_, pack)| matches!(pack, PackStatus::Done { .. }))
                .count(),
            files.len(),
        )
    };
    // An archive made before a file was built again no longer holds what is offered.
    Effect::new(move |_| {
        let _ = done();
        archive.update_untracked(|archive| {
            if let Some(Ok((url, _))) = archive.take()
                && !url.is_empty()
            {
                let _ = web_sys::Url::revoke_object_url(&url);
            }
        });
        archive.notify();
    });
    let download_all = move |_| {
        let blobs = js_sys::Array::new();
        let mut listed = Vec::new();
        state.files.with_untracked(|files| {
            for file in files {
                if let PackStatus::Done { files, .. } = &file.pack {
                    for download in files {
                        if let Some(blob) = offered_blob(&download.url) {
                            blobs.push(&blob);
                            listed.push(download.file.name.clone());
                        }
                    }
                }
            }
        });
        archive.set(Some(Ok((
            String::new(),
            "Putting every file into one archive…".into(),
        ))));
        let job = client::next_job();
        let request = Request::Bundle { job, names: listed };
        client::send_blobs(
            job,
            &request,
            &blobs,
            Some(Box::new(move |reply, raw| match reply {
                Reply::Bundled { size, .. } => {
                    let blob = js_sys::Reflect::get(raw, &"blobs".into())
                        .ok()
                        .and_then(|blobs| blobs.dyn_into::<js_sys::Array>().ok())
                        .and_then(|blobs| blobs.get(0).dyn_into::<web_sys::Blob>().ok());
                    let url =
                        blob.and_then(|blob| web_sys::Url::create_object_url_with_blob(&blob).ok());
                    archive.update(|archive| {
                        if let Some(Ok((old, _))) = archive.as_ref() && !old.is_empty() {
                            let _ = web_sys::Url::revoke_object_url(old);
                        }
                        *archive = Some(match url {
                            Some(url) => Ok((url, format!("lead-packages.zip, {}", format_size(*size)))),
                            None => Err("The browser could not offer the archive. Download the files one by one.".into()),
                        });
                    });
                }
                Reply::Failed { message, .. } => archive.set(Some(Err(message.clone()))),
                _ => {}
            })),
        );
    };
    view! {
        <div class="all-files" data-testid="all-files">
            <p>{move || {
                let (built, all) = done();
                format!("{built} of {all} files built.")
            }}</p>
            <div class="actions">
                <button class="button" data-testid="build-all"
                    disabled=move || building.get() || done().0 == done().1
                    on:click=move |_| {
                        // Files that failed or were cancelled before are built again too.
                        for (id, pack) in checked() {
                            if matches!(pack, PackStatus::Failed(_) | PackStatus::Cancelled) {
                                state.update_file(id, |file| file.pack = PackStatus::Idle);
                            }
                        }
                        building.set(true);
                    }>
                    {move || format!("Build all {} files", done().1)}
                </button>
                <button class="button secondary" data-testid="download-all"
                    disabled=move || building.get() || done().0 == 0 || done().0 != done().1
                    on:click=download_all>
                    "Download every file (one ZIP)"
                </button>
            </div>
            <p role="status" data-testid="all-files-status">
                {move || match archive.get() {
                    Some(Ok((url, said))) if !url.is_empty() => view! {
                        <a class="button" href=url download="lead-packages.zip" data-testid="download-archive">
                            {format!("Download {said}")}
                        </a>
                    }.into_any(),
                    Some(Ok((_, said))) => said.into_any(),
                    Some(Err(message)) => message.into_any(),
                    None => ().into_any(),
                }}
            </p>
        </div>
    }
}

/// The build of all the files as one import: its name, the Build button, its progress, or its
/// files.
#[component]
fn ImportResult() -> impl IntoView {
    let state = expect_context::<AppState>();
    let names = move || {
        state.files.with(|files| {
            files
                .iter()
                .map(|f| f.name.clone())
                .collect::<Vec<_>>()
                .join(", ")
        })
    };
    view! {
        <p class="note" data-testid="import-files">
            {move || format!("One import of every file, checked together: {}. Its packages hold as many of the files as fit below the size limit, each listed with its mapping.", names())}
        </p>
        <label class="field">
            <span>"Name of the import's packages"</span>
            <input type="text" data-testid="import-name" prop:value=move || state.import_name.get()
                on:change=move |ev| {
                    state.import_name.set(event_target_value(&ev));
                    state.discard_import_pack();
                }/>
        </label>
        {move || build_status(
            state.import_pack.get(),
            "Build the import",
            move || state.pack_import(),
            move || state.cancel_import_pack(),
        )}
    }
}
