//! The web worker (wasm only): receives requests from the page, reads the user's `File` in
//! slices, runs the same engine functions as the command-line tool, and posts replies.
//!
//! It is the only place besides `ui` that touches browser APIs; every browser error is turned
//! into a plain message here.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::sync::Arc;

use js_sys::{Array, Promise, Reflect, Uint8Array};
use serde::Serialize;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{Blob, BlobPropertyBag, DedicatedWorkerGlobalScope, File, MessageEvent};

use crate::protocol::{
    CheckedFile, ImportPart, ProducedFile, ReadSettings, Reply, Request, Stage, findings_page,
};
use leadpack_engine::{
    Built, CheckOptions, Edits, FileChecker, FileReport, Import, NoSink, OutputFile, PackJob,
    PackageReader, ReadOptions, Record, RecordReader, SCREENED_AHEAD, Severity, Template,
    TextDecoder, Verifying, changes_csv, compressed_entry_size, encoding_for_label, findings_csv,
    pack_together, parse_delimiter, safe_stem,
};

/// The size of the slices read from a file.
const CHUNK_BYTES: f64 = 1024.0 * 1024.0;
/// While reading, the worker takes the messages that came in at least this often (ms).
const MESSAGES_EVERY_MS: f64 = 30.0;
/// How many slices of the file are being read while the worker handles the one before them.
const SLICES_AHEAD: usize = 3;
/// Files from this size on are checked by both workers (below it, the messages between them
/// would cost more than they save).
const SCREEN_ELSEWHERE_BYTES: f64 = 2.0 * CHUNK_BYTES;
/// The least time between two progress messages, in milliseconds.
const PROGRESS_EVERY_MS: f64 = 100.0;

/// A file the page handed over, and its last report.
struct Held {
    file: File,
    report: Arc<FileReport>,
}

/// The import whose files are being checked, by the number the page gave it.
fn import_numbered(number: u32) -> Import {
    IMPORT.with(|current| {
        let mut current = current.borrow_mut();
        match &*current {
            Some((kept, import)) if *kept == number => import.clone(),
            // A new number starts the import again: the page checks every file anew.
            _ => {
                let import = Import::new();
                *current = Some((number, import.clone()));
                import
            }
        }
    })
}

thread_local! {
    static IMPORT: RefCell<Option<(u32, Import)>> = const { RefCell::new(None) };
    static FILES: RefCell<HashMap<u32, Held>> = RefCell::new(HashMap::new());
    static CANCELLED: RefCell<HashSet<u32>> = RefCell::new(HashSet::new());
}

mod bundle;
mod grid;
mod helper;

/// Starts listening to the page, and tells it the worker is ready. Started by the worker itself
/// under the helper's name, it works as the helper instead ([`helper`]).
pub fn start() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    if scope.name() == helper::NAME {
        helper::serve();
        return;
    }
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(handle);
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    // The helper loads and warms up on another core meanwhile.
    let helping = helper::start();
    warm_up();
    spawn_local(async move {
        if let Some(listening) = helping {
            let _ = listening.await;
        }
        post(&Reply::Ready, None);
    });
}

/// Checks and packs a few thousand generated leads, so that the browser has optimised the
/// engine's busiest code (the rules, reading, DEFLATE, the read-back) before the user's first
/// file arrives. The browser first runs a wasm function through a quick baseline compiler and
/// optimises it only once it has run for a while, in the background; a check of a large file
/// otherwise spends its first second or so in the slower code. Takes 0.1 to 0.25 s on a 2-core
/// machine, while the page is already shown.
fn warm_up_engine() {
    let options = leadpack_generate::GeneratorOptions {
        rows: WARM_UP_ROWS,
        seed: 1,
        ..Default::default()
    };
    let mut bytes = Vec::new();
    if leadpack_generate::generate(&options, &mut bytes).is_err() {
        return;
    }
    let Ok(report) = leadpack_engine::check_bytes("leads.csv", &bytes, CheckOptions::default())
    else {
        return;
    };
    let template = Template::suggested(&report);
    let mut job = PackJob::new("leads.csv", &template).reusing(Arc::new(report));
    if job.feed(&bytes).is_ok() {
        let _ = job.finish();
    }
}

