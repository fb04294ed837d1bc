//! The page's state (shared as a context of signals) and the actions that change it by asking
//! the worker. The `File` objects live here too, outside the signals, since they are browser
//! handles.

use std::cell::RefCell;
use std::collections::HashMap;

use js_sys::{Array, Reflect};
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, File, Url};

use super::{client, workbooks};
use crate::protocol::{
    CheckedFile, ImportPart, ProducedFile, ReadSettings, Reply, Request, SheetReply, Stage,
};
use leadpack_engine::{Edits, Fix, Replacement, Template};

/// The four steps of the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Choose files.
    Load,
    /// Confirm the column mapping.
    Map,
    /// Review findings.
    Review,
    /// Build and download packages.
    Package,
}

impl Step {
    /// Every step, in order.
    pub const ALL: [Step; 4] = [Step::Load, Step::Map, Step::Review, Step::Package];

    /// The step's title.
    pub fn title(self) -> &'static str {
        match self {
            Step::Load => "1. Load",
            Step::Map => "2. Map columns",
            Step::Review => "3. Review",
            Step::Package => "4. Package",
        }
    }
}

/// Where a file's check is.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckStatus {
    /// Being read and checked.
    Checking {
        /// The worker's job.
        job: u32,
        /// Bytes read.
        done: u64,
        /// Bytes in all.
        total: u64,
    },
    /// Checked.
    Checked(Box<CheckedFile>),
    /// The file could not be read; the message says why and what to do.
    Failed(String),
}

/// A file offered for download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    /// What it is.
    pub file: ProducedFile,
    /// Its `blob:` URL.
    pub url: String,
}

/// Where a file's packaging is.
///
/// Only `Done` offers files, and only the files of the build that is current: a build that is
/// cancelled, fails, or is overtaken by a change to the file or its options offers nothing.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum PackStatus {
    /// Not started (or the options changed since).
    #[default]
    Idle,
    /// Being packed.
    Packing {
        /// The worker's job.
        job: u32,
        /// Reading the file, or reading a finished package back.
        stage: Stage,
        /// Bytes read (of the file, or of the package's CSV).
        done: u64,
        /// Bytes in all.
        total: u64,
    },
    /// Done: the files to download.
    Done {
        /// The files.
        files: Vec<Download>,
        /// Leads packed.
        packaged: u64,
        /// Leads left out.
        rejected: u64,
    },
    /// Cancelled by the user; nothing of that build is offered.
    Cancelled,
    /// Failed; the message says why and what to do. Nothing of that build is offered.
    Failed(String),
}

impl PackStatus {
    /// The job building the package, while one is.
    pub fn job(&self) -> Option<u32> {
        match self {
            PackStatus::Packing { job, .. } => Some(*job),
            _ => None,
        }
    }
}

/// A file the user chose.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedFile {
    /// The page's id for it.
    pub id: u32,
    /// Its name.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// How to read it (the user's overrides).
    pub settings: ReadSettings,
    /// The user's decisions (starts as the check's suggestion).
    pub template: Option<Template>,
    /// The user's corrections.
    pub edits: Edits,
    /// Where its check is.
    pub status: CheckStatus,
    /// Where its packaging is.
    pub pack: PackStatus,
    /// An import package that could not be opened: it has no reading settings and cannot be
    /// checked again.
    pub package: bool,
    /// For a workbook: the sheet read, which the user can change.
    pub workbook: Option<WorkbookSheet>,
    /// The job of the check whose result is shown (each check has its own), so the grid knows
    /// when its rows are out of date.
    pub version: u32,
    /// The last check's result, kept while the file is checked again (so the review does not
    /// blank out at each correction).
    pub last_checked: Option<Box<CheckedFile>>,
    /// The corrections as they were before each change, the latest last (for Undo).
    pub undo: Vec<Edits>,
    /// The corrections Undo took back, the latest last (for Redo).
    pub redo: Vec<Edits>,
}

