//! A second worker that assembles the packages (DEFLATE, the ZIP archives, the size limit)
//! while the first reads the file and writes its rows: a build then uses two of the machine's
//! cores. The first worker starts it as it starts itself (so that every file of the app is
//! loaded before the user's first file), from its own script, under the name [`NAME`]; if the
//! browser cannot start it, the first worker assembles the packages itself.
//!
//! The assembler says `{ready}` once it listens; the first worker holds its messages until then
//! (a worker's messages before its code has started are lost). Messages, first worker →
//! assembler: `{id, start}` (the layout, as JSON), `{id, rows}` (a
//! [`RowBatch`], transferred), `{id, end}`, `{id, drop}`. Assembler → first worker: `{id, took}`
//! (the bytes of a batch it has added), `{id, part, rows, checksum}` (a finished package,
//! transferred; the checksum as a decimal string, beyond JavaScript's exact numbers),
//! `{id, error}`, `{id, ended}`. `id` is the build's job.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent, Worker, WorkerOptions};

use crate::engine::assemble::{AssembledPart, Assembler, PackageLayout, RowBatch};
use crate::engine::package::{Assembling, PackError, Packer};

/// The name the assembling worker is started under, which tells it its role.
pub const NAME: &str = "leadpack-assembler";

/// At most this many bytes of rows wait for the assembler; reading pauses beyond.
const MAX_WAITING_BYTES: usize = 16 << 20;
/// While waiting for the assembler, the first worker looks up at least this often (ms), to
/// tell the page how far it is and to notice a cancel.
const LOOK_UP_MS: i32 = 100;

// ---- The assembling worker ----------------------------------------------------------------

thread_local! {
    static ASSEMBLERS: RefCell<HashMap<u32, Assembler>> = RefCell::new(HashMap::new());
}

/// Runs this worker as the assembler.
pub fn serve() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(assemble);
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    warm_up();
    let ready = Object::new();
    let _ = Reflect::set(&ready, &"ready".into(), &true.into());
    if scope.post_message(&ready).is_err() {
        web_sys::console::error_1(&"Leadpack's package builder could not start".into());
    }
}

/// Compresses a few generated leads, so that the browser has optimised DEFLATE before the first
/// package (see `warm_up_engine` in the first worker).
fn warm_up() {
    let options = crate::engine::generate::GeneratorOptions {
        rows: 4_000,
        seed: 1,
        ..Default::default()
    };
    let mut bytes = Vec::new();
    if crate::engine::generate::generate(&options, &mut bytes).is_ok() {
        let _ = crate::engine::package::compressed_entry_size(&bytes);
    }
}

fn field(data: &JsValue, name: &str) -> JsValue {
    Reflect::get(data, &name.into()).unwrap_or(JsValue::UNDEFINED)
}

fn assemble(event: MessageEvent) {
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
            web_sys::console::error_1(&"Leadpack's package builder could not answer".into());
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

    if let Some(layout) = field(&data, "start").as_string() {
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
    }
}

// ---- The first worker's side --------------------------------------------------------------

/// A message to the assembler, and the buffer it transfers.
type Outgoing = (Object, Option<JsValue>);

/// The assembling worker, once started.
struct Helper {
    worker: Worker,
    /// Messages (and the buffer each transfers) held until the assembler is ready.
    held: RefCell<Option<Vec<Outgoing>>>,
    _on_message: Closure<dyn Fn(MessageEvent)>,
    _on_error: Closure<dyn Fn(JsValue)>,
}

impl Helper {
    /// Sends `message` (transferring `buffer`), or holds it until the assembler is ready.
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

