//! The page's side of the worker: starts it, sends typed requests (with a `File` beside them),
//! and routes each reply to the handler of its job. The only module of the page that talks to
//! the worker.

use std::cell::RefCell;
use std::collections::HashMap;

use js_sys::{Object, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{File, MessageEvent, Worker};

use crate::protocol::{Reply, Request};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The loader Trunk writes for the worker; relative, so the app works from any folder.
const WORKER_URL: &str = "./leadpack-worker_loader.js";

/// Called with each reply of a job, and the raw message (which holds the files the worker made).
pub type Handler = Box<dyn FnMut(&Reply, &JsValue)>;

struct Client {
    worker: Worker,
    ready: bool,
    /// The worker has started at least once (so a failure later is a crash, not a missing file).
    started: bool,
    queue: Vec<JsValue>,
    handlers: HashMap<u32, Handler>,
    next_job: u32,
    /// Told when the worker stops unexpectedly.
    on_crash: Option<Box<dyn Fn(String)>>,
}

thread_local! {
    static CLIENT: RefCell<Option<Client>> = const { RefCell::new(None) };
}

fn spawn() -> Result<Worker, String> {
    let worker = Worker::new(WORKER_URL).map_err(|_| {
        "Leadpack could not start its background reader. Reload the page; if it persists, use a current browser."
            .to_string()
    })?;
    let on_message =
        Closure::<dyn Fn(MessageEvent)>::new(|event: MessageEvent| receive(event.data()));
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let on_error = Closure::<dyn Fn(web_sys::Event)>::new(|event: web_sys::Event| {
        event.prevent_default();
        crashed();
    });
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
    Ok(worker)
}

/// Starts the worker; `on_crash` is told (in plain words) if it ever stops unexpectedly.
pub fn start(on_crash: impl Fn(String) + 'static) -> Result<(), String> {
    let worker = spawn()?;
    CLIENT.with(|client| {
        *client.borrow_mut() = Some(Client {
            worker,
            ready: false,
            started: false,
            queue: Vec::new(),
            handlers: HashMap::new(),
            next_job: 1,
            on_crash: Some(Box::new(on_crash)),
        });
    });
    Ok(())
}

/// A new job number.
pub fn next_job() -> u32 {
    CLIENT.with(|client| {
        let mut client = client.borrow_mut();
        match client.as_mut() {
            Some(client) => {
                client.next_job += 1;
                client.next_job
            }
            None => 0,
        }
    })
}

/// Sends `request` (with `file` beside it) and routes the replies of `job` to `handler`.
pub fn send(job: u32, request: &Request, file: Option<&File>, handler: Option<Handler>) {
    post(job, message(request, file), handler);
}

/// Sends `request` with `blobs` beside it (in the message's `files` property) and routes the
/// replies of `job` to `handler`.
pub fn send_blobs(job: u32, request: &Request, blobs: &js_sys::Array, handler: Option<Handler>) {
    let message = message(request, None).inspect(|message| {
        let _ = Reflect::set(message, &"files".into(), blobs);
    });
    post(job, message, handler);
}

/// Posts `message` for `job` (or fails the job with why it could not be made).
fn post(job: u32, message: Result<JsValue, String>, handler: Option<Handler>) {
    let message = match message {
        Ok(message) => message,
        Err(err) => {
            if let Some(mut handler) = handler {
                let message = format!(
                    "Leadpack could not pass your request to its background reader ({err})."
                );
                handler(&Reply::Failed { job, message }, &JsValue::NULL);
            }
            return;
        }
    };
    CLIENT.with(|client| {
        let mut client = client.borrow_mut();
        let Some(client) = client.as_mut() else {
            return;
        };
        if let Some(handler) = handler {
            client.handlers.insert(job, handler);
        }
        if client.ready {
            let _ = client.worker.post_message(&message);
        } else {
            client.queue.push(message);
        }
    });
}

/// A message for a worker: `request` as the browser's own object, with `file` beside it.
/// Written as JSON text and parsed by the browser: the page then needs only one serde format
/// (templates are JSON files too), which keeps its download small.
pub(super) fn message(request: &impl Serialize, file: Option<&File>) -> Result<JsValue, String> {
    let message = serde_json::to_string(request)
        .map_err(|err| err.to_string())
        .and_then(|text| js_sys::JSON::parse(&text).map_err(|_| "not JSON".to_string()))?;
    if let Some(file) = file {
        let _ = Reflect::set(&message, &"file".into(), file);
    }
    Ok(message)
}

/// The typed reply in a worker's message `data`. A reply without data is its name alone
/// (`"ready"`). The files of a reply travel beside it (`blobs`, handed on as they are); they are
/// left out of the typed reply.
pub(super) fn reply<T: DeserializeOwned>(data: &JsValue) -> Option<T> {
    let typed: JsValue = if data.is_object() {
        let copy = Object::assign(&Object::new(), data.unchecked_ref());
        let _ = Reflect::delete_property(&copy, &"blobs".into());
        copy.into()
    } else {
        data.clone()
    };
    let text = js_sys::JSON::stringify(&typed).ok()?.as_string()?;
    serde_json::from_str(&text).ok()
}

fn receive(data: JsValue) {
    let Some(reply) = reply::<Reply>(&data) else {
        return;
    };
    let job = match &reply {
        Reply::Ready => {
            CLIENT.with(|client| {
                if let Some(client) = client.borrow_mut().as_mut() {
                    client.ready = true;
                    client.started = true;
                    for message in client.queue.drain(..) {
                        let _ = client.worker.post_message(&message);
                    }
                }
            });
            return;
        }
        Reply::Progress { job, .. }
        | Reply::Checked { job, .. }
        | Reply::Findings { job, .. }
        | Reply::Rows { job, .. }
        | Reply::RowFound { job, .. }
        | Reply::ReplaceCount { job, .. }
        | Reply::Bundled { job, .. }
        | Reply::Packed { job, .. }
        | Reply::Unpacked { job, .. }
        | Reply::Failed { job, .. }
        | Reply::Cancelled { job } => *job,
    };
    let last = !matches!(reply, Reply::Progress { .. });
    // Take the handler out while it runs: it may send new requests.
    let handler = CLIENT.with(|client| {
        client
            .borrow_mut()
            .as_mut()
            .and_then(|c| c.handlers.remove(&job))
    });
    if let Some(mut handler) = handler {
        handler(&reply, &data);
        if !last {
            CLIENT.with(|client| {
                if let Some(client) = client.borrow_mut().as_mut() {
                    client.handlers.entry(job).or_insert(handler);
                }
            });
        }
    }
}

/// The worker stopped: every job fails with a message, and a fresh worker takes its place.
fn crashed() {
    let (handlers, on_crash, started) = CLIENT.with(|client| {
        let mut client = client.borrow_mut();
        match client.as_mut() {
            Some(client) => {
                client.worker.terminate();
                client.ready = false;
                client.queue.clear();
                // A worker that never started would fail again: only a crash gets a new one.
                if client.started
                    && let Ok(worker) = spawn()
                {
                    client.worker = worker;
                }
                (
                    std::mem::take(&mut client.handlers),
                    client.on_crash.take(),
                    client.started,
                )
            }
            None => (HashMap::new(), None, false),
        }
    });
    let message = if started {
        "Leadpack stopped unexpectedly while working on your file. Nothing was lost: choose \
         “Start over” and load the file again."
    } else {
        "Leadpack could not start its background reader, so files cannot be read. Reload the \
         page; if this persists, the app's files may be incomplete on this web server."
    }
    .to_string();
    for (job, mut handler) in handlers {
        handler(
            &Reply::Failed {
                job,
                message: message.clone(),
            },
            &JsValue::NULL,
        );
    }
    if let Some(on_crash) = on_crash {
        on_crash(message);
        CLIENT.with(|client| {
            if let Some(client) = client.borrow_mut().as_mut() {
                client.on_crash = Some(on_crash);
            }
        });
    }
}