/// The sheet of a workbook that a file's leads come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkbookSheet {
    /// What kind of workbook it is, in words.
    pub kind: String,
    /// The sheet read.
    pub sheet: String,
    /// Every sheet: its name, and whether it is hidden.
    pub sheets: Vec<(String, bool)>,
    /// What the user should know about how the sheet was read.
    pub notes: Vec<String>,
    /// The workbook reader is reading a sheet of it.
    pub reading: bool,
}

impl WorkbookSheet {
    /// Its notes, after the one that says where the leads come from.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = vec![format!(
            "Read from the sheet “{}” of {}, as Excel shows its cells: numbers in full, dates as yyyy-MM-dd.",
            self.sheet, self.kind
        )];
        notes.extend(self.notes.iter().cloned());
        notes
    }
}

impl LoadedFile {
    /// The check's result, when there is one.
    pub fn checked(&self) -> Option<&CheckedFile> {
        match &self.status {
            CheckStatus::Checked(checked) => Some(checked),
            _ => None,
        }
    }

    /// What the review shows: the check's result, or while the file is checked again after a
    /// correction, the result before it.
    pub fn shown(&self) -> Option<&CheckedFile> {
        match &self.status {
            CheckStatus::Checked(checked) => Some(checked),
            CheckStatus::Checking { .. } => self.last_checked.as_deref(),
            CheckStatus::Failed(_) => None,
        }
    }
}

/// The page's shared state.
#[derive(Debug, Clone, Copy)]
pub struct AppState {
    /// The step shown.
    pub step: RwSignal<Step>,
    /// The files chosen, in order.
    pub files: RwSignal<Vec<LoadedFile>>,
    /// The file the Map, Review and Package steps show.
    pub selected: RwSignal<Option<u32>>,
    /// A problem with the page itself (the worker stopped), in plain words.
    pub banner: RwSignal<Option<String>>,
    /// Whether the files are one import (checked together, their packages shared), rather than
    /// one import per file.
    pub together: RwSignal<bool>,
    /// The name of the import's packages, when the files are one import.
    pub import_name: RwSignal<String>,
    /// Where the build of the import is, when the files are one import.
    pub import_pack: RwSignal<PackStatus>,
    /// The review shows the findings one per line, rather than every row in a grid.
    pub review_list: RwSignal<bool>,
    /// The names of the files kept from an earlier visit, while the page offers them back.
    pub kept: RwSignal<Option<Vec<String>>>,
    /// Whether the page keeps the user's work in this browser.
    pub keeping: RwSignal<bool>,
    /// The number of the latest check of the files as one import.
    import_number: RwSignal<u32>,
    next_id: RwSignal<u32>,
}

thread_local! {
    static FILES: RefCell<HashMap<u32, File>> = RefCell::new(HashMap::new());
    /// The files offered for download, by their `blob:` URL (for "Download all").
    static OFFERED: RefCell<HashMap<String, Blob>> = RefCell::new(HashMap::new());
    /// The workbooks the files read from a sheet came from, to read another sheet.
    static WORKBOOKS: RefCell<HashMap<u32, File>> = RefCell::new(HashMap::new());
}

/// Two histories of corrections (the one to take from, the one to keep in) and the corrections.
type Histories<'a> = (&'a mut Vec<Edits>, &'a mut Vec<Edits>, &'a mut Edits);

/// What the workbook reader said of the sheet it read.
fn sheet_of(reply: SheetReply) -> Option<WorkbookSheet> {
    match reply {
        SheetReply::Read {
            kind,
            sheet,
            sheets,
            notes,
            ..
        } => Some(WorkbookSheet {
            kind,
            sheet,
            sheets,
            notes,
            reading: false,
        }),
        _ => None,
    }
}

/// Whether `file` begins as a workbook does (a ZIP archive or a compound file), whatever its
/// name says.
async fn begins_as_workbook(file: &File) -> bool {
    let Ok(head) = file.slice_with_i32_and_i32(0, 8) else {
        return false;
    };
    let Ok(buffer) = wasm_bindgen_futures::JsFuture::from(head.array_buffer()).await else {
        return false;
    };
    let head = js_sys::Uint8Array::new(&buffer).to_vec();
    head.starts_with(b"PK\x03\x04") || head.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
}

