//! The workbook reader (wasm only): a worker of its own, started by the page only when a
//! workbook is chosen, so the page and the main worker never load it. It reads one sheet of the
//! workbook `File` it is sent and replies with the sheet's CSV text as a new `File`, which the
//! page then checks as it checks any CSV file.

use js_sys::{Array, Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{DedicatedWorkerGlobalScope, File, MessageEvent};

use crate::protocol::{SheetReply, SheetRequest};
use leadpack_engine::{SheetChoice, read_sheet, workbook_kind};

/// The largest workbook read in the browser.
const MAX_WORKBOOK_BYTES: f64 = 512.0 * 1024.0 * 1024.0;

/// Starts listening to the page, and tells it the reader is ready.
pub fn start() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(|event: MessageEvent| {
        let data = event.data();
        let file = Reflect::get(&data, &"file".into())
            .ok()
            .and_then(|file| file.dyn_into::<File>().ok());
        let request = js_sys::JSON::stringify(&data)
            .ok()
            .and_then(|text| text.as_string())
            .and_then(|text| serde_json::from_str::<SheetRequest>(&text).ok());
        match (request, file) {
            (Some(request), Some(file)) => spawn_local(read(request, file)),
            (Some(request), None) => post(
                &SheetReply::Failed {
                    job: request.job,
                    message: "No file came with the request. Choose the file again.".into(),
                },
                None,
            ),
            _ => {}
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&SheetReply::Ready, None);
}

/// Reads the sheet asked for and replies with its CSV text.
async fn read(request: SheetRequest, file: File) {
    let job = request.job;
    let name = file.name();
    let outcome = async {
        if file.size() > MAX_WORKBOOK_BYTES {
            return Err(format!(
                "{name} is larger than 512 MB; Leadpack does not read workbooks that large in the \
                 browser. Save its sheet as CSV UTF-8 and choose the CSV file, or use the \
                 command-line tool."
            ));
        }
        let buffer = JsFuture::from(file.array_buffer()).await.map_err(|_| {
            format!("{name} could not be read. Choose it again; if it is on a network drive, copy it to this computer first.")
        })?;
        let bytes = Uint8Array::new(&buffer).to_vec();
        let choice = match request.sheet {
            Some(sheet) => SheetChoice::Named(sheet),
            None => SheetChoice::FirstWithValues,
        };
        let sheet = read_sheet(&bytes, &choice).map_err(|err| format!("{name}: {err}"))?;
        let kind = workbook_kind(&bytes).map_or("a workbook", |kind| kind.name());
        drop(bytes);
        let text = Uint8Array::from(sheet.csv.as_slice());
        let csv = File::new_with_u8_array_sequence(&Array::of1(&text), &name).map_err(|_| {
            format!("{name}: the browser has no room for the sheet's text. Close other tabs and try again, or use the command-line tool.")
        })?;
        let reply = SheetReply::Read {
            job,
            kind: kind.to_string(),
            sheet: sheet.sheet,
            sheets: sheet
                .sheets
                .into_iter()
                .map(|sheet| (sheet.name, sheet.hidden))
                .collect(),
            notes: sheet.notes,
        };
        Ok((reply, csv))
    }
    .await;
    match outcome {
        Ok((reply, csv)) => post(&reply, Some(csv)),
        Err(message) => post(&SheetReply::Failed { job, message }, None),
    }
}

fn post(reply: &SheetReply, file: Option<File>) {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let Some(message) = serde_json::to_string(reply)
        .ok()
        .and_then(|text| js_sys::JSON::parse(&text).ok())
    else {
        return;
    };
    if let Some(file) = file {
        let _ = Reflect::set(&message, &"blobs".into(), &Array::of1(&file));
    }
    let _ = scope.post_message(&message);
}
