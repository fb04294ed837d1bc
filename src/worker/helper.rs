//! The app's second worker, which works beside the first on another core: it applies the first
//! stage of the rules to the records of a check (those that need a record alone, see
//! `leadpack_engine::screen_wire`) and assembles the packages of a build (DEFLATE, the ZIP archives, the
//! size limit) while the first worker reads the file. The first worker starts it as it starts
//! itself (so that every file of the app is loaded before the user's first file), from its own
//! script, under the name [`NAME`]; if the browser cannot start it, the first worker does all
//! the work itself.
//!
//! The helper says `{ready}` once it listens; the first worker holds its messages until then
//! (a worker's messages before its code has started are lost). `id` is the job (a check or a
//! build). Messages, first worker → helper:
//! - for a check: `{id, screen}` (the rules, as JSON), `{id, records}` (a batch of records,
//!   transferred);
//! - for a build: `{id, start}` (the layout, as JSON), `{id, rows}` (a [`RowBatch`],
//!   transferred), `{id, end}`;
//! - `{id, drop}`: the job is over (or cancelled).
//!
//! Helper → first worker: `{id, screened}` (what the rules found in a batch of records,
//! transferred; empty if the helper could not read the batch, which the first worker then
//! screens itself), `{id, took}` (the bytes of a batch of rows it has added), `{id, part, rows,
//! checksum}` (a finished package, transferred; the checksum as a decimal string, beyond
//! JavaScript's exact numbers), `{id, error}`, `{id, ended}`.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent, Worker, WorkerOptions};

use leadpack_engine::{
    AssembledPart, Assembler, Batched, FileChecker, NoSink, PackError, PackJob, PackageLayout,
    RecordScreen, RowBatch, ScreenRequest, screen_wire,
};

/// The name the second worker is started under, which tells it its role.
pub const NAME: &str = "leadpack-helper";

/// At most this many bytes of rows wait for the helper; reading pauses beyond.
const MAX_WAITING_BYTES: usize = 16 << 20;
/// While waiting for the second worker, the first looks up at least this often (ms), to tell
/// the page how far it is and to notice a cancel.
const LOOK_UP_MS: i32 = 100;
/// A check stops waiting for the second worker when it has not answered for this long (ms) and
/// screens its records itself; a batch takes it a few milliseconds.
const STALLED_MS: f64 = 10_000.0;

// ---- The second worker ----------------------------------------------------------------------

thread_local! {
    static ASSEMBLERS: RefCell<HashMap<u32, Assembler>> = RefCell::new(HashMap::new());
    static SCREENS: RefCell<HashMap<u32, RecordScreen>> = RefCell::new(HashMap::new());
}

/// Runs this worker as the helper.
pub fn serve() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(answer);
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    warm_up();
    let ready = Object::new();
    let _ = Reflect::set(&ready, &"ready".into(), &true.into());
    if scope.post_message(&ready).is_err() {
        web_sys::console::error_1(&"Leadpack's second worker could not start".into());
    }
}

/// Checks and compresses a few generated leads, so that the browser has optimised the rules and
/// DEFLATE before the first file (see `warm_up_engine` in the first worker).
fn warm_up() {
    let options = leadpack_generate::GeneratorOptions {
        rows: 4_000,
        seed: 1,
        ..Default::default()
    };
    let mut bytes = Vec::new();
    if leadpack_generate::generate(&options, &mut bytes).is_ok() {
        let _ = leadpack_engine::check_bytes("leads.csv", &bytes, Default::default());
        let _ = leadpack_engine::compressed_entry_size(&bytes);
    }
}

fn field(data: &JsValue, name: &str) -> JsValue {
    Reflect::get(data, &name.into()).unwrap_or(JsValue::UNDEFINED)
}