impl AppState {
    /// A fresh state, provided as context.
    pub fn provide() -> AppState {
        let state = AppState {
            step: RwSignal::new(Step::Load),
            files: RwSignal::new(Vec::new()),
            selected: RwSignal::new(None),
            banner: RwSignal::new(None),
            together: RwSignal::new(false),
            import_name: RwSignal::new("import".to_string()),
            import_pack: RwSignal::new(PackStatus::Idle),
            review_list: RwSignal::new(false),
            kept: RwSignal::new(None),
            keeping: RwSignal::new(true),
            import_number: RwSignal::new(0),
            next_id: RwSignal::new(1),
        };
        provide_context(state);
        state
    }

    /// Changes the file `id`, if it is still there.
    pub fn update_file(self, id: u32, change: impl FnOnce(&mut LoadedFile)) {
        self.files.update(|files| {
            if let Some(file) = files.iter_mut().find(|f| f.id == id) {
                change(file);
            }
        });
    }

    /// The file the later steps show: the selected one, else the first checked one.
    pub fn current(self) -> Option<LoadedFile> {
        let selected = self.selected.get();
        self.files.with(|files| {
            selected
                .and_then(|id| files.iter().find(|f| f.id == id))
                .or_else(|| files.iter().find(|f| f.checked().is_some()))
                .cloned()
        })
    }

    /// Adds the user's files and checks each one; import packages (`.zip`) are opened and
    /// their CSV files added instead.
    /// Workbooks are read by the workbook reader, and the CSV text of their sheet added.
    pub fn add_files(self, chosen: Vec<File>) {
        leptos::task::spawn_local(async move {
            let mut added = false;
            for file in chosen {
                if file.name().to_ascii_lowercase().ends_with(".zip") {
                    self.open_package(file);
                    continue;
                }
                if begins_as_workbook(&file).await {
                    self.open_workbook(file);
                    continue;
                }
                self.add_file(file, ReadSettings::default(), false);
                added = true;
            }
            // One import: the new files are checked after the others, once.
            if added && self.together.get_untracked() {
                self.check_import();
            }
        });
    }

    /// Lists the workbook `file` at once, as being read, and reads its first sheet with values:
    /// its CSV text is then checked as the file's.
    fn open_workbook(self, file: File) {
        self.open_workbook_with(file, None, None, Edits::default());
    }

    /// Lists the workbook `file` and reads its sheet `sheet` (the first with values when
    /// `None`), with what the user decided for it before (kept across a reload).
    pub(super) fn open_workbook_with(
        self,
        file: File,
        sheet: Option<String>,
        template: Option<Template>,
        edits: Edits,
    ) {
        let id = self.next_id.get_untracked();
        self.next_id.set(id + 1);
        let listed = LoadedFile {
            id,
            name: file.name(),
            size: file.size() as u64,
            // The sheet's text is UTF-8 CSV with commas, whatever the detection would say.
            settings: ReadSettings {
                encoding: Some("utf-8".to_string()),
                delimiter: Some(",".to_string()),
            },
            template,
            edits,
            status: CheckStatus::Checking {
                job: 0,
                done: 0,
                total: 0,
            },
            pack: PackStatus::Idle,
            package: false,
            workbook: Some(WorkbookSheet {
                kind: String::new(),
                sheet: String::new(),
                sheets: Vec::new(),
                notes: Vec::new(),
                reading: true,
            }),
            version: 0,
            last_checked: None,
            undo: Vec::new(),
            redo: Vec::new(),
        };
        WORKBOOKS.with(|books| books.borrow_mut().insert(id, file.clone()));
        self.files.update(|files| files.push(listed));
        if self.selected.get_untracked().is_none() {
            self.selected.set(Some(id));
        }
        self.read_sheet(id, &file, sheet);
    }

    /// The file as the user chose it: for a workbook, the workbook (not the text of its sheet).
    pub(super) fn chosen_file(id: u32) -> Option<File> {
        WORKBOOKS
            .with(|books| books.borrow().get(&id).cloned())
            .or_else(|| FILES.with(|files| files.borrow().get(&id).cloned()))
    }

