//! The review grid's rows (wasm only): any stretch of a checked file's rows, with the
//! corrections of its last check applied and each row's findings beside it, read from the
//! user's `File` without reading it from its start.
//!
//! Per file, the worker keeps what the grid asks for again and again: the marks where every
//! 64th record starts (found by reading the file once, the first time a row far from the start
//! is wanted), the findings by row, and the rows the last filter kept.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use encoding_rs::Encoding;
use js_sys::{Promise, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{DedicatedWorkerGlobalScope, File};

use crate::protocol::{GridRow, Reply, RowsFilter};
use leadpack_engine::{
    Field, FileReport, FindingsByRow, MARK_EVERY, Replacement, RowLocator, RowMark, RowWindow,
    Wanted, WindowRow, encoding_for_label, parse_delimiter,
};

/// Rows this close to the start are read from the start while the marks are still unknown.
const EARLY_RECORDS: u64 = 2_000;
/// The most rows a search keeps.
pub const SEARCH_LIMIT: usize = 100_000;
/// The size of the pieces read for a stretch of rows.
const WINDOW_PIECE: f64 = 64.0 * 1024.0;
/// The size of the pieces read when the whole file is read (marks, searches).
const WHOLE_PIECE: f64 = 1024.0 * 1024.0;

/// How a file's rows are laid out: what its marks depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Layout {
    encoding: &'static Encoding,
    delimiter: u8,
    header_row: u64,
}

enum Marks {
    /// Not looked for yet.
    NotStarted,
    /// Being found.
    Finding,
    /// Found (empty when the encoding allows none: every reading starts at the start).
    Found(Rc<Vec<RowMark>>),
}

/// What the worker keeps for one file's grid.
struct Grid {
    /// The report the findings by row and the filtered rows were made for.
    report: Arc<FileReport>,
    layout: Layout,
    marks: Marks,
    by_row: Option<Rc<FindingsByRow>>,
    /// The last filter, the rows it keeps, and whether a search stopped at its limit.
    filtered: Option<(RowsFilter, Rc<Vec<u64>>, bool)>,
}

thread_local! {
    static GRIDS: RefCell<HashMap<u32, Grid>> = RefCell::new(HashMap::new());
}

/// Forgets what was kept for file `file_id`.
pub fn forget(file_id: u32) {
    GRIDS.with(|grids| grids.borrow_mut().remove(&file_id));
}

/// Answers a request for rows.
pub async fn rows(job: u32, file_id: u32, filter: RowsFilter, offset: u64, limit: u64) {
    reply(job, answer(job, file_id, filter, offset, limit).await);
}

/// Posts what job `job` came to: its reply, that it was cancelled (`None`), or why it failed.
fn reply(job: u32, outcome: Result<Option<Reply>, String>) {
    match outcome {
        Ok(Some(reply)) => super::post(&reply, None),
        Ok(None) => super::post(&Reply::Cancelled { job }, None),
        Err(message) => super::fail(job, message),
    }
}

/// Answers where a spreadsheet row is among the rows `filter` keeps.
pub async fn find_row(job: u32, file_id: u32, filter: RowsFilter, row: u64) {
    let found = place_of(job, file_id, filter, row).await;
    reply(
        job,
        found.map(|place| place.map(|place| Reply::RowFound { job, place })),
    );
}

async fn place_of(
    job: u32,
    file_id: u32,
    filter: RowsFilter,
    row: u64,
) -> Result<Option<u64>, String> {
    let (file, report) =
        super::held(file_id).ok_or("That file is no longer open. Choose it again.")?;
    let layout = layout_of(&report)?;
    refresh(file_id, &report, layout);
    if !filter.is_every_row() {
        let Some((kept, _)) = filtered(job, file_id, &file, &report, layout, &filter).await? else {
            return Ok(None);
        };
        let place = kept.partition_point(|&at| at < row) as u64;
        return Ok(Some(place.min((kept.len() as u64).saturating_sub(1))));
    }
    let last = records_in(&report).saturating_sub(1);
    if row <= layout.header_row + 1 {
        return Ok(Some(0));
    }
    let marks = marks(file_id, &file, layout).await?;
    // The row is among the records from the mark before it to the next mark.
    let mark = RowWindow::mark_for(&marks, &Wanted::Rows(vec![row]));
    let first = mark.map_or(0, |mark| mark.record);
    let count = if marks.is_empty() {
        u64::MAX
    } else {
        MARK_EVERY
    };
    let read = window(&file, layout, mark, Wanted::Records { first, count }).await?;
    let place = read
        .iter()
        .find(|record| record.row >= row)
        .map_or(first + read.len() as u64, |record| record.record);
    Ok(Some(place.min(last)))
}