fn answer(event: MessageEvent) {
    let data = event.data();
    let Some(id) = field(&data, "id").as_f64().map(|id| id as u32) else {
        return;
    };
    let to_first = |message: &Object, transfer: Option<&JsValue>| {
        let _ = Reflect::set(message, &"id".into(), &id.into());
        let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
        let sent = match transfer {
            Some(buffer) => scope.post_message_with_transfer(message, &Array::of1(buffer)),
            None => scope.post_message(message),
        };
        if sent.is_err() {
            web_sys::console::error_1(&"Leadpack's second worker could not answer".into());
        }
    };
    let say = |key: &str, value: JsValue| {
        let message = Object::new();
        let _ = Reflect::set(&message, &key.into(), &value);
        to_first(&message, None);
    };
    let fail = |error: PackError| {
        ASSEMBLERS.with(|all| all.borrow_mut().remove(&id));
        say("error", error.message().into());
    };
    let send_finished = |assembler: &mut Assembler| {
        for part in assembler.take_finished() {
            let bytes = Uint8Array::from(part.bytes.as_slice());
            let message = Object::new();
            let _ = Reflect::set(&message, &"part".into(), &bytes);
            let _ = Reflect::set(&message, &"rows".into(), &(part.rows as f64).into());
            let _ = Reflect::set(
                &message,
                &"checksum".into(),
                &part.checksum.to_string().into(),
            );
            to_first(&message, Some(&bytes.buffer()));
        }
    };

    if let Some(rules) = field(&data, "screen").as_string() {
        if let Ok(screen) = serde_json::from_str::<RecordScreen>(&rules) {
            SCREENS.with(|all| all.borrow_mut().insert(id, screen));
        }
    } else if let Ok(records) = field(&data, "records").dyn_into::<Uint8Array>() {
        // Always answered: an empty answer has the first worker screen the batch itself.
        let answer = SCREENS
            .with(|all| {
                let all = all.borrow();
                screen_wire(all.get(&id)?, &records.to_vec())
            })
            .unwrap_or_default();
        let bytes = Uint8Array::from(answer.as_slice());
        let message = Object::new();
        let _ = Reflect::set(&message, &"screened".into(), &bytes);
        to_first(&message, Some(&bytes.buffer()));
    } else if let Some(layout) = field(&data, "start").as_string() {
        match serde_json::from_str::<PackageLayout>(&layout) {
            Ok(layout) => {
                ASSEMBLERS.with(|all| all.borrow_mut().insert(id, Assembler::new(layout)));
            }
            Err(err) => fail(PackError::Failed(format!(
                "Leadpack's package builder could not read the layout ({err}). Please report this problem."
            ))),
        }
    } else if let Ok(rows) = field(&data, "rows").dyn_into::<Uint8Array>() {
        let batch = rows.to_vec();
        let added = ASSEMBLERS.with(|all| {
            let mut all = all.borrow_mut();
            let assembler = all.get_mut(&id)?;
            let added = assembler.add_batch(&batch);
            send_finished(assembler);
            Some(added)
        });
        match added {
            Some(Ok(())) => say("took", (batch.len() as f64).into()),
            Some(Err(error)) => fail(error),
            // Dropped, or failed before: the rows are of no use.
            None => {}
        }
    } else if field(&data, "end").is_truthy() {
        let finished = ASSEMBLERS.with(|all| {
            let mut assembler = all.borrow_mut().remove(&id)?;
            let finished = assembler.finish();
            send_finished(&mut assembler);
            Some(finished)
        });
        match finished {
            Some(Ok(())) => say("ended", true.into()),
            Some(Err(error)) => fail(error),
            None => {}
        }
    } else if field(&data, "drop").is_truthy() {
        ASSEMBLERS.with(|all| all.borrow_mut().remove(&id));
        SCREENS.with(|all| all.borrow_mut().remove(&id));
    }
}

// ---- The first worker's side --------------------------------------------------------------

/// A message to the helper, and the buffer it transfers.
type Outgoing = (Object, Option<JsValue>);

/// The helper, once started.
struct Helper {
    worker: Worker,
    /// Messages (and the buffer each transfers) held until the helper is ready.
    held: RefCell<Option<Vec<Outgoing>>>,
    _on_message: Closure<dyn Fn(MessageEvent)>,
    _on_error: Closure<dyn Fn(JsValue)>,
}

impl Helper {
    /// Sends `message` (transferring `buffer`), or holds it until the helper is ready.
    fn send(&self, message: Object, buffer: Option<JsValue>) -> Result<(), JsValue> {
        if let Some(held) = self.held.borrow_mut().as_mut() {
            held.push((message, buffer));
            return Ok(());
        }
        match buffer {
            Some(buffer) => self
                .worker
                .post_message_with_transfer(&message, &Array::of1(&buffer)),
            None => self.worker.post_message(&message),
        }
    }