    /// Reads the sheet `sheet` (the first with values when `None`) of the workbook `file` as the
    /// text of file `id`, and checks it.
    fn read_sheet(self, id: u32, file: &File, sheet: Option<String>) {
        workbooks::read_sheet(
            file,
            sheet,
            Box::new(move |outcome| match outcome {
                Ok((reply, csv)) => {
                    let size = csv.size() as u64;
                    FILES.with(|files| files.borrow_mut().insert(id, csv));
                    self.update_file(id, |f| {
                        f.size = size;
                        f.workbook = sheet_of(reply);
                    });
                    self.check(id);
                }
                Err(message) => self.update_file(id, |f| {
                    f.status = CheckStatus::Failed(message);
                    if let Some(book) = &mut f.workbook {
                        book.reading = false;
                    }
                    // Nothing was read: nothing to check again until another sheet is chosen.
                    if f.workbook
                        .as_ref()
                        .is_none_or(|book| book.sheets.is_empty())
                    {
                        f.package = true;
                        f.workbook = None;
                    }
                }),
            }),
        );
    }

    /// Reads another sheet of the workbook that file `id` came from, and checks it.
    pub fn choose_sheet(self, id: u32, sheet: String) {
        let Some(original) = WORKBOOKS.with(|books| books.borrow().get(&id).cloned()) else {
            return;
        };
        self.update_file(id, |f| {
            f.status = CheckStatus::Checking {
                job: 0,
                done: 0,
                total: 0,
            };
            if let Some(book) = &mut f.workbook {
                book.reading = true;
            }
            // Another sheet has other columns: the mapping is suggested anew.
            f.template = None;
            f.edits = Edits::default();
            discard_pack(f);
        });
        self.read_sheet(id, &original, Some(sheet));
    }

    /// Lists a file that could not be opened at all, with why.
    fn add_failed(self, name: String, size: u64, message: String) {
        let id = self.next_id.get_untracked();
        self.next_id.set(id + 1);
        let failed = LoadedFile {
            id,
            name,
            size,
            settings: ReadSettings::default(),
            template: None,
            edits: Edits::default(),
            status: CheckStatus::Failed(message),
            pack: PackStatus::Idle,
            package: true,
            workbook: None,
            version: 0,
            last_checked: None,
            undo: Vec::new(),
            redo: Vec::new(),
        };
        self.files.update(|files| files.push(failed));
    }

    fn open_package(self, file: File) {
        let job = client::next_job();
        let name = file.name();
        let size = file.size() as u64;
        let handler = Box::new(move |reply: &Reply, raw: &JsValue| match reply {
            Reply::Unpacked { files, .. } => {
                for ((_, encoding), csv) in files.iter().zip(blobs(raw).iter()) {
                    if let Ok(csv) = csv.dyn_into::<File>() {
                        let settings = ReadSettings {
                            encoding: Some(encoding.clone()),
                            delimiter: None,
                        };
                        self.add_file(csv, settings, false);
                    }
                }
                if self.together.get_untracked() {
                    self.check_import();
                }
            }
            Reply::Failed { message, .. } => self.add_failed(name.clone(), size, message.clone()),
            _ => {}
        });
        client::send(job, &Request::Unpack { job }, Some(&file), Some(handler));
    }

    /// Adds a file, and gives its id; checks it at once when `check_now` or when each file is its
    /// own import.
    fn add_file(self, file: File, settings: ReadSettings, check_now: bool) -> u32 {
        self.add_file_with(file, settings, None, Edits::default(), check_now)
    }

    /// Adds a file with what the user decided for it before (kept across a reload), and gives
    /// its id; checks it at once when `check_now` or when each file is its own import.
    pub(super) fn add_file_with(
        self,
        file: File,
        settings: ReadSettings,
        template: Option<Template>,
        edits: Edits,
        check_now: bool,
    ) -> u32 {
        {
            let id = self.next_id.get_untracked();
            self.next_id.set(id + 1);
            let loaded = LoadedFile {
                id,
                name: file.name(),
                size: file.size() as u64,
                settings,
                template,
                edits,
                status: CheckStatus::Checking {
                    job: 0,
                    done: 0,
                    total: file.size() as u64,
                },
                pack: PackStatus::Idle,
                package: false,
                workbook: None,
                version: 0,
                last_checked: None,
                undo: Vec::new(),
                redo: Vec::new(),
            };
            FILES.with(|files| files.borrow_mut().insert(id, file));
            self.files.update(|files| files.push(loaded));
            if self.selected.get_untracked().is_none() {
                self.selected.set(Some(id));
            }
            if check_now || !self.together.get_untracked() {
                self.check_file(id, None, None);
            }
            id
        }
    }

