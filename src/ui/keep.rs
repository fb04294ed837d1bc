//! Work kept across a reload: the files, how each is read, its mapping and its corrections, in
//! the browser's own storage for this site (IndexedDB), on this computer only. The page offers
//! it back on the next visit; the user can discard it, or turn keeping off.
//!
//! Two stores: `files` holds each file once (the browser keeps the bytes), `work` what the user
//! decided for it, written again at each change.

use std::cell::RefCell;
use std::collections::HashMap;

use js_sys::{Array, Promise};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, IdbDatabase, IdbRequest, IdbTransactionMode};

use super::state::AppState;
use crate::protocol::ReadSettings;
use leadpack_engine::{Edits, Template};

const DATABASE: &str = "leadpack";
const FILES: &str = "files";
const WORK: &str = "work";
/// Where the choice not to keep work is remembered.
const SETTING: &str = "leadpack.keep";

/// One file kept: the file itself and, as JSON, what the user decided for it.
pub struct KeptFile {
    /// The page's id for it when it was kept.
    pub id: u32,
    /// The file as chosen (for a workbook, the workbook).
    pub file: File,
    /// What the user decided, as `Decisions` JSON (see `state.rs`).
    pub work: String,
}

/// Whether the user lets the page keep work in this browser (the default).
pub fn allowed() -> bool {
    storage()
        .and_then(|storage| storage.get_item(SETTING).ok().flatten())
        .is_none_or(|value| value != "no")
}