    /// The assembler listens: the held messages go.
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

/// What came back for one build.
#[derive(Default)]
struct Incoming {
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
    static BUILDS: RefCell<HashMap<u32, Rc<RefCell<Incoming>>>> = RefCell::new(HashMap::new());
}

/// Starts the assembling worker; the future resolves once it listens (or has not said so within
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

/// The assembling worker, started if need be; `None` if the browser cannot start it.
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

/// The assembling worker stopped (out of memory, most likely): every build it served fails,
/// and the next build starts a new one.
fn stopped() {
    if let Some(helper) = HELPER.with(|helper| helper.borrow_mut().take()) {
        helper.worker.terminate();
    }
    let builds: Vec<_> = BUILDS.with(|builds| builds.borrow().values().cloned().collect());
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
    let Some(incoming) = BUILDS.with(|builds| builds.borrow().get(&id).cloned()) else {
        // A build that was cancelled or has failed.
        return;
    };
    let mut incoming = incoming.borrow_mut();
    if let Some(took) = field(&data, "took").as_f64() {
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

/// A build whose packages the assembling worker assembles.
pub struct Remote {
    id: u32,
    helper: Rc<Helper>,
    incoming: Rc<RefCell<Incoming>>,
}

impl Remote {
    /// Has `packer` send its rows to the assembling worker, for the build `id`; `None` (and
    /// the packer assembles its packages itself) if that worker cannot be started.
    pub fn connect(id: u32, packer: &mut Packer) -> Option<Remote> {
        let helper = helper()?;
        let incoming = Rc::new(RefCell::new(Incoming::default()));
        BUILDS.with(|builds| builds.borrow_mut().insert(id, Rc::clone(&incoming)));
        let mut batch = RowBatch::default();
        let sender = Rc::clone(&helper);
        let waiting = Rc::clone(&incoming);
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
        let incoming_rows = Rc::clone(&incoming);
        let send_rows = move |bytes: Vec<u8>, post: &dyn Fn(&str, &JsValue, bool)| {
            if !bytes.is_empty() {
                incoming_rows.borrow_mut().waiting += bytes.len();
                post("rows", &Uint8Array::from(bytes.as_slice()).into(), true);
            }
        };
        packer.assemble_elsewhere(move |what| match what {
            Assembling::Start(layout) => match serde_json::to_string(layout) {
                Ok(json) => post("start", &json.into(), false),
                Err(_) => post("drop", &true.into(), false),
            },
            Assembling::Row {
                row,
                bytes,
                checksum,
            } => {
                if let Some(full) = batch.push_until_full(row, bytes, checksum) {
                    send_rows(full, &post);
                }
            }
            Assembling::End => {
                send_rows(batch.take(), &post);
                post("end", &true.into(), false);
            }
        });
        Some(Remote {
            id,
            helper,
            incoming,
        })
    }

    /// Hands the packages (or the error) that came back to `packer`.
    pub fn deliver(&self, packer: &mut Packer) {
        let mut incoming = self.incoming.borrow_mut();
        while let Some(part) = incoming.parts.pop_front() {
            packer.receive(part);
        }
        if let Some(error) = incoming.error.take() {
            packer.receive_error(PackError::Failed(error));
            // Nothing more is of use: the next message about the build is its end.
            incoming.ended = true;
        }
    }

    /// Waits while too many rows wait for the assembler, handing back what comes meanwhile.
    pub async fn keep_up(&self, packer: &mut Packer) {
        loop {
            self.deliver(packer);
            let busy = {
                let incoming = self.incoming.borrow();
                incoming.waiting > MAX_WAITING_BYTES && !incoming.ended
            };
            if !busy {
                return;
            }
            self.next_message().await;
        }
    }

    /// After [`Packer::end_rows`]: waits until the last package is back, handing each to
    /// `packer`; `look_up` is called at least every 100 ms meanwhile, and stops the wait when it
    /// says no (the build was cancelled): the answer is then `false`.
    pub async fn wait_for_end(
        &self,
        packer: &mut Packer,
        look_up: &mut dyn FnMut() -> bool,
    ) -> bool {
        loop {
            self.deliver(packer);
            if self.incoming.borrow().ended {
                return true;
            }
            if !look_up() {
                return false;
            }
            self.next_message().await;
        }
    }

    /// Resolves at the next message about this build, or after `LOOK_UP_MS`.
    async fn next_message(&self) {
        let incoming = Rc::clone(&self.incoming);
        let promise = Promise::new(&mut |resolve, _| {
            let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
            let _ =
                scope.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, LOOK_UP_MS);
            incoming.borrow_mut().wake = Some(resolve);
        });
        let _ = JsFuture::from(promise).await;
    }
}

impl Drop for Remote {
    fn drop(&mut self) {
        BUILDS.with(|builds| builds.borrow_mut().remove(&self.id));
        if !self.incoming.borrow().ended {
            // Cancelled or failed here: the assembler forgets the build.
            let message = Object::new();
            let _ = Reflect::set(&message, &"id".into(), &self.id.into());
            let _ = Reflect::set(&message, &"drop".into(), &true.into());
            let _ = self.helper.send(message, None);
        }
    }
}