    /// Removes a file, stopping its jobs.
    pub fn remove(self, id: u32) {
        FILES.with(|files| files.borrow_mut().remove(&id));
        WORKBOOKS.with(|books| books.borrow_mut().remove(&id));
        self.update_file(id, |f| {
            if let CheckStatus::Checking { job, .. } = f.status {
                send_cancel(job);
            }
            discard_pack(f);
        });
        self.files.update(|files| files.retain(|f| f.id != id));
        if self.selected.get_untracked() == Some(id) {
            self.selected
                .set(self.files.with_untracked(|f| f.first().map(|f| f.id)));
        }
        let job = client::next_job();
        client::send(job, &Request::Forget { file_id: id }, None, None);
        // One import: the files after it were compared with it.
        if self.together.get_untracked() {
            self.check_import();
        }
    }

    /// Makes the files one import (`together`), or one import each: every file is checked
    /// again, and no package built before is offered.
    pub fn set_together(self, together: bool) {
        if self.together.get_untracked() == together {
            return;
        }
        self.together.set(together);
        if together {
            self.check_import();
        } else {
            self.discard_import_pack();
            let ids: Vec<u32> = self.checkable();
            for id in ids {
                self.check_file(id, None, None);
            }
        }
    }

    /// The files that can be checked (not an import package that could not be opened), in order.
    fn checkable(self) -> Vec<u32> {
        self.files
            .with_untracked(|files| files.iter().filter(|f| !f.package).map(|f| f.id).collect())
    }

    /// Checks every file again as one import, one after the other: each is compared with the
    /// files before it. A check of the import still running stops.
    pub fn check_import(self) {
        let number = self.import_number.get_untracked() + 1;
        self.import_number.set(number);
        self.discard_import_pack();
        let ids = self.checkable();
        for &id in &ids {
            self.update_file(id, |f| {
                if let CheckStatus::Checking { job, .. } = f.status {
                    send_cancel(job);
                }
                // Waiting for the files before it.
                f.status = CheckStatus::Checking {
                    job: 0,
                    done: 0,
                    total: f.size,
                };
                discard_pack(f);
            });
        }
        self.check_next(ids, 0, number);
    }

    /// Checks file `ids[at]` of the import numbered `number`, then the next one, as long as no
    /// newer check of the import has started.
    fn check_next(self, ids: Vec<u32>, at: usize, number: u32) {
        if self.import_number.get_untracked() != number {
            return;
        }
        let Some(&id) = ids.get(at) else {
            return;
        };
        let then = Box::new(move || self.check_next(ids, at + 1, number));
        self.check_file(id, Some(number), Some(then));
    }

    /// (Re)checks file `id` with its current settings and decisions; when the files are one
    /// import, every file is checked again.
    pub fn check(self, id: u32) {
        if self.together.get_untracked() {
            self.check_import();
        } else {
            self.check_file(id, None, None);
        }
    }