async fn answer(
    job: u32,
    file_id: u32,
    filter: RowsFilter,
    offset: u64,
    limit: u64,
) -> Result<Option<Reply>, String> {
    let (file, report) =
        super::held(file_id).ok_or("That file is no longer open. Choose it again.")?;
    let layout = layout_of(&report)?;
    refresh(file_id, &report, layout);
    // Which rows: a stretch of every row, or some of the rows the filter keeps.
    let (total, wanted, more) = if filter.is_every_row() {
        let count = limit.min(report.rows.saturating_sub(offset));
        (
            report.rows,
            Wanted::Records {
                first: offset,
                count,
            },
            false,
        )
    } else {
        let Some((kept, more)) = filtered(job, file_id, &file, &report, layout, &filter).await?
        else {
            return Ok(None);
        };
        let page: Vec<u64> = kept
            .iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .copied()
            .collect();
        (kept.len() as u64, Wanted::Rows(page), more)
    };
    let early =
        matches!(wanted, Wanted::Records { first, count } if first + count <= EARLY_RECORDS);
    let marks = if early {
        start_finding_marks(file_id, &file, layout);
        Rc::new(Vec::new())
    } else {
        marks(file_id, &file, layout).await?
    };
    let mut read = Vec::new();
    for (mark, wanted) in by_mark(&marks, wanted) {
        read.extend(window(&file, layout, mark, wanted).await?);
    }
    let by_row = by_row(file_id, &report);
    let rows = read
        .into_iter()
        .map(|row| grid_row(&report, &by_row, row))
        .collect();
    Ok(Some(Reply::Rows {
        job,
        file_id,
        total,
        offset,
        rows,
        more,
    }))
}

/// The records of `report`'s file, those the user took out included.
fn records_in(report: &FileReport) -> u64 {
    report.rows + report.summary.deleted
}

/// Answers how many cells a find and replace would change. The rows holding the text in any
/// case are read (at most `SEARCH_LIMIT`), their corrections applied, and the replacement
/// counted on them.
pub async fn count_replace(job: u32, file_id: u32, replacement: Replacement) {
    let counted = async {
        let (file, report) =
            super::held(file_id).ok_or("That file is no longer open. Choose it again.")?;
        let layout = layout_of(&report)?;
        if replacement.find.is_empty() {
            return Ok(Some(Reply::ReplaceCount {
                job,
                cells: 0,
                rows: 0,
                more: false,
            }));
        }
        let Some((rows, more)) = search(job, &file, &report, layout, &replacement.find).await?
        else {
            return Ok(None);
        };
        let marks = marks(file_id, &file, layout).await?;
        let (mut cells, mut changed_rows) = (0u64, 0u64);
        for (mark, wanted) in by_mark(&marks, Wanted::Rows(rows)) {
            for read in window(&file, layout, mark, wanted).await? {
                let row = grid_row(&report, &FindingsByRow::default(), read);
                let here: usize = row
                    .values
                    .iter()
                    .enumerate()
                    .filter(|(column, _)| replacement.covers(*column))
                    .map(|(_, value)| usize::from(replacement.apply(value).is_some()))
                    .sum();
                cells += here as u64;
                changed_rows += u64::from(here > 0);
            }
        }
        Ok::<_, String>(Some(Reply::ReplaceCount {
            job,
            cells,
            rows: changed_rows,
            more,
        }))
    }
    .await;
    reply(job, counted);
}

/// How `report`'s file is laid out.
fn layout_of(report: &FileReport) -> Result<Layout, String> {
    let encoding = encoding_for_label(&report.encoding);
    let delimiter = parse_delimiter(&report.delimiter);
    match (encoding, delimiter) {
        (Some(encoding), Some(delimiter)) => Ok(Layout {
            encoding,
            delimiter,
            header_row: report.header_row,
        }),
        _ => Err("Leadpack cannot show this file's rows. Check it again.".into()),
    }
}

/// Drops what was kept for an earlier check of the file (its marks too, if the file is now
/// read another way).
fn refresh(file_id: u32, report: &Arc<FileReport>, layout: Layout) {
    GRIDS.with(|grids| {
        let mut grids = grids.borrow_mut();
        match grids.get_mut(&file_id) {
            Some(grid) if Arc::ptr_eq(&grid.report, report) => {}
            Some(grid) if grid.layout == layout => {
                grid.report = Arc::clone(report);
                grid.by_row = None;
                grid.filtered = None;
            }
            _ => {
                grids.insert(
                    file_id,
                    Grid {
                        report: Arc::clone(report),
                        layout,
                        marks: Marks::NotStarted,
                        by_row: None,
                        filtered: None,
                    },
                );
            }
        }
    });
}