/// Enough leads for the browser to optimise the busiest functions (docs/performance.md).
const WARM_UP_ROWS: u64 = 4_000;

/// A few made-up leads, one of each common kind of finding.
const WARM_UP_LEADS: &str = "ID,First Name,Last Name,Email,Work Phone,Market Segment,Sale Concept,Company,Position,Zip Code\r\n\
    L1,Ann,Lee,ann.lee@example.com,+1 416 555 0100,Retirees,Retirement,\"Lee, Lee & Co\",Partner,M5V 2T6\r\n\
    L2,Zoë,Brontë,zoe@example,4.47901E+11,Pre Retirement,Estate,Brontë Ltd,=SUM(A1),90210\r\n\
    L2,,Stone,,,Millennials,Education Planning,A company name that is much longer than the CRM keeps,CEO,\r\n";

/// Runs a check of a few made-up leads through the same code as a user's file (reading, rules,
/// the report and the messages to the page), so that the browser has compiled that code before
/// the user's first file arrives: the first run of the worker's code otherwise pays for
/// compiling it, most of the wait for a small file. Then [`warm_up_engine`] has the browser
/// optimise the busiest code. Runs before the worker says it is ready; nothing of it is kept.
fn warm_up() {
    let Ok(mut report) = leadpack_engine::check_bytes(
        "leads.csv",
        WARM_UP_LEADS.as_bytes(),
        CheckOptions::default(),
    ) else {
        return;
    };
    let checked = checked_file(&mut report);
    let query = crate::protocol::FindingsQuery {
        limit: 50,
        ..Default::default()
    };
    let (total, items) = findings_page(&report, &query);
    warm_up_engine();
    for reply in [
        Reply::Checked {
            job: 0,
            file_id: 0,
            checked: Box::new(checked),
        },
        Reply::Findings {
            job: 0,
            file_id: 0,
            total,
            offset: 0,
            items,
        },
    ] {
        let _ = reply.serialize(&serializer());
    }
}

fn serializer() -> serde_wasm_bindgen::Serializer {
    serde_wasm_bindgen::Serializer::json_compatible()
}

/// Posts `reply` to the page, with `blobs` (files the worker made) as the message's `blobs`.
/// A `Blob` crosses to the page without its bytes being copied.
fn post(reply: &impl Serialize, blobs: Option<Array>) {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let Ok(message) = reply.serialize(&serializer()) else {
        web_sys::console::error_1(&"Leadpack could not encode a message for the page".into());
        return;
    };
    if let Some(blobs) = blobs {
        let _ = Reflect::set(&message, &"blobs".into(), &blobs);
    }
    if scope.post_message(&message).is_err() {
        web_sys::console::error_1(&"Leadpack could not send a message to the page".into());
    }
}

/// A produced file as a `Blob` of its type.
fn blob(file: &OutputFile) -> Result<Blob, String> {
    let parts = Array::of1(&Uint8Array::from(file.bytes.as_slice()));
    let options = BlobPropertyBag::new();
    options.set_type(if file.name.ends_with(".zip") {
        "application/zip"
    } else {
        "text/csv"
    });
    Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(|_| out_of_memory(&file.name))
}

/// What to say when the browser cannot hold a file the worker made.
fn out_of_memory(name: &str) -> String {
    format!(
        "The browser could not hold {name} in memory. Close other tabs and try again, or use the \
         leadpack command-line tool for files this large."
    )
}

fn fail(job: u32, message: impl Into<String>) {
    post(
        &Reply::Failed {
            job,
            message: message.into(),
        },
        None,
    );
}

/// A browser error in words.
fn js_message(value: JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|error| String::from(error.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| "the browser could not read the file".to_string())
}

/// The browser refused to read a chosen file: it has almost always changed on disk since it
/// was chosen (the browser's own words blame "permission problems", which misleads).
fn unreadable(file: &File) -> String {
    format!(
        "{} could not be read: it was probably changed, moved or deleted after you chose it. \
         Choose it again.",
        file.name()
    )
}