    /// Checks file `id` (in the import numbered `import`, if any), then calls `then` once its
    /// check has ended, however it ended.
    fn check_file(self, id: u32, import: Option<u32>, then: Option<Box<dyn FnOnce()>>) {
        let file = FILES.with(|files| files.borrow().get(&id).cloned());
        let loaded = self
            .files
            .with_untracked(|files| files.iter().find(|f| f.id == id).cloned());
        let (Some(file), Some(loaded)) = (file, loaded) else {
            // Gone: the files after it are checked all the same.
            if let Some(then) = then {
                then();
            }
            return;
        };
        let job = client::next_job();
        self.update_file(id, |f| {
            // A check still running for earlier settings is of no use any more.
            if let CheckStatus::Checking { job: earlier, .. } = f.status {
                send_cancel(earlier);
            }
            f.status = CheckStatus::Checking {
                job,
                done: 0,
                total: f.size,
            };
            // The file is checked anew: a package built before no longer matches it.
            discard_pack(f);
        });
        let request = Request::Check {
            job,
            file_id: id,
            settings: loaded.settings.clone(),
            template: loaded.template.clone(),
            edits: loaded.edits.clone(),
            import,
        };
        // Only the latest check of the file may change it.
        let current = move |f: &LoadedFile| matches!(f.status, CheckStatus::Checking { job: j, .. } if j == job);
        let mut then = then;
        let handler = Box::new(move |reply: &Reply, _: &JsValue| {
            let ended = !matches!(reply, Reply::Progress { .. });
            match reply {
                Reply::Progress { done, total, .. } => self.update_file(id, |f| {
                    if current(f) {
                        f.status = CheckStatus::Checking {
                            job,
                            done: *done,
                            total: *total,
                        };
                    }
                }),
                Reply::Checked { checked, .. } => self.update_file(id, |f| {
                    if current(f) {
                        if f.template.is_none() {
                            f.template = Some(checked.suggested.clone());
                        }
                        f.status = CheckStatus::Checked(checked.clone());
                        f.last_checked = Some(checked.clone());
                        f.version = job;
                    }
                }),
                Reply::Failed { message, .. } => self.update_file(id, |f| {
                    if current(f) {
                        f.status = CheckStatus::Failed(message.clone());
                    }
                }),
                Reply::Cancelled { .. } => self.update_file(id, |f| {
                    if current(f) {
                        f.status = CheckStatus::Failed(
                            "Checking was cancelled. Choose “Check again” to start over.".into(),
                        );
                    }
                }),
                _ => {}
            }
            if ended && let Some(then) = then.take() {
                then();
            }
        });
        client::send(job, &request, Some(&file), Some(handler));
    }

    /// Packs file `id` with its decisions; the results become downloads.
    pub fn pack(self, id: u32) {
        let Some(loaded) = self
            .files
            .with_untracked(|files| files.iter().find(|f| f.id == id).cloned())
        else {
            return;
        };
        let Some(template) = loaded.template.clone() else {
            return;
        };
        let job = client::next_job();
        self.update_file(id, |f| {
            discard_pack(f);
            f.pack = PackStatus::Packing {
                job,
                stage: Stage::Packing,
                done: 0,
                total: f.size,
            };
        });
        let request = Request::Pack {
            job,
            file_id: id,
            settings: loaded.settings.clone(),
            template,
            edits: loaded.edits.clone(),
        };
        // Only the build still awaited may change the file: the reply of a build that was
        // cancelled or overtaken (by a new build, new options or a new check) is dropped, and
        // its files are never offered.
        let current = move |f: &LoadedFile| f.pack.job() == Some(job);
        let handler = Box::new(move |reply: &Reply, raw: &JsValue| {
            let awaited = self
                .files
                .with_untracked(|all| all.iter().any(|f| f.id == id && current(f)));
            if awaited && let Some(next) = next_pack_status(job, reply, raw) {
                self.update_file(id, |f| f.pack = next);
            }
        });
        client::send(job, &request, None, Some(handler));
    }