/// Starts finding the marks of file `file_id`, unless it is found or being found.
fn start_finding_marks(file_id: u32, file: &File, layout: Layout) {
    let start = GRIDS.with(|grids| {
        let mut grids = grids.borrow_mut();
        let grid = grids.get_mut(&file_id)?;
        matches!(grid.marks, Marks::NotStarted).then(|| grid.marks = Marks::Finding)
    });
    if start.is_none() {
        return;
    }
    let file = file.clone();
    spawn_local(async move {
        let found = find_marks(&file, layout).await;
        GRIDS.with(|grids| {
            if let Some(grid) = grids.borrow_mut().get_mut(&file_id)
                && grid.layout == layout
            {
                match found {
                    Ok(marks) => grid.marks = Marks::Found(Rc::new(marks)),
                    // Without marks, rows are read from the start: slower, not wrong.
                    Err(_) => grid.marks = Marks::Found(Rc::new(Vec::new())),
                }
            }
        });
    });
}

/// The marks of file `file_id`, once found.
async fn marks(file_id: u32, file: &File, layout: Layout) -> Result<Rc<Vec<RowMark>>, String> {
    start_finding_marks(file_id, file, layout);
    loop {
        let found = GRIDS.with(
            |grids| match grids.borrow().get(&file_id).map(|g| &g.marks) {
                Some(Marks::Found(marks)) => Some(Ok(Rc::clone(marks))),
                Some(Marks::Finding | Marks::NotStarted) => None,
                None => Some(Err(
                    "That file is no longer open. Choose it again.".to_string()
                )),
            },
        );
        if let Some(found) = found {
            return found;
        }
        pause(20).await;
    }
}

/// Reads the whole file for its marks.
async fn find_marks(file: &File, layout: Layout) -> Result<Vec<RowMark>, String> {
    let mut locator = RowLocator::new(layout.encoding, layout.delimiter, layout.header_row);
    if !locator.works() {
        return Ok(Vec::new());
    }
    let (mut at, total) = (0.0, file.size());
    while at < total {
        let end = (at + WHOLE_PIECE).min(total);
        locator.feed(&slice(file, at, end).await?);
        at = end;
    }
    Ok(locator.finish())
}

/// The rows `filter` keeps, found once per check and filter; `None` when the job was cancelled.
async fn filtered(
    job: u32,
    file_id: u32,
    file: &File,
    report: &FileReport,
    layout: Layout,
    filter: &RowsFilter,
) -> Result<Option<(Rc<Vec<u64>>, bool)>, String> {
    let kept = GRIDS.with(|grids| {
        grids
            .borrow()
            .get(&file_id)
            .and_then(|grid| match &grid.filtered {
                Some((same, rows, more)) if same == filter => Some((Rc::clone(rows), *more)),
                _ => None,
            })
    });
    if let Some(kept) = kept {
        return Ok(Some(kept));
    }
    let mut rows = filter
        .findings()
        .map(|query| report.issues.rows_where(|finding| query.matches(finding)));
    let mut more = false;
    if let Some(text) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let Some((found, stopped)) = search(job, file, report, layout, text).await? else {
            return Ok(None);
        };
        more = stopped;
        rows = Some(match rows {
            Some(with_findings) => found
                .into_iter()
                .filter(|row| with_findings.binary_search(row).is_ok())
                .collect(),
            None => found,
        });
    }
    let rows = Rc::new(rows.unwrap_or_default());
    GRIDS.with(|grids| {
        if let Some(grid) = grids.borrow_mut().get_mut(&file_id) {
            grid.filtered = Some((filter.clone(), Rc::clone(&rows), more));
        }
    });
    Ok(Some((rows, more)))
}