fn handle(event: MessageEvent) {
    let data = event.data();
    if let Some((diagnostic, job)) = diagnostic(&data) {
        with_attached_file(&data, job, |file| match diagnostic {
            Diagnostic::Deflate => spawn_local(deflate(job, file)),
            Diagnostic::ReadOnly => spawn_local(read_only(job, file)),
            Diagnostic::CheckAlone => spawn_local(check(
                job,
                u32::MAX,
                file,
                ReadSettings::default(),
                None,
                Edits::default(),
                Workers::One,
                None,
            )),
        });
        return;
    }
    let request: Request = match serde_wasm_bindgen::from_value(data.clone()) {
        Ok(request) => request,
        Err(err) => {
            // The job's number, if the request has one: its sender is waiting for an answer.
            let job = Reflect::get(&data, &"job".into())
                .ok()
                .and_then(|job| job.as_f64())
                .map_or(0, |job| job as u32);
            fail(
                job,
                format!(
                    "Leadpack received a request it does not understand ({err}). Reload the page."
                ),
            );
            return;
        }
    };
    match request {
        Request::Unpack { job } => {
            with_attached_file(&data, job, |file| spawn_local(unpack(job, file)));
        }
        Request::Cancel { job } => CANCELLED.with(|set| {
            set.borrow_mut().insert(job);
        }),
        Request::Forget { file_id } => {
            FILES.with(|files| files.borrow_mut().remove(&file_id));
            grid::forget(file_id);
        }
        Request::Rows {
            job,
            file_id,
            filter,
            offset,
            limit,
        } => spawn_local(grid::rows(job, file_id, filter, offset, limit)),
        Request::FindRow {
            job,
            file_id,
            filter,
            row,
        } => spawn_local(grid::find_row(job, file_id, filter, row)),
        Request::Bundle { job, names } => {
            let blobs: Array = Reflect::get(&data, &"files".into())
                .ok()
                .and_then(|files| files.dyn_into().ok())
                .unwrap_or_default();
            spawn_local(bundle::bundle(job, names, blobs));
        }
        Request::CountReplace {
            job,
            file_id,
            replacement,
        } => spawn_local(grid::count_replace(job, file_id, replacement)),
        Request::Findings {
            job,
            file_id,
            query,
        } => {
            let page = FILES.with(|files| {
                files
                    .borrow()
                    .get(&file_id)
                    .map(|held| findings_page(&held.report, &query))
            });
            match page {
                Some((total, items)) => post(
                    &Reply::Findings {
                        job,
                        file_id,
                        total,
                        offset: query.offset,
                        items,
                    },
                    None,
                ),
                None => fail(job, "That file is no longer open. Choose it again."),
            }
        }
        Request::Check {
            job,
            file_id,
            settings,
            template,
            edits,
            import,
        } => with_attached_file(&data, job, |file| {
            let import = import.map(import_numbered);
            spawn_local(check(
                job,
                file_id,
                file,
                settings,
                template,
                edits,
                Workers::Both,
                import,
            ));
        }),
        Request::Pack {
            job,
            file_id,
            settings,
            template,
            edits,
        } => spawn_local(pack(
            job,
            ImportPart {
                file_id,
                settings,
                template,
                edits,
            },
        )),
        Request::PackImport { job, name, files } => spawn_local(pack_import(job, name, files)),
    }
}

/// The benchmarks' diagnostics. The page never sends them, so they are not part of its protocol
/// (`src/protocol.rs`), and the page carries no code for them: a diagnostic is a request whose
/// `kind` is `deflate`, `read-only` or `check-alone`, with a `job` and a `file`.
enum Diagnostic {
    /// Compress the whole file as one package entry; reply with the sizes and the time taken.
    Deflate,
    /// Read the file as a check reads it (slice by slice, decoded as UTF-8, split into records
    /// at commas) without applying any rule; reply with the records counted. It measures what
    /// reading alone costs in the worker, the floor under a check's time.
    ReadOnly,
    /// Check the file (with the default settings) in this worker alone, without the second
    /// worker's help; reply as to a check. It compares the wasm build with the native one on
    /// one core.
    CheckAlone,
}

/// Which workers a check runs in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Workers {
    /// This one alone.
    One,
    /// This one and, for a large file, the second ([`helper`]).
    Both,
}