/// Lets the page keep work, or not (and then forgets what it kept).
pub async fn allow(keep: bool) {
    if let Some(storage) = storage() {
        let _ = if keep {
            storage.remove_item(SETTING)
        } else {
            storage.set_item(SETTING, "no")
        };
    }
    if !keep {
        let _ = forget_all().await;
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Waits for `request` to end; its result, or its error.
async fn ended(request: &IdbRequest) -> Result<JsValue, JsValue> {
    let promise = Promise::new(&mut |resolve, reject| {
        let done = request.clone();
        let on_success = Closure::once_into_js(move || {
            let _ = resolve.call1(&JsValue::NULL, &done.result().unwrap_or(JsValue::UNDEFINED));
        });
        let on_error = Closure::once_into_js(move || {
            let _ = reject.call0(&JsValue::NULL);
        });
        request.set_onsuccess(Some(on_success.unchecked_ref()));
        request.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise).await
}

/// The database, created on first use.
async fn open() -> Result<IdbDatabase, JsValue> {
    let factory = web_sys::window()
        .ok_or(JsValue::NULL)?
        .indexed_db()?
        .ok_or(JsValue::NULL)?;
    let request = factory.open_with_u32(DATABASE, 1)?;
    let upgrading = request.clone();
    let on_upgrade = Closure::once_into_js(move || {
        if let Ok(database) = upgrading
            .result()
            .and_then(|db| db.dyn_into::<IdbDatabase>())
        {
            let _ = database.create_object_store(FILES);
            let _ = database.create_object_store(WORK);
        }
    });
    request.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
    ended(&request).await?.dyn_into::<IdbDatabase>()
}

/// Keeps file `id` itself (once: the bytes are not written again at each change).
pub async fn keep_file(id: u32, file: &File) -> Result<(), JsValue> {
    let database = open().await?;
    let store = database
        .transaction_with_str_and_mode(FILES, IdbTransactionMode::Readwrite)?
        .object_store(FILES)?;
    ended(&store.put_with_key(file, &JsValue::from(id))?).await?;
    Ok(())
}

/// Keeps what the user decided for file `id`.
pub async fn keep_work(id: u32, work: &str) -> Result<(), JsValue> {
    let database = open().await?;
    let store = database
        .transaction_with_str_and_mode(WORK, IdbTransactionMode::Readwrite)?
        .object_store(WORK)?;
    ended(&store.put_with_key(&JsValue::from_str(work), &JsValue::from(id))?).await?;
    Ok(())
}

/// Forgets file `id`.
pub async fn forget(id: u32) -> Result<(), JsValue> {
    let database = open().await?;
    let names = Array::of2(&JsValue::from_str(FILES), &JsValue::from_str(WORK));
    let transaction =
        database.transaction_with_str_sequence_and_mode(&names, IdbTransactionMode::Readwrite)?;
    for name in [FILES, WORK] {
        ended(&transaction.object_store(name)?.delete(&JsValue::from(id))?).await?;
    }
    Ok(())
}

/// Forgets everything kept.
pub async fn forget_all() -> Result<(), JsValue> {
    let database = open().await?;
    let names = Array::of2(&JsValue::from_str(FILES), &JsValue::from_str(WORK));
    let transaction =
        database.transaction_with_str_sequence_and_mode(&names, IdbTransactionMode::Readwrite)?;
    for name in [FILES, WORK] {
        ended(&transaction.object_store(name)?.clear()?).await?;
    }
    Ok(())
}

/// Everything kept, in the order the files were added.
pub async fn kept() -> Result<Vec<KeptFile>, JsValue> {
    let database = open().await?;
    let names = Array::of2(&JsValue::from_str(FILES), &JsValue::from_str(WORK));
    let transaction =
        database.transaction_with_str_sequence_and_mode(&names, IdbTransactionMode::Readonly)?;
    let files = transaction.object_store(FILES)?;
    let work = transaction.object_store(WORK)?;
    let keys: Array = ended(&files.get_all_keys()?).await?.unchecked_into();
    let values: Array = ended(&files.get_all()?).await?.unchecked_into();
    let mut found = Vec::new();
    for (key, value) in keys.iter().zip(values.iter()) {
        let Some(id) = key.as_f64() else { continue };
        let Ok(file) = value.dyn_into::<File>() else {
            continue;
        };
        let decided = ended(&work.get(&key)?).await?;
        found.push(KeptFile {
            id: id as u32,
            file,
            work: decided.as_string().unwrap_or_default(),
        });
    }
    found.sort_by_key(|kept| kept.id);
    Ok(found)
}

/// What the user decided for one file, as kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Decisions {
    /// The file's name (also in the file kept; here for the offer).
    name: String,
    /// How it is read.
    settings: ReadSettings,
    /// The mapping and the output options.
    template: Option<Template>,
    /// The corrections.
    edits: Edits,
    /// For a workbook, the sheet read.
    sheet: Option<String>,
}

thread_local! {
    /// The work found from an earlier visit, while the page offers it back.
    static OFFERED: RefCell<Vec<KeptFile>> = const { RefCell::new(Vec::new()) };
    /// What is kept now, by the page's file id: the decisions as last written.
    static WRITTEN: RefCell<HashMap<u32, String>> = RefCell::new(HashMap::new());
}

/// Starts keeping: offers back what an earlier visit kept, and from then on keeps the files and
/// what the user decides for them, at each change.
pub fn start(state: AppState) {
    state.keeping.set(allowed());
    if state.keeping.get_untracked() {
        spawn_local(async move {
            let Ok(found) = kept().await else {
                return;
            };
            if found.is_empty() {
                return;
            }
            let names = found
                .iter()
                .map(|kept| {
                    serde_json::from_str::<Decisions>(&kept.work)
                        .map_or_else(|_| kept.file.name(), |decided| decided.name)
                })
                .collect();
            OFFERED.with(|offered| *offered.borrow_mut() = found);
            state.kept.set(Some(names));
        });
    }
    Effect::new(move |_| {
        let keeping = state.keeping.get();
        // While earlier work is offered back, nothing is written over it.
        let offering = state.kept.with(Option::is_some);
        let now: Vec<(u32, String)> = state.files.with(|files| {
            files
                .iter()
                .filter(|file| {
                    !file.package && file.workbook.as_ref().is_none_or(|book| !book.reading)
                })
                .filter_map(|file| {
                    let decided = Decisions {
                        name: file.name.clone(),
                        settings: file.settings.clone(),
                        template: file.template.clone(),
                        edits: file.edits.clone(),
                        sheet: file.workbook.as_ref().map(|book| book.sheet.clone()),
                    };
                    serde_json::to_string(&decided)
                        .ok()
                        .map(|json| (file.id, json))
                })
                .collect()
        });
        if !keeping || offering {
            return;
        }
        spawn_local(write(now));
    });
}

/// Brings the kept files up to date with `now`: new files kept, changed decisions written, files
/// removed from the page forgotten.
async fn write(now: Vec<(u32, String)>) {
    let (added, changed, gone) = WRITTEN.with(|written| {
        let mut written = written.borrow_mut();
        let mut added = Vec::new();
        let mut changed = Vec::new();
        for (id, json) in &now {
            match written.get(id) {
                None => added.push((*id, json.clone())),
                Some(before) if before != json => changed.push((*id, json.clone())),
                Some(_) => {}
            }
            written.insert(*id, json.clone());
        }
        let gone: Vec<u32> = written
            .keys()
            .filter(|id| !now.iter().any(|(kept, _)| kept == *id))
            .copied()
            .collect();
        for id in &gone {
            written.remove(id);
        }
        (added, changed, gone)
    });
    for (id, json) in added {
        if let Some(file) = AppState::chosen_file(id) {
            // A file the browser's storage cannot hold (too large) is simply not kept.
            if keep_file(id, &file).await.is_ok() {
                let _ = keep_work(id, &json).await;
            }
        }
    }
    for (id, json) in changed {
        let _ = keep_work(id, &json).await;
    }
    for id in gone {
        let _ = forget(id).await;
    }
}

/// Brings back the work offered: each file with how it was read, its mapping and corrections.
pub fn restore(state: AppState) {
    let offered = OFFERED.with(|offered| std::mem::take(&mut *offered.borrow_mut()));
    spawn_local(async move {
        // Kept again under the ids the files get now.
        let _ = forget_all().await;
        WRITTEN.with(|written| written.borrow_mut().clear());
        state.kept.set(None);
        for kept in offered {
            let Ok(decided) = serde_json::from_str::<Decisions>(&kept.work) else {
                continue;
            };
            match decided.sheet.filter(|sheet| !sheet.is_empty()) {
                Some(sheet) => state.open_workbook_with(
                    kept.file,
                    Some(sheet),
                    decided.template,
                    decided.edits,
                ),
                None => {
                    state.add_file_with(
                        kept.file,
                        decided.settings,
                        decided.template,
                        decided.edits,
                        false,
                    );
                }
            }
        }
    });
}

/// Forgets the work offered.
pub fn discard(state: AppState) {
    OFFERED.with(|offered| offered.borrow_mut().clear());
    spawn_local(async move {
        let _ = forget_all().await;
        WRITTEN.with(|written| written.borrow_mut().clear());
        state.kept.set(None);
    });
}

/// Keeps the user's work in this browser from now on, or stops and forgets what was kept.
pub fn set_keeping(state: AppState, keep: bool) {
    if !keep {
        OFFERED.with(|offered| offered.borrow_mut().clear());
        state.kept.set(None);
    }
    WRITTEN.with(|written| written.borrow_mut().clear());
    spawn_local(async move {
        allow(keep).await;
        state.keeping.set(keep);
    });
}
