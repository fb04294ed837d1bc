//! The page's side of the workbook reader: started the first time a workbook is chosen (so its
//! code is downloaded only then), it reads a sheet of a workbook `File` and gives back the
//! sheet's CSV text as a new `File`.

use std::cell::RefCell;
use std::collections::HashMap;

use js_sys::{Array, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{File, MessageEvent, Worker};

use super::client;
use crate::protocol::{SheetReply, SheetRequest};

/// The loader Trunk writes for the reader; relative, so the app works from any folder.
const READER_URL: &str = "./leadpack-workbook_loader.js";

/// A sheet read: what the reader says of it, and its CSV text.
pub type Sheet = (SheetReply, File);
/// Told once, with the sheet or a message in plain words.
pub type Done = Box<dyn FnOnce(Result<Sheet, String>)>;

struct Reader {
    worker: Worker,
    ready: bool,
    queue: Vec<JsValue>,
    waiting: HashMap<u32, Done>,
    next_job: u32,
}

thread_local! {
    static READER: RefCell<Option<Reader>> = const { RefCell::new(None) };
}

const NOT_STARTED: &str = "Leadpack could not start its workbook reader. Reload the page; if it \
                           persists, save the sheet as CSV UTF-8 and choose the CSV file.";

fn start() -> Result<(), String> {
    if READER.with(|reader| reader.borrow().is_some()) {
        return Ok(());
    }
    let worker = Worker::new(READER_URL).map_err(|_| NOT_STARTED.to_string())?;
    let on_message =
        Closure::<dyn Fn(MessageEvent)>::new(|event: MessageEvent| receive(event.data()));
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let on_error = Closure::<dyn Fn(web_sys::Event)>::new(|event: web_sys::Event| {
        event.prevent_default();
        stopped();
    });
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
    READER.with(|reader| {
        *reader.borrow_mut() = Some(Reader {
            worker,
            ready: false,
            queue: Vec::new(),
            waiting: HashMap::new(),
            next_job: 1,
        });
    });
    Ok(())
}

/// Reads the sheet `sheet` (by name; `None` for the first with values) of the workbook `file`;
/// `done` is told once.
pub fn read_sheet(file: &File, sheet: Option<String>, done: Done) {
    if let Err(message) = start() {
        done(Err(message));
        return;
    }
    let job = READER.with(|reader| {
        reader.borrow_mut().as_mut().map(|reader| {
            reader.next_job += 1;
            reader.next_job
        })
    });
    let Some(job) = job else {
        done(Err(NOT_STARTED.to_string()));
        return;
    };
    let request = SheetRequest { job, sheet };
    let Ok(message) = client::message(&request, Some(file)) else {
        done(Err(NOT_STARTED.to_string()));
        return;
    };
    READER.with(|reader| {
        if let Some(reader) = reader.borrow_mut().as_mut() {
            reader.waiting.insert(job, done);
            if reader.ready {
                let _ = reader.worker.post_message(&message);
            } else {
                reader.queue.push(message);
            }
        }
    });
}

fn receive(data: JsValue) {
    let file = Reflect::get(&data, &"blobs".into())
        .ok()
        .and_then(|blobs| blobs.dyn_into::<Array>().ok())
        .and_then(|blobs| blobs.get(0).dyn_into::<File>().ok());
    let Some(reply) = client::reply::<SheetReply>(&data) else {
        return;
    };
    let job = match &reply {
        SheetReply::Ready => {
            READER.with(|reader| {
                if let Some(reader) = reader.borrow_mut().as_mut() {
                    reader.ready = true;
                    for message in reader.queue.drain(..) {
                        let _ = reader.worker.post_message(&message);
                    }
                }
            });
            return;
        }
        SheetReply::Read { job, .. } | SheetReply::Failed { job, .. } => *job,
    };
    let done = READER.with(|reader| {
        reader
            .borrow_mut()
            .as_mut()
            .and_then(|reader| reader.waiting.remove(&job))
    });
    if let Some(done) = done {
        match (reply, file) {
            (SheetReply::Failed { message, .. }, _) => done(Err(message)),
            (reply, Some(file)) => done(Ok((reply, file))),
            (_, None) => done(Err(NOT_STARTED.to_string())),
        }
    }
}

/// The reader stopped (a workbook too large for the tab's memory): every reading waiting is
/// told, and the next one starts a fresh reader.
fn stopped() {
    let waiting = READER.with(|reader| {
        let mut reader = reader.borrow_mut();
        let waiting = reader
            .as_mut()
            .map(|reader| {
                reader.worker.terminate();
                std::mem::take(&mut reader.waiting)
            })
            .unwrap_or_default();
        *reader = None;
        waiting
    });
    for (_, done) in waiting {
        done(Err(
            "Leadpack stopped while reading the workbook: it may be damaged, or too large for \
             this browser tab. Open it in Excel or LibreOffice and save it again, or save its \
             sheet as CSV UTF-8 and choose the CSV file."
                .to_string(),
        ));
    }
}