/// A diagnostic's answer, named by its variant as the protocol's replies are.
#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
enum Diagnosed {
    Deflated {
        job: u32,
        /// Bytes compressed.
        input: u64,
        /// Their compressed size (the entry's data, without the archive's headers).
        output: u64,
        /// The time compression took, in milliseconds (reading the file is not counted).
        millis: f64,
    },
    ReadOnly {
        job: u32,
        /// Records read, the header included.
        records: u64,
    },
}

/// The diagnostic `data` asks for, and its job; `None` for the page's own requests.
fn diagnostic(data: &JsValue) -> Option<(Diagnostic, u32)> {
    let kind = Reflect::get(data, &"kind".into()).ok()?.as_string()?;
    let diagnostic = match kind.as_str() {
        "deflate" => Diagnostic::Deflate,
        "read-only" => Diagnostic::ReadOnly,
        "check-alone" => Diagnostic::CheckAlone,
        _ => return None,
    };
    let job = Reflect::get(data, &"job".into()).ok()?.as_f64()?;
    Some((diagnostic, job as u32))
}

/// Starts `job` with the `File` its request carries in its `file` property, or fails it with
/// a message when none came.
fn with_attached_file(data: &JsValue, job: u32, start: impl FnOnce(File)) {
    match Reflect::get(data, &"file".into())
        .ok()
        .and_then(|f| f.dyn_into::<File>().ok())
    {
        Some(file) => start(file),
        None => fail(job, "No file came with the request. Choose the file again."),
    }
}

fn cancelled(job: u32) -> bool {
    // A job stops the first time it is told, so its entry is no longer needed.
    CANCELLED.with(|set| set.borrow_mut().remove(&job))
}

/// How the user's settings say to read `file`.
fn read_options(file: &File, settings: &ReadSettings) -> Result<ReadOptions, String> {
    let encoding = match &settings.encoding {
        Some(label) => Some(
            encoding_for_label(label)
                .ok_or_else(|| format!("“{label}” is not an encoding Leadpack knows."))?,
        ),
        None => None,
    };
    let delimiter = match &settings.delimiter {
        Some(text) => {
            Some(parse_delimiter(text).ok_or_else(|| format!("“{text}” cannot be a delimiter."))?)
        }
        None => None,
    };
    Ok(ReadOptions {
        encoding,
        delimiter,
        size_hint: Some(file.size() as u64),
        threads: 0,
    })
}

/// The check options of the user's settings and decisions.
fn options(
    file: &File,
    settings: &ReadSettings,
    template: Option<&Template>,
    edits: &Edits,
) -> Result<CheckOptions, String> {
    let read = read_options(file, settings)?;
    let template = template.cloned().unwrap_or_default();
    Ok(CheckOptions::for_build(&template, read, edits.clone()))
}

/// Hands `file` slice by slice to `feed`, posting progress; `None` when the job was cancelled.
/// The browser reads the next slice while `feed` handles this one (and waits, if it must).
async fn read_slices(
    job: u32,
    stage: Stage,
    file: &File,
    feed: &mut impl AsyncFnMut(&[u8]) -> Result<(), String>,
) -> Result<Option<()>, String> {
    let total = file.size();
    let read_slice = |start: f64| -> Result<JsFuture, String> {
        let end = (start + CHUNK_BYTES).min(total);
        let slice = file
            .slice_with_f64_and_f64(start, end)
            .map_err(|_| unreadable(file))?;
        Ok(JsFuture::from(slice.array_buffer()))
    };
    let mut offset = 0.0;
    let mut last_progress = 0.0;
    // The slices on their way, in order, and where the next one to ask for starts.
    let mut reading = std::collections::VecDeque::new();
    let mut requested = 0.0;
    let mut ask_ahead = |reading: &mut std::collections::VecDeque<JsFuture>| {
        while reading.len() < SLICES_AHEAD && requested < total {
            reading.push_back(read_slice(requested)?);
            requested = (requested + CHUNK_BYTES).min(total);
        }
        Ok::<_, String>(())
    };
    ask_ahead(&mut reading)?;
    let mut bytes: Vec<u8> = Vec::new();
    let mut last_turn = js_sys::Date::now();
    loop {
        // Slices read ahead are often ready at once, and waiting for one then lets no message
        // in: the page's Cancel, the helper's answers. Let them in now and then.
        if js_sys::Date::now() - last_turn >= MESSAGES_EVERY_MS {
            let _ = JsFuture::from(Promise::new(&mut |resolve, _| {
                let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
                let _ = scope.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
            }))
            .await;
            last_turn = js_sys::Date::now();
        }
        if cancelled(job) {
            return Ok(None);
        }
        let now = js_sys::Date::now();
        if now - last_progress >= PROGRESS_EVERY_MS || offset >= total {
            last_progress = now;
            progress(job, stage, offset as u64, total as u64);
        }
        let Some(slice) = reading.pop_front() else {
            return Ok(Some(()));
        };
        let buffer = slice.await.map_err(|_| unreadable(file))?;
        let array = Uint8Array::new(&buffer);
        bytes.resize(array.length() as usize, 0);
        array.copy_to(&mut bytes);
        offset = (offset + CHUNK_BYTES).min(total);
        ask_ahead(&mut reading)?;
        feed(&bytes).await?;
    }
}