    /// The helper listens: the held messages go.
    fn ready(&self) {
        for wake in READY_WAITERS.with(|waiting| std::mem::take(&mut *waiting.borrow_mut())) {
            let _ = wake.call0(&JsValue::NULL);
        }
        let held = self.held.borrow_mut().take().unwrap_or_default();
        for (message, buffer) in held {
            if self.send(message, buffer).is_err() {
                stopped();
                return;
            }
        }
    }
}

/// What came back for one job.
#[derive(Default)]
struct Incoming {
    /// A check's screened batches, in order.
    screened: VecDeque<Vec<u8>>,
    parts: VecDeque<AssembledPart>,
    error: Option<String>,
    ended: bool,
    /// Bytes of rows sent and not yet added.
    waiting: usize,
    /// Resolves the promise the build waits on, if it waits.
    wake: Option<js_sys::Function>,
}

impl Incoming {
    fn wake(&mut self) {
        if let Some(wake) = self.wake.take() {
            let _ = wake.call0(&JsValue::NULL);
        }
    }
}

thread_local! {
    static READY_WAITERS: RefCell<Vec<js_sys::Function>> = const { RefCell::new(Vec::new()) };
    static HELPER: RefCell<Option<Rc<Helper>>> = const { RefCell::new(None) };
    static JOBS: RefCell<HashMap<u32, Rc<RefCell<Incoming>>>> = RefCell::new(HashMap::new());
}

/// Starts the helper; the future resolves once it listens (or has not said so within
/// a few seconds: the builds then hold their messages until it does). `None` if it could not
/// start.
pub fn start() -> Option<JsFuture> {
    let helper = helper()?;
    let promise = Promise::new(&mut |resolve, _| {
        let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
        let _ = scope.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 5_000);
        if helper.held.borrow().is_some() {
            READY_WAITERS.with(|waiting| waiting.borrow_mut().push(resolve));
        } else {
            let _ = resolve.call0(&JsValue::NULL);
        }
    });
    Some(JsFuture::from(promise))
}

/// The helper, started if need be; `None` if the browser cannot start it.
fn helper() -> Option<Rc<Helper>> {
    if let Some(helper) = HELPER.with(|helper| helper.borrow().clone()) {
        return Some(helper);
    }
    let global = js_sys::global();
    let location = Reflect::get(&global, &"location".into()).ok()?;
    let url = Reflect::get(&location, &"href".into()).ok()?.as_string()?;
    let options = WorkerOptions::new();
    options.set_name(NAME);
    let worker = Worker::new_with_options(&url, &options).ok()?;
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(received);
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    let on_error = Closure::<dyn Fn(JsValue)>::new(|_: JsValue| stopped());
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let helper = Rc::new(Helper {
        worker,
        held: RefCell::new(Some(Vec::new())),
        _on_message: on_message,
        _on_error: on_error,
    });
    HELPER.with(|slot| *slot.borrow_mut() = Some(Rc::clone(&helper)));
    Some(helper)
}

/// The second worker stopped (out of memory, most likely): every build it served fails (a check
/// screens the rest of its records itself), and the next job starts a new one.
fn stopped() {
    if let Some(helper) = HELPER.with(|helper| helper.borrow_mut().take()) {
        helper.worker.terminate();
    }
    let builds: Vec<_> = JOBS.with(|builds| builds.borrow().values().cloned().collect());
    for incoming in builds {
        let mut incoming = incoming.borrow_mut();
        incoming.error.get_or_insert_with(|| {
            "Leadpack's package builder stopped, probably for want of memory; nothing was written. \
             Close other tabs and build again."
                .to_string()
        });
        incoming.wake();
    }
}

fn received(event: MessageEvent) {
    let data = event.data();
    if field(&data, "ready").is_truthy() {
        if let Some(helper) = HELPER.with(|helper| helper.borrow().clone()) {
            helper.ready();
        }
        return;
    }
    let Some(id) = field(&data, "id").as_f64().map(|id| id as u32) else {
        return;
    };
    let Some(incoming) = JOBS.with(|builds| builds.borrow().get(&id).cloned()) else {
        // A build that was cancelled or has failed.
        return;
    };
    let mut incoming = incoming.borrow_mut();
    if let Ok(bytes) = field(&data, "screened").dyn_into::<Uint8Array>() {
        incoming.screened.push_back(bytes.to_vec());
    } else if let Some(took) = field(&data, "took").as_f64() {
        incoming.waiting = incoming.waiting.saturating_sub(took as usize);
    } else if let Ok(bytes) = field(&data, "part").dyn_into::<Uint8Array>() {
        let rows = field(&data, "rows").as_f64().unwrap_or(0.0) as u64;
        let checksum = field(&data, "checksum")
            .as_string()
            .and_then(|text| text.parse().ok());
        match checksum {
            Some(checksum) => incoming.parts.push_back(AssembledPart {
                bytes: bytes.to_vec(),
                rows,
                checksum,
            }),
            None => {
                incoming.error = Some(
                    "A package came back from Leadpack's package builder without its checksum; \
                     nothing was written. Please report this problem."
                        .to_string(),
                );
            }
        }
    } else if let Some(error) = field(&data, "error").as_string() {
        incoming.error = Some(error);
    } else if field(&data, "ended").is_truthy() {
        incoming.ended = true;
    }
    incoming.wake();
}