/// The rows holding `text`, in the file or in a correction of the last check; and whether the
/// search stopped at its limit. `None` when the job was cancelled.
async fn search(
    job: u32,
    file: &File,
    report: &FileReport,
    layout: Layout,
    text: &str,
) -> Result<Option<(Vec<u64>, bool)>, String> {
    let mut window = RowWindow::new(
        layout.encoding,
        layout.delimiter,
        layout.header_row,
        None,
        Wanted::containing(text, SEARCH_LIMIT),
    );
    let (mut at, total) = (0.0, file.size());
    while at < total {
        if super::cancelled(job) {
            return Ok(None);
        }
        let end = (at + WHOLE_PIECE).min(total);
        if window.feed(&slice(file, at, end).await?) {
            break;
        }
        at = end;
    }
    let mut rows: Vec<u64> = window.finish().iter().map(|row| row.row).collect();
    let more = rows.len() >= SEARCH_LIMIT;
    let lower = text.to_lowercase();
    if let Some(basis) = &report.basis {
        rows.extend(basis.edits().cells.iter().filter_map(|(row, cells)| {
            cells
                .values()
                .any(|value| value.to_lowercase().contains(&lower))
                .then_some(*row)
        }));
    }
    rows.sort_unstable();
    rows.dedup();
    Ok(Some((rows, more)))
}

/// `wanted` split by the mark each part is read from: one stretch of records, or rows grouped
/// by the mark before them.
fn by_mark(marks: &[RowMark], wanted: Wanted) -> Vec<(Option<RowMark>, Wanted)> {
    match wanted {
        Wanted::Rows(rows) => {
            let mut parts: Vec<(Option<RowMark>, Vec<u64>)> = Vec::new();
            for row in rows {
                let mark = RowWindow::mark_for(marks, &Wanted::Rows(vec![row]));
                match parts.last_mut() {
                    Some((last, rows)) if *last == mark => rows.push(row),
                    _ => parts.push((mark, vec![row])),
                }
            }
            parts
                .into_iter()
                .map(|(mark, rows)| (mark, Wanted::Rows(rows)))
                .collect()
        }
        other => vec![(RowWindow::mark_for(marks, &other), other)],
    }
}

/// Reads the records `wanted` names from `mark` (or the start).
async fn window(
    file: &File,
    layout: Layout,
    mark: Option<RowMark>,
    wanted: Wanted,
) -> Result<Vec<WindowRow>, String> {
    let mut window = RowWindow::new(
        layout.encoding,
        layout.delimiter,
        layout.header_row,
        mark,
        wanted,
    );
    let (mut at, total) = (mark.map_or(0.0, |mark| mark.offset as f64), file.size());
    while at < total {
        let end = (at + WINDOW_PIECE).min(total);
        if window.feed(&slice(file, at, end).await?) {
            break;
        }
        at = end;
    }
    Ok(window.finish())
}

/// The findings of file `file_id`'s report by row, kept once made.
fn by_row(file_id: u32, report: &FileReport) -> Rc<FindingsByRow> {
    GRIDS.with(|grids| {
        let mut grids = grids.borrow_mut();
        let grid = grids.get_mut(&file_id);
        match grid {
            Some(grid) => Rc::clone(
                grid.by_row
                    .get_or_insert_with(|| Rc::new(report.issues.by_row())),
            ),
            None => Rc::new(report.issues.by_row()),
        }
    })
}

/// A row as the grid shows it: the corrections of the check applied, its findings beside it.
fn grid_row(report: &FileReport, by_row: &FindingsByRow, read: WindowRow) -> GridRow {
    let mut values = read.values;
    if let Some(basis) = &report.basis
        && !basis.edits().is_empty()
    {
        let mut columns = [None; Field::ALL.len()];
        for (index, column) in report.columns.iter().enumerate() {
            if let Some(field) = column.column.field {
                columns[field.index()].get_or_insert(index);
            }
        }
        let headers: Vec<String> = report
            .columns
            .iter()
            .map(|column| column.column.header.clone())
            .collect();
        let fields: Vec<&str> = values.iter().map(String::as_str).collect();
        if let Some(corrected) =
            basis
                .edits()
                .apply(read.row, &fields, &columns, &headers, &mut Vec::new())
        {
            values = corrected;
        }
    }
    GridRow {
        row: read.row,
        deleted: report
            .basis
            .as_ref()
            .is_some_and(|basis| basis.edits().is_deleted(read.row)),
        values,
        unterminated: read.unterminated,
        findings: by_row.of_row(&report.issues, read.row),
    }
}

/// The bytes of `file` from `start` to `end`.
async fn slice(file: &File, start: f64, end: f64) -> Result<Vec<u8>, String> {
    let unreadable = || super::unreadable(file);
    let blob = file
        .slice_with_f64_and_f64(start, end)
        .map_err(|_| unreadable())?;
    let buffer = JsFuture::from(blob.array_buffer())
        .await
        .map_err(|_| unreadable())?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// Waits `ms` milliseconds, letting other messages in.
async fn pause(ms: i32) {
    let _ = JsFuture::from(Promise::new(&mut |resolve, _| {
        let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
        let _ = scope.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    }))
    .await;
}