/// Tells the page how far `job` is in `stage`.
fn progress(job: u32, stage: Stage, done: u64, total: u64) {
    post(
        &Reply::Progress {
            job,
            stage,
            done,
            total,
        },
        None,
    );
}

/// Progress messages while the packer reads a finished package back (the last one is read back
/// after the file's last slice, and a large one takes a moment), at most every
/// `PROGRESS_EVERY_MS`. Cancelling waits until the package is read back.
fn verify_progress(job: u32) -> impl FnMut(Verifying) + 'static {
    let mut last = 0.0;
    move |state: Verifying| {
        let now = js_sys::Date::now();
        if now - last >= PROGRESS_EVERY_MS {
            last = now;
            progress(job, Stage::Verifying, state.done, state.total);
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn check(
    job: u32,
    file_id: u32,
    file: File,
    settings: ReadSettings,
    template: Option<Template>,
    edits: Edits,
    workers: Workers,
    import: Option<Import>,
) {
    let outcome = async {
        let options = options(&file, &settings, template.as_ref(), &edits)?;
        let mut checker = FileChecker::new(file.name(), options);
        if let Some(import) = &import {
            checker = checker.in_import(import);
        }
        // In a large file, the second worker applies the rules that need a record alone while
        // this one reads the next records and compares each with those before it.
        let remote = (workers == Workers::Both && file.size() >= SCREEN_ELSEWHERE_BYTES)
            .then(|| helper::RemoteScreening::connect(job, &mut checker))
            .flatten();
        let mut still_wanted = || !cancelled(job);
        let mut feed = async |bytes: &[u8]| {
            checker.feed(bytes).map_err(|err| err.to_string())?;
            if let Some(remote) = &remote {
                // A cancel is noticed by the reading, before the next slice.
                remote
                    .take_answers(&mut checker, SCREENED_AHEAD, &mut still_wanted)
                    .await?;
            }
            Ok(())
        };
        if read_slices(job, Stage::Checking, &file, &mut feed)
            .await?
            .is_none()
        {
            return Ok(None);
        }
        checker
            .end_input(&mut NoSink)
            .map_err(|err| err.to_string())?;
        if let Some(remote) = &remote
            && !remote
                .take_answers(&mut checker, 0, &mut still_wanted)
                .await?
        {
            return Ok(None);
        }
        checker.finish().map(Some).map_err(|err| err.to_string())
    }
    .await;
    match outcome {
        Ok(Some(mut report)) => {
            let checked = checked_file(&mut report);
            let report = Arc::new(report);
            FILES.with(|files| files.borrow_mut().insert(file_id, Held { file, report }));
            post(
                &Reply::Checked {
                    job,
                    file_id,
                    checked: Box::new(checked),
                },
                None,
            );
        }
        Ok(None) => post(&Reply::Cancelled { job }, None),
        Err(message) => fail(job, message),
    }
}

/// What the page needs of a report: everything but the list of findings.
fn checked_file(report: &mut FileReport) -> CheckedFile {
    let count = |severity| report.issues.count_severity(severity) as u64;
    let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
    let samples = (0..report.columns.len())
        .map(|column| {
            let mut shown: Vec<String> = Vec::new();
            for row in report.samples.get(column).into_iter().flatten() {
                let value = row.trim();
                if !value.is_empty() && !shown.iter().any(|s| s == value) {
                    shown.push(value.to_string());
                    if shown.len() == 2 {
                        break;
                    }
                }
            }
            shown
        })
        .collect();
    // Copied without its findings and samples (which may be large): they are set aside meanwhile.
    let issues = std::mem::take(&mut report.issues);
    let samples_kept = std::mem::take(&mut report.samples);
    let light = report.clone();
    report.issues = issues;
    report.samples = samples_kept;
    CheckedFile {
        findings: report.issues.len() as u64,
        errors,
        warnings,
        samples,
        suggested: Template::suggested(report),
        values: report.values.clone(),
        report: light,
    }
}

/// A file the worker holds, and its last report.
fn held(file_id: u32) -> Option<(File, Arc<FileReport>)> {
    FILES.with(|files| {
        let files = files.borrow();
        let held = files.get(&file_id)?;
        Some((held.file.clone(), Arc::clone(&held.report)))
    })
}

/// Builds the packages of one file (reading it once more, checking it in `import` when it is
/// part of one); `None` when the job was cancelled.
async fn build(
    job: u32,
    stage: Stage,
    (file, checked): (File, Arc<FileReport>),
    part: ImportPart,
    import: Option<&Import>,
) -> Result<Option<Built>, String> {
    let read = read_options(&file, &part.settings)?;
    // The check's findings are reused when the build's decisions find the same (never in an
    // import, whose files are compared with each other as they are read).
    let mut build = PackJob::new(&file.name(), &part.template)
        .read_as(read)
        .with_edits(part.edits)
        .reusing(checked);
    if let Some(import) = import {
        build = build.in_import(import);
    }
    build.on_verify(verify_progress(job));
    // The packages are assembled (compressed) by a second worker while this one reads.
    let remote = helper::Remote::connect(job, &mut build);
    let mut feed = async |bytes: &[u8]| {
        build.feed(bytes).map_err(|err| err.to_string())?;
        if let Some(remote) = &remote {
            remote.keep_up(&mut build).await;
        }
        Ok(())
    };
    if read_slices(job, stage, &file, &mut feed).await?.is_none() {
        return Ok(None);
    }
    build.end_input().map_err(|err| err.to_string())?;
    if let Some(remote) = &remote {
        let (total, mut last) = (file.size() as u64, js_sys::Date::now());
        let mut still_wanted = || {
            let now = js_sys::Date::now();
            if now - last >= PROGRESS_EVERY_MS {
                last = now;
                progress(job, stage, total, total);
            }
            !cancelled(job)
        };
        if !remote.wait_for_end(&mut build, &mut still_wanted).await {
            return Ok(None);
        }
    }
    build.finish().map(Some).map_err(|err| err.to_string())
}

/// Builds the packages of one file and offers every file made.
async fn pack(job: u32, part: ImportPart) {
    let file_id = part.file_id;
    let Some(held) = held(file_id) else {
        fail(job, "That file is no longer open. Choose it again.");
        return;
    };
    match build(job, Stage::Packing, held, part, None).await {
        Ok(Some(Built { report, outcome })) => {
            let mut extra = vec![findings_csv(std::slice::from_ref(&report))];
            extra.extend(changes_csv(&report));
            let mut files: Vec<&OutputFile> = outcome.files().collect();
            files.extend(extra.iter());
            offer(
                job,
                file_id,
                &files,
                (outcome.packaged, outcome.rejected_rows),
            );
            keep_report(file_id, report);
        }
        Ok(None) => post(&Reply::Cancelled { job }, None),
        Err(message) => fail(job, message),
    }
}

/// Builds one import of several files: each file is checked and packed in turn, in one
/// [`Import`], then their packages are put together; every file made is offered at once, or
/// nothing when one of the files cannot be built.
async fn pack_import(job: u32, name: String, mut parts: Vec<ImportPart>) {
    let import = Import::new();
    // One size limit for the import: the first file's (the page gives all the same), as on the
    // command line.
    let Some(max) = parts
        .first()
        .map(|part| part.template.options.max_package_bytes)
    else {
        return fail(
            job,
            "The import has no file to build. Choose the files again.",
        );
    };
    for part in &mut parts {
        part.template.options.max_package_bytes = max;
    }
    let count = parts.len() as u32;
    let mut outcomes = Vec::with_capacity(parts.len());
    let mut reports = Vec::with_capacity(parts.len());
    for (index, part) in parts.into_iter().enumerate() {
        let file_id = part.file_id;
        let Some(held) = held(file_id) else {
            fail(
                job,
                "A file of the import is no longer open. Choose it again.",
            );
            return;
        };
        let file_name = held.0.name();
        let stage = Stage::PackingImport {
            file: index as u32 + 1,
            files: count,
        };
        match build(job, stage, held, part, Some(&import)).await {
            Ok(Some(Built { report, outcome })) => {
                reports.push(report);
                outcomes.push(outcome);
            }
            Ok(None) => return post(&Reply::Cancelled { job }, None),
            Err(message) => {
                return fail(
                    job,
                    format!(
                        "{message}\nNothing was built: every file of an import must be packed \
                         ({file_name} could not be). Fix it, or remove it from the files, and build again."
                    ),
                );
            }
        }
    }
    let packages = match pack_together(&safe_stem(&name), &outcomes, max) {
        Ok(packages) => packages,
        Err(err) => return fail(job, err.to_string()),
    };
    let packaged = outcomes.iter().map(|o| o.packaged).sum();
    let rejected = outcomes.iter().map(|o| o.rejected_rows).sum();
    let mut extra = vec![findings_csv(&reports)];
    extra.extend(reports.iter().filter_map(changes_csv));
    let mut files: Vec<&OutputFile> = packages.iter().collect();
    for outcome in &outcomes {
        files.extend(outcome.rejected.iter().chain(&outcome.simple));
    }
    files.extend(extra.iter());
    offer(job, 0, &files, (packaged, rejected));
}

/// Keeps the report a build read, for the findings the page asks for next.
fn keep_report(file_id: u32, report: FileReport) {
    FILES.with(|held| {
        if let Some(held) = held.borrow_mut().get_mut(&file_id) {
            held.report = Arc::new(report);
        }
    });
}

/// Hands the files a build made to the page, as `Blob`s beside a `Packed` reply, posting
/// progress while they are made.
fn offer(job: u32, file_id: u32, files: &[&OutputFile], (packaged, rejected): (u64, u64)) {
    let total: u64 = files.iter().map(|f| f.bytes.len() as u64).sum();
    // The build's last step: the files are handed over.
    progress(job, Stage::Finishing, 0, total);
    let (mut done, mut last_progress) = (0, js_sys::Date::now());
    let blobs = Array::new();
    let mut produced = Vec::with_capacity(files.len());
    for file in files {
        let now = js_sys::Date::now();
        if now - last_progress >= PROGRESS_EVERY_MS {
            last_progress = now;
            progress(job, Stage::Finishing, done, total);
        }
        done += file.bytes.len() as u64;
        match blob(file) {
            Ok(made) => blobs.push(&made),
            Err(message) => return fail(job, message),
        };
        produced.push(ProducedFile {
            name: file.name.clone(),
            kind: file.kind,
            rows: file.rows,
            size: file.bytes.len() as u64,
        });
    }
    post(
        &Reply::Packed {
            job,
            file_id,
            files: produced,
            packaged,
            rejected,
        },
        Some(blobs),
    );
}

/// Opens an import package and hands its CSV files back to the page, which loads them like
/// chosen files.
async fn unpack(job: u32, file: File) {
    let outcome = async {
        if file.size() > leadpack_engine::MAX_UNPACKED_BYTES as f64 {
            return Err(format!(
                "{} is larger than 1 GB; Leadpack does not open packages that large.",
                file.name()
            ));
        }
        let bytes = {
            let buffer = JsFuture::from(file.array_buffer())
                .await
                .map_err(|_| unreadable(&file))?;
            Uint8Array::new(&buffer).to_vec()
        };
        expand_package(&file.name(), &bytes)
    }
    .await;
    match outcome {
        Ok((files, blobs)) => post(&Reply::Unpacked { job, files }, Some(blobs)),
        Err(message) => fail(job, message),
    }
}

/// The expanded bytes of a package's CSV file are gathered into a `Blob` every this many bytes.
const UNPACKED_PART_BYTES: usize = 16 << 20;

/// Expands each CSV file of the import package `bytes` (named `name`) into a `File`, with the
/// encoding its package declares. Each file is expanded a slice at a time, and each slice goes
/// straight out of WebAssembly's memory into the browser's: the worker holds the package and one
/// slice, however large the files inside (the page checks each file later by reading it in
/// slices, as any chosen file).
fn expand_package(name: &str, bytes: &[u8]) -> Result<(Vec<(String, String)>, Array), String> {
    let mut package = PackageReader::open(name, bytes).map_err(|err| err.to_string())?;
    let (mut files, blobs) = (Vec::new(), Array::new());
    let mut slice = vec![0u8; CHUNK_BYTES as usize];
    while let Some(entry) = package.next_entry() {
        let mut entry = entry.map_err(|err| err.to_string())?;
        let csv_name = entry.name().to_string();
        let no_room = || out_of_memory(&csv_name);
        // Blobs of up to `UNPACKED_PART_BYTES`, each made of the slices read since the last.
        let (parts, mut slices, mut in_slices) = (Array::new(), Array::new(), 0);
        loop {
            let read = entry.read(&mut slice).map_err(|err| err.to_string())?;
            if read > 0 {
                slices.push(&Uint8Array::from(&slice[..read]));
                in_slices += read;
            }
            if in_slices > 0 && (read == 0 || in_slices >= UNPACKED_PART_BYTES) {
                let part = Blob::new_with_u8_array_sequence(&slices).map_err(|_| no_room())?;
                parts.push(&part);
                (slices, in_slices) = (Array::new(), 0);
            }
            if read == 0 {
                break;
            }
        }
        let csv = File::new_with_blob_sequence(&parts, &csv_name).map_err(|_| no_room())?;
        blobs.push(&csv);
        files.push((csv_name, entry.encoding().label().to_string()));
    }
    Ok((files, blobs))
}

/// The benchmarks' diagnostic: compresses the whole of `file` as the packages do and replies
/// with the sizes and the time compression took (measured with the worker's `performance`).
async fn deflate(job: u32, file: File) {
    let outcome = async {
        let buffer = JsFuture::from(file.array_buffer())
            .await
            .map_err(js_message)?;
        let bytes = Uint8Array::new(&buffer).to_vec();
        let start = now();
        let output = compressed_entry_size(&bytes).map_err(|err| err.to_string())?;
        Ok::<_, String>((bytes.len() as u64, output, now() - start))
    }
    .await;
    match outcome {
        Ok((input, output, millis)) => post(
            &Diagnosed::Deflated {
                job,
                input,
                output,
                millis,
            },
            None,
        ),
        Err(message) => fail(job, message),
    }
}

/// The benchmarks' reading diagnostic: reads `file` as a check does, without the rules, and
/// replies with the number of records (the page times it, as it times a check).
async fn read_only(job: u32, file: File) {
    let mut decoder = TextDecoder::new(encoding_rs::UTF_8);
    let mut reader = RecordReader::new(b',');
    let mut text = String::new();
    let mut records = 0u64;
    let mut count = |_: Record<'_>| records += 1;
    let outcome = read_slices(job, Stage::Checking, &file, &mut async |bytes: &[u8]| {
        text.clear();
        decoder.decode(bytes, false, &mut text);
        reader.feed(&text, &mut count);
        Ok(())
    })
    .await;
    match outcome {
        Ok(Some(())) => {
            text.clear();
            decoder.decode(&[], true, &mut text);
            reader.feed(&text, &mut count);
            reader.finish(&mut count);
            post(&Diagnosed::ReadOnly { job, records }, None);
        }
        Ok(None) => post(&Reply::Cancelled { job }, None),
        Err(message) => fail(job, message),
    }
}

/// The worker's high-resolution clock in milliseconds (`performance.now()`), else the date.
fn now() -> f64 {
    Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .and_then(|performance| {
            let now: js_sys::Function = Reflect::get(&performance, &"now".into())
                .ok()?
                .dyn_into()
                .ok()?;
            now.call0(&performance).ok()?.as_f64()
        })
        .unwrap_or_else(js_sys::Date::now)
}