/// A job the helper works on: how to reach it, and what comes back.
struct Job {
    id: u32,
    helper: Rc<Helper>,
    incoming: Rc<RefCell<Incoming>>,
}

impl Job {
    /// The job `id`, whose messages from the helper (started if need be) are kept from now
    /// on; `None` if the browser cannot start the helper.
    fn register(id: u32) -> Option<Job> {
        let helper = helper()?;
        let incoming = Rc::new(RefCell::new(Incoming::default()));
        JOBS.with(|jobs| jobs.borrow_mut().insert(id, Rc::clone(&incoming)));
        Some(Job {
            id,
            helper,
            incoming,
        })
    }

    /// Stops keeping the job's messages; `tell` the helper to forget the job too.
    fn end(&self, tell: bool) {
        JOBS.with(|jobs| jobs.borrow_mut().remove(&self.id));
        if tell {
            let message = Object::new();
            let _ = Reflect::set(&message, &"id".into(), &self.id.into());
            let _ = Reflect::set(&message, &"drop".into(), &true.into());
            let _ = self.helper.send(message, None);
        }
    }
}

/// A build whose packages the helper assembles.
pub struct Remote {
    job: Job,
}

impl Remote {
    /// Has the build `job` send its rows to the helper, for the build `id`; `None` (and the
    /// build assembles its packages itself) if that worker cannot be started.
    pub fn connect(id: u32, job_here: &mut PackJob) -> Option<Remote> {
        let job = Job::register(id)?;
        let sender = Rc::clone(&job.helper);
        let waiting = Rc::clone(&job.incoming);
        let post = move |key: &str, value: &JsValue, transfer: bool| {
            let message = Object::new();
            let _ = Reflect::set(&message, &"id".into(), &id.into());
            let _ = Reflect::set(&message, &key.into(), value);
            let buffer = transfer.then(|| value.unchecked_ref::<Uint8Array>().buffer().into());
            if sender.send(message, buffer).is_err() {
                waiting.borrow_mut().error = Some(
                    "Leadpack could not hand the rows to its package builder; nothing was written. \
                     Please report this problem."
                        .to_string(),
                );
            }
        };
        let incoming_rows = Rc::clone(&job.incoming);
        job_here.assemble_elsewhere(RowBatch::batching(move |what| match what {
            Batched::Start(layout) => match serde_json::to_string(layout) {
                Ok(json) => post("start", &json.into(), false),
                Err(_) => post("drop", &true.into(), false),
            },
            Batched::Rows(rows) => {
                incoming_rows.borrow_mut().waiting += rows.len();
                post("rows", &Uint8Array::from(rows.as_slice()).into(), true);
            }
            Batched::End => post("end", &true.into(), false),
        }));
        Some(Remote { job })
    }

    /// Hands the packages (or the error) that came back to the build.
    pub fn deliver(&self, packer: &mut PackJob) {
        let mut incoming = self.job.incoming.borrow_mut();
        while let Some(part) = incoming.parts.pop_front() {
            packer.receive(part);
        }
        if let Some(error) = incoming.error.take() {
            packer.receive_error(PackError::Failed(error));
            // Nothing more is of use: the next message about the build is its end.
            incoming.ended = true;
        }
    }

    /// Waits while too many rows wait for the helper, handing back what comes meanwhile.
    pub async fn keep_up(&self, packer: &mut PackJob) {
        loop {
            self.deliver(packer);
            let busy = {
                let incoming = self.job.incoming.borrow();
                incoming.waiting > MAX_WAITING_BYTES && !incoming.ended
            };
            if !busy {
                return;
            }
            next_message(&self.job.incoming).await;
        }
    }