    /// Builds the files as one import; the results become the import's downloads.
    pub fn pack_import(self) {
        let files = self.files.get_untracked();
        let mut parts = Vec::with_capacity(files.len());
        for file in &files {
            match (&file.status, &file.template) {
                (CheckStatus::Checked(_), Some(template)) => parts.push(ImportPart {
                    file_id: file.id,
                    settings: file.settings.clone(),
                    template: template.clone(),
                    edits: file.edits.clone(),
                }),
                (CheckStatus::Failed(_), _) => {
                    self.import_pack.set(PackStatus::Failed(format!(
                        "{} could not be read, and every file of an import must be packed. \
                         Remove it from the files (or fix it and add it again), then build again.",
                        file.name
                    )));
                    return;
                }
                _ => {
                    self.import_pack.set(PackStatus::Failed(format!(
                        "{} is still being checked. Build the import once every file is checked.",
                        file.name
                    )));
                    return;
                }
            }
        }
        self.discard_import_pack();
        let job = client::next_job();
        let total = files.iter().map(|f| f.size).sum();
        self.import_pack.set(PackStatus::Packing {
            job,
            stage: Stage::Packing,
            done: 0,
            total,
        });
        let request = Request::PackImport {
            job,
            name: self.import_name.get_untracked(),
            files: parts,
        };
        let current = move || self.import_pack.with_untracked(|p| p.job() == Some(job));
        let handler = Box::new(move |reply: &Reply, raw: &JsValue| {
            if current()
                && let Some(next) = next_pack_status(job, reply, raw)
            {
                self.import_pack.set(next);
            }
        });
        client::send(job, &request, None, Some(handler));
    }

    /// Stops the build of the import: nothing it makes will be offered.
    pub fn cancel_import_pack(self) {
        if let Some(job) = self.import_pack.with_untracked(PackStatus::job) {
            send_cancel(job);
            self.import_pack.set(PackStatus::Cancelled);
        }
    }

    /// Forgets the import's package: a running build is cancelled and finished files are no
    /// longer offered (they no longer match the files or their options).
    pub fn discard_import_pack(self) {
        self.import_pack.update(|pack| {
            if let Some(job) = pack.job() {
                send_cancel(job);
            }
            revoke(pack);
        });
    }

    /// Corrects one cell and checks the file again.
    pub fn edit_cell(self, id: u32, row: u64, column: usize, value: String) {
        self.change_edits(id, |edits| {
            edits.cells.entry(row).or_default().insert(column, value);
        });
    }

    /// Applies a fix to every row and checks the file again.
    pub fn add_fix(self, id: u32, fix: Fix) {
        self.change_edits(id, |edits| {
            if !edits.fixes.contains(&fix) {
                edits.fixes.push(fix);
            }
        });
    }

    /// Replaces a text in one column or every column, and checks the file again.
    pub fn add_replacement(self, id: u32, replacement: Replacement) {
        self.change_edits(id, |edits| edits.replacements.push(replacement));
    }

    /// Writes the record on `row` anew with `values`, and checks the file again.
    pub fn rewrite_row(self, id: u32, row: u64, values: Vec<String>) {
        self.change_edits(id, |edits| {
            edits.rows.insert(row, values);
            // Its single cells were corrections of the row as it was.
            edits.cells.remove(&row);
        });
    }

    /// Takes the record on `row` out of the import (or puts it back), and checks the file
    /// again.
    pub fn set_deleted(self, id: u32, row: u64, deleted: bool) {
        self.change_edits(id, |edits| {
            if deleted {
                edits.deleted.insert(row);
            } else {
                edits.deleted.remove(&row);
            }
        });
    }

    /// Forgets every correction and checks the file again.
    pub fn clear_edits(self, id: u32) {
        self.change_edits(id, |edits| *edits = Edits::default());
    }

    /// Changes the corrections of file `id`, keeping them as they were for Undo, and checks
    /// the file again. A change that changes nothing is no step to undo.
    fn change_edits(self, id: u32, change: impl FnOnce(&mut Edits)) {
        let mut changed = false;
        self.update_file(id, |f| {
            let before = f.edits.clone();
            change(&mut f.edits);
            if f.edits != before {
                f.undo.push(before);
                f.redo.clear();
                changed = true;
            }
        });
        if changed {
            self.check(id);
        }
    }

    /// Takes back the last change to file `id`'s corrections.
    pub fn undo(self, id: u32) {
        self.step(id, |f| (&mut f.undo, &mut f.redo, &mut f.edits));
    }

    /// Makes again the last change Undo took back.
    pub fn redo(self, id: u32) {
        self.step(id, |f| (&mut f.redo, &mut f.undo, &mut f.edits));
    }

    /// Puts back the corrections last kept in one history (`from`), keeping those it replaces
    /// in the other (`to`), and checks the file again.
    fn step(self, id: u32, histories: impl FnOnce(&mut LoadedFile) -> Histories<'_>) {
        let mut changed = false;
        self.update_file(id, |f| {
            let (from, to, edits) = histories(f);
            if let Some(kept) = from.pop() {
                to.push(std::mem::replace(edits, kept));
                changed = true;
            }
        });
        if changed {
            self.check(id);
        }
    }

    /// Stops a running job.
    pub fn cancel(self, job: u32) {
        send_cancel(job);
    }

    /// Stops the package build of file `id`: nothing it makes will be offered.
    pub fn cancel_pack(self, id: u32) {
        self.update_file(id, |f| {
            if let Some(job) = f.pack.job() {
                send_cancel(job);
                f.pack = PackStatus::Cancelled;
            }
        });
    }
}

/// What a reply to the build `job` makes of its status; `None` for a reply that changes nothing.
fn next_pack_status(job: u32, reply: &Reply, raw: &JsValue) -> Option<PackStatus> {
    match reply {
        Reply::Progress {
            stage, done, total, ..
        } => Some(PackStatus::Packing {
            job,
            stage: *stage,
            done: *done,
            total: *total,
        }),
        Reply::Packed {
            files,
            packaged,
            rejected,
            ..
        } => Some(offered(files, raw, *packaged, *rejected)),
        Reply::Failed { message, .. } => Some(PackStatus::Failed(message.clone())),
        Reply::Cancelled { .. } => Some(PackStatus::Cancelled),
        _ => None,
    }
}

/// What a build's `Packed` reply offers: every file it made, or, when the browser could not
/// offer one of them, none (a package without its rejected rows is not offered).
fn offered(files: &[ProducedFile], raw: &JsValue, packaged: u64, rejected: u64) -> PackStatus {
    let downloads = downloads(files, raw);
    if downloads.len() != files.len() {
        for download in &downloads {
            let _ = Url::revoke_object_url(&download.url);
            OFFERED.with(|offered| offered.borrow_mut().remove(&download.url));
        }
        return PackStatus::Failed(
            "The browser could not offer the files that were built, so none is offered. Build \
             the package again; if this persists, reload the page."
                .into(),
        );
    }
    PackStatus::Done {
        files: downloads,
        packaged,
        rejected,
    }
}

/// Asks the worker to stop `job`.
fn send_cancel(job: u32) {
    if job != 0 {
        client::send(job, &Request::Cancel { job }, None, None);
    }
}

/// Forgets the file's package: a running build is cancelled and finished files are no longer
/// offered (they no longer match the file or its options).
pub fn discard_pack(file: &mut LoadedFile) {
    if let Some(job) = file.pack.job() {
        send_cancel(job);
    }
    revoke(&mut file.pack);
}

/// Blob URLs for the produced files, from the reply's `blobs` (made by the worker).
fn downloads(files: &[ProducedFile], raw: &JsValue) -> Vec<Download> {
    blobs(raw)
        .iter()
        .zip(files)
        .filter_map(|(blob, file)| {
            let blob: Blob = blob.dyn_into().ok()?;
            let url = Url::create_object_url_with_blob(&blob).ok()?;
            OFFERED.with(|offered| offered.borrow_mut().insert(url.clone(), blob));
            Some(Download {
                file: file.clone(),
                url,
            })
        })
        .collect()
}

/// The files that travel beside a reply.
fn blobs(raw: &JsValue) -> Array {
    Reflect::get(raw, &"blobs".into())
        .ok()
        .and_then(|b| b.dyn_into().ok())
        .unwrap_or_default()
}

/// The file behind the download link `url`, while it is offered.
pub fn offered_blob(url: &str) -> Option<Blob> {
    OFFERED.with(|offered| offered.borrow().get(url).cloned())
}

/// Frees the blob URLs of finished downloads, and leaves the status idle.
fn revoke(pack: &mut PackStatus) {
    if let PackStatus::Done { files, .. } = pack {
        for download in files.iter() {
            let _ = Url::revoke_object_url(&download.url);
            OFFERED.with(|offered| offered.borrow_mut().remove(&download.url));
        }
    }
    *pack = PackStatus::Idle;
}