    /// After [`PackJob::end_input`]: waits until the last package is back, handing each to
    /// the build; `look_up` is called at least every 100 ms meanwhile, and stops the wait when it
    /// says no (the build was cancelled): the answer is then `false`.
    pub async fn wait_for_end(
        &self,
        packer: &mut PackJob,
        look_up: &mut dyn FnMut() -> bool,
    ) -> bool {
        loop {
            self.deliver(packer);
            if self.job.incoming.borrow().ended {
                return true;
            }
            if !look_up() {
                return false;
            }
            next_message(&self.job.incoming).await;
        }
    }
}

/// Resolves at the next message about the job `incoming` is for, or after `LOOK_UP_MS`.
async fn next_message(incoming: &Rc<RefCell<Incoming>>) {
    let promise = Promise::new(&mut |resolve, _| {
        let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
        let _ = scope.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, LOOK_UP_MS);
        incoming.borrow_mut().wake = Some(resolve);
    });
    let _ = JsFuture::from(promise).await;
}

impl Drop for Remote {
    fn drop(&mut self) {
        // Cancelled or failed here: the helper forgets the build.
        let ended = self.job.incoming.borrow().ended;
        self.job.end(!ended);
    }
}

/// A check whose records the second worker screens.
pub struct RemoteScreening {
    job: Job,
}

impl RemoteScreening {
    /// Has `checker` send its records to the second worker for screening, for the check `id`;
    /// `None` (and the checker screens its records itself) if that worker cannot be started.
    pub fn connect(id: u32, checker: &mut FileChecker) -> Option<RemoteScreening> {
        let job = Job::register(id)?;
        let sender = Rc::clone(&job.helper);
        let failed = Rc::clone(&job.incoming);
        checker.screen_elsewhere(move |request| {
            let message = Object::new();
            let _ = Reflect::set(&message, &"id".into(), &id.into());
            let (key, value, buffer) = match request {
                ScreenRequest::Start(screen) => match serde_json::to_string(screen) {
                    Ok(json) => ("screen", JsValue::from(json), None),
                    // Without the rules, nothing is screened there: the answers are empty.
                    Err(_) => ("screen", JsValue::NULL, None),
                },
                ScreenRequest::Records(records) => {
                    let bytes = Uint8Array::from(records);
                    let buffer = JsValue::from(bytes.buffer());
                    ("records", JsValue::from(bytes), Some(buffer))
                }
            };
            let _ = Reflect::set(&message, &key.into(), &value);
            if sender.send(message, buffer).is_err() {
                // No answer will come: the checker screens what is out itself at the end.
                failed.borrow_mut().error = Some(String::new());
            }
        });
        Some(RemoteScreening { job })
    }

    /// Hands the answers that came back to `checker`, until at most `ahead` batches are out
    /// ([`leadpack_engine::SCREENED_AHEAD`] while reading; 0 after [`FileChecker::end_input`], for every
    /// answer): waits for them, and looks up (`look_up`, stopping the wait when it says no: the answer
    /// is then `false`) at least every 100 ms meanwhile. When no more answers will come (the
    /// second worker stopped, or has not answered for [`STALLED_MS`]), the checker screens the
    /// rest itself.
    pub async fn take_answers(
        &self,
        checker: &mut FileChecker,
        ahead: usize,
        look_up: &mut dyn FnMut() -> bool,
    ) -> Result<bool, String> {
        let failed = |err: leadpack_engine::CheckError<std::convert::Infallible>| err.to_string();
        let mut since = js_sys::Date::now();
        loop {
            loop {
                let answer = self.job.incoming.borrow_mut().screened.pop_front();
                let Some(answer) = answer else {
                    break;
                };
                since = js_sys::Date::now();
                checker
                    .receive_screened(&answer, &mut NoSink)
                    .map_err(failed)?;
            }
            if checker.screening_out() <= ahead {
                return Ok(true);
            }
            let stalled = js_sys::Date::now() - since > STALLED_MS;
            if self.job.incoming.borrow().error.is_some() || stalled {
                checker.screen_here(&mut NoSink).map_err(failed)?;
                return Ok(true);
            }
            if !look_up() {
                return Ok(false);
            }
            next_message(&self.job.incoming).await;
        }
    }
}

impl Drop for RemoteScreening {
    fn drop(&mut self) {
        self.job.end(true);
    }
}
