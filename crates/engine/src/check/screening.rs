//! Where a check applies the first stage of the rules ([`RecordScreen`], the rules that need a
//! record alone) to the records it reads, batch by batch: on the thread that reads the file; on
//! a thread of its own beside it (natively, with several cores); or in another web worker (the
//! app's second one). Apart from the reading thread, a batch is screened while the next ones
//! are read, and the reading thread settles the screened batches (the rules that compare
//! records) in file order, so the report is the same wherever the screening ran.
//!
//! A batch crosses to another worker as bytes ([`screen_wire`] reads them and answers with what
//! it found); the reading worker keeps the batch meanwhile, so that it can screen the batch
//! itself if the answer never comes or comes damaged.

use std::collections::VecDeque;
use std::sync::Arc;

use crate::check::finding::Finding;
use crate::check::rules::{Keys, Rank, RecordScreen};
use crate::fast::wire::{WireReader, put_u32, put_u64};
use crate::text::reader::{Record, RecordProblem};

/// How many records a batch holds at most before they are checked.
const BATCH_RECORDS: usize = 8192;
/// How much field text a batch holds at most before its records are checked.
const BATCH_TEXT: usize = 8 << 20;
/// How many batches may wait for the screening thread or worker, beyond the one it screens,
/// before the reading thread settles the oldest (waiting for it if need be).
pub const SCREENED_AHEAD: usize = 2;
/// Each thread checks at least this many records of a batch, or the batch stays on one.
#[cfg(not(target_arch = "wasm32"))]
const MIN_RECORDS_PER_THREAD: usize = 512;

/// Records read but not yet checked, with their text copied out of the reader, so that the
/// rules can run over many records at once.
#[derive(Default)]
pub(crate) struct Batch {
    /// The records' field text, end to end.
    pub(crate) text: String,
    /// Where each field ends, relative to its record's start in `text`.
    pub(crate) ends: Vec<usize>,
    pub(crate) records: Vec<Pending>,
    /// The findings of the first stage, record after record.
    pub(crate) found: Vec<(Rank, Finding)>,
}

/// One record in a batch.
pub(crate) struct Pending {
    row: u64,
    text: std::ops::Range<usize>,
    ends: std::ops::Range<usize>,
    problem: Option<RecordProblem>,
    end_offset: u64,
    /// The finding about bytes in the record that are not valid in the file's encoding.
    invalid: Option<Box<Finding>>,
    /// What the first stage found: keys for the second, and how many findings.
    pub(crate) keys: Keys,
    pub(crate) found: usize,
}

impl Pending {
    /// The record, in its batch's `text` and `ends`.
    pub(crate) fn record<'b>(&self, text: &'b str, ends: &'b [usize]) -> Record<'b> {
        Record::from_parts(
            self.row,
            &text[self.text.clone()],
            &ends[self.ends.clone()],
            self.problem,
            self.end_offset,
        )
    }
}

impl Batch {
    pub(crate) fn push(&mut self, record: &Record<'_>, invalid: Option<Finding>) {
        let (text, ends) = record.parts();
        let text_start = self.text.len();
        let ends_start = self.ends.len();
        self.text.push_str(text);
        self.ends.extend_from_slice(ends);
        self.records.push(Pending {
            row: record.row,
            text: text_start..self.text.len(),
            ends: ends_start..self.ends.len(),
            problem: record.problem,
            end_offset: record.end_offset,
            invalid: invalid.map(Box::new),
            keys: Keys::default(),
            found: 0,
        });
    }

    pub(crate) fn is_full(&self) -> bool {
        self.records.len() >= BATCH_RECORDS || self.text.len() >= BATCH_TEXT
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
        self.records.clear();
        self.found.clear();
    }

    /// The records as [`screen_wire`] reads them: the number of records, then per record its
    /// row (8 bytes), what is wrong with it (1 byte: 1 an unterminated quote, 2 bytes invalid in
    /// the file's encoding), its text's length and number of fields (4 bytes each), where each
    /// field ends (4 bytes each), its text, and with 2, the finding about the invalid bytes (its
    /// length, 4 bytes, and the finding as JSON). Batches stay far below 4 GB (`BATCH_TEXT`).
    fn to_wire(&self, out: &mut Vec<u8>) {
        out.clear();
        out.reserve(
            4 + self.records.len() * (8 + 1 + 4 + 4) + self.ends.len() * 4 + self.text.len(),
        );
        put_u32(out, self.records.len() as u32);
        for pending in &self.records {
            put_u64(out, pending.row);
            out.push(
                u8::from(pending.problem == Some(RecordProblem::UnterminatedQuote))
                    | (u8::from(pending.invalid.is_some()) << 1),
            );
            put_u32(out, pending.text.len() as u32);
            put_u32(out, pending.ends.len() as u32);
            for &end in &self.ends[pending.ends.clone()] {
                put_u32(out, end as u32);
            }
            out.extend_from_slice(&self.text.as_bytes()[pending.text.clone()]);
            if let Some(finding) = &pending.invalid {
                // A finding is plain strings and numbers: writing it as JSON cannot fail.
                let json = serde_json::to_vec(finding).unwrap_or_default();
                put_u32(out, json.len() as u32);
                out.extend_from_slice(&json);
            }
        }
    }

    /// A batch from [`Batch::to_wire`]'s bytes; `None` if they are damaged (a field that ends
    /// outside its record or inside a character, text that is not UTF-8).
    fn from_wire(bytes: &[u8]) -> Option<Batch> {
        let mut wire = WireReader::new(bytes);
        let mut batch = Batch::default();
        let mut ends = Vec::new();
        for _ in 0..wire.u32()? {
            let row = wire.u64()?;
            let flags = wire.u8()?;
            let text_len = wire.len()?;
            let fields = wire.len()?;
            ends.clear();
            for _ in 0..fields {
                ends.push(wire.len()?);
            }
            let text = simdutf8::basic::from_utf8(wire.bytes(text_len)?).ok()?;
            let fits = ends.iter().try_fold(0, |start, &end| {
                (start <= end && text.is_char_boundary(end)).then_some(end)
            });
            fits?;
            let problem = (flags & 1 != 0).then_some(RecordProblem::UnterminatedQuote);
            let invalid = if flags & 2 != 0 {
                let len = wire.len()?;
                Some(serde_json::from_slice::<Finding>(wire.bytes(len)?).ok()?)
            } else {
                None
            };
            batch.push(&Record::from_parts(row, text, &ends, problem, 0), invalid);
        }
        wire.is_empty().then_some(batch)
    }

    /// What the first stage found, as [`Batch::take_results`] reads it: per record how many
    /// findings (4 bytes) and its keys, then the findings as JSON.
    fn results_to_wire(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.records.len() * (4 + Keys::WIRE_BYTES) + 4);
        put_u32(&mut out, self.records.len() as u32);
        for pending in &self.records {
            put_u32(&mut out, pending.found as u32);
            pending.keys.put(&mut out);
        }
        // A finding is plain strings and numbers: writing it as JSON cannot fail.
        if serde_json::to_writer(&mut out, &self.found).is_err() {
            out.clear();
        }
        out
    }

    /// Takes what another worker's first stage found in these records (from
    /// [`Batch::results_to_wire`]); `false`, leaving the batch as it was, if the bytes do not
    /// fit it.
    fn take_results(&mut self, bytes: &[u8]) -> bool {
        let mut wire = WireReader::new(bytes);
        if wire.len() != Some(self.records.len()) {
            return false;
        }
        let mut each = Vec::with_capacity(self.records.len());
        for _ in 0..self.records.len() {
            match (wire.len(), Keys::read(&mut wire)) {
                (Some(count), Some(keys)) => each.push((count, keys)),
                _ => return false,
            }
        }
        let Ok(found) = serde_json::from_slice::<Vec<(Rank, Finding)>>(wire.rest()) else {
            return false;
        };
        let total = each
            .iter()
            .try_fold(0usize, |sum, (count, _)| sum.checked_add(*count));
        if total != Some(found.len()) {
            return false;
        }
        for (pending, (count, keys)) in self.records.iter_mut().zip(each) {
            pending.found = count;
            pending.keys = keys;
        }
        self.found = found;
        true
    }
}

/// Screens the records of a batch from another worker ([`ScreenRequest::Records`]) and
/// returns what the first stage found, for [`crate::check::file::FileChecker::receive_screened`];
/// `None` if the bytes are damaged.
pub fn screen_wire(screen: &RecordScreen, records: &[u8]) -> Option<Vec<u8>> {
    let mut batch = Batch::from_wire(records)?;
    screen_batch(screen, &mut batch, 1);
    Some(batch.results_to_wire())
}

/// What a check hands to the worker that screens its records elsewhere.
pub enum ScreenRequest<'a> {
    /// The rules to apply (sent once, before the first batch).
    Start(&'a RecordScreen),
    /// A batch of records, for [`screen_wire`] (the buffer is reused for the next batch).
    Records(&'a [u8]),
}

/// How a check reaches the worker that screens its records elsewhere.
pub type SendScreening = Box<dyn FnMut(ScreenRequest<'_>)>;

/// Where a check's batches are screened, and the batches on their way.
pub(crate) struct Screener {
    way: Way,
    /// Emptied batches, to be filled again.
    spare: Vec<Batch>,
}

enum Way {
    /// On the reading thread, each batch shared with up to `threads - 1` more (natively).
    Here { threads: usize },
    /// On a thread of its own (started with the first batch), each batch shared with up to
    /// `threads - 2` more.
    #[cfg(not(target_arch = "wasm32"))]
    Thread {
        threads: usize,
        thread: Option<ScreeningThread>,
    },
    /// In another worker, through `send`; the batches sent wait in `out` for what it found.
    Elsewhere {
        send: SendScreening,
        started: bool,
        out: VecDeque<Batch>,
        /// The bytes of the last batch sent, kept for the next.
        wire: Vec<u8>,
    },
}

impl Screener {
    /// Screening on up to `threads` threads: beside the reading thread when there are several.
    pub(crate) fn new(threads: usize) -> Self {
        let threads = threads.max(1);
        let way = if cfg!(target_arch = "wasm32") || threads == 1 {
            Way::Here { threads }
        } else {
            #[cfg(not(target_arch = "wasm32"))]
            {
                Way::Thread {
                    threads,
                    thread: None,
                }
            }
            #[cfg(target_arch = "wasm32")]
            Way::Here { threads }
        };
        Screener {
            way,
            spare: Vec::new(),
        }
    }

    /// Screening in another worker, reached through `send`.
    pub(crate) fn elsewhere(send: SendScreening) -> Self {
        Screener {
            way: Way::Elsewhere {
                send,
                started: false,
                out: VecDeque::new(),
                wire: Vec::new(),
            },
            spare: Vec::new(),
        }
    }

    /// Screens every batch from now on on the reading thread; the batches still out must be
    /// settled first.
    pub(crate) fn screen_here(&mut self) {
        self.way = Way::Here { threads: 1 };
    }

    /// Whether batches are screened apart from the reading thread (and settled later).
    pub(crate) fn apart(&self) -> bool {
        !matches!(self.way, Way::Here { .. })
    }

    /// How many batches were handed over and not yet taken back screened.
    pub(crate) fn out(&self) -> usize {
        match &self.way {
            Way::Here { .. } => 0,
            #[cfg(not(target_arch = "wasm32"))]
            Way::Thread { thread, .. } => thread.as_ref().map_or(0, |thread| thread.out),
            Way::Elsewhere { out, .. } => out.len(),
        }
    }

    /// An empty batch to fill.
    pub(crate) fn spare(&mut self) -> Batch {
        self.spare.pop().unwrap_or_default()
    }

    /// Keeps a settled batch, emptied, for filling again.
    pub(crate) fn recycle(&mut self, mut batch: Batch) {
        if self.spare.len() <= SCREENED_AHEAD {
            batch.clear();
            self.spare.push(batch);
        }
    }

    /// Hands `batch` over for screening; gives it back screened when it was screened here, to
    /// be settled now (after any batch still out).
    pub(crate) fn hand_over(
        &mut self,
        screen: &Arc<RecordScreen>,
        mut batch: Batch,
    ) -> Option<Batch> {
        match &mut self.way {
            Way::Here { threads } => {
                screen_batch(screen, &mut batch, *threads);
                Some(batch)
            }
            #[cfg(not(target_arch = "wasm32"))]
            Way::Thread { threads, thread } => {
                let helpers = *threads - 1;
                let thread = thread
                    .get_or_insert_with(|| ScreeningThread::start(Arc::clone(screen), helpers));
                match thread.send(batch) {
                    Ok(()) => None,
                    Err(mut batch) => {
                        // No thread could be started: the batch is screened here.
                        screen_batch(screen, &mut batch, *threads);
                        Some(batch)
                    }
                }
            }
            Way::Elsewhere {
                send,
                started,
                out,
                wire,
            } => {
                if !*started {
                    send(ScreenRequest::Start(screen));
                    *started = true;
                }
                batch.to_wire(wire);
                send(ScreenRequest::Records(wire));
                out.push_back(batch);
                None
            }
        }
    }

    /// The oldest batch handed over, screened, once more than `ahead` are out: a thread's is
    /// waited for; another worker's is screened here, and only at the end (`ahead` 0), for the
    /// answers that never came.
    pub(crate) fn next_screened(&mut self, screen: &RecordScreen, ahead: usize) -> Option<Batch> {
        match &mut self.way {
            Way::Here { .. } => None,
            #[cfg(not(target_arch = "wasm32"))]
            Way::Thread { thread, .. } => thread.as_mut()?.receive_beyond(ahead),
            Way::Elsewhere { out, .. } => {
                if ahead > 0 {
                    return None;
                }
                let mut batch = out.pop_front()?;
                screen_batch(screen, &mut batch, 1);
                Some(batch)
            }
        }
    }

    /// The oldest batch sent to another worker, with what that worker found in it
    /// (`results`, from [`screen_wire`]), or screened here if `results` do not fit it.
    pub(crate) fn receive(&mut self, screen: &RecordScreen, results: &[u8]) -> Option<Batch> {
        let Way::Elsewhere { out, .. } = &mut self.way else {
            return None;
        };
        let mut batch = out.pop_front()?;
        if !batch.take_results(results) {
            screen_batch(screen, &mut batch, 1);
        }
        Some(batch)
    }
}

/// The first stage of the rules over every record of `batch`, on up to `threads` threads.
fn screen_batch(screen: &RecordScreen, batch: &mut Batch, threads: usize) {
    #[cfg(not(target_arch = "wasm32"))]
    {
        let threads = threads.min(batch.records.len() / MIN_RECORDS_PER_THREAD);
        if threads > 1 {
            screen_on_threads(screen, batch, threads);
            return;
        }
    }
    // The web has no threads: the rules run on the worker's own.
    #[cfg(target_arch = "wasm32")]
    let _ = threads;
    screen_records(
        screen,
        &batch.text,
        &batch.ends,
        &mut batch.records,
        &mut batch.found,
    );
}

/// The first stage of the rules over `records`, appending their findings to `found`.
fn screen_records(
    screen: &RecordScreen,
    text: &str,
    ends: &[usize],
    records: &mut [Pending],
    found: &mut Vec<(Rank, Finding)>,
) {
    for pending in records {
        let before = found.len();
        let record = pending.record(text, ends);
        pending.keys = screen.screen(&record, pending.invalid.as_deref(), found);
        pending.found = found.len() - before;
    }
}

/// A thread that applies the first stage of the rules to batches of records while the thread
/// that reads the file reads the next batches and settles the earlier ones, in file order.
#[cfg(not(target_arch = "wasm32"))]
struct ScreeningThread {
    /// Batches to screen; `None` when no thread could be started.
    to_screen: Option<std::sync::mpsc::Sender<Batch>>,
    screened: std::sync::mpsc::Receiver<Batch>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// Batches sent and not received back yet.
    out: usize,
}

#[cfg(not(target_arch = "wasm32"))]
impl ScreeningThread {
    /// Starts the thread; it screens each batch on up to `threads` threads.
    fn start(screen: Arc<RecordScreen>, threads: usize) -> Self {
        let (to_screen, inbox) = std::sync::mpsc::channel::<Batch>();
        let (outbox, screened) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("leadpack-screening".into())
            .spawn(move || {
                for mut batch in inbox {
                    screen_batch(&screen, &mut batch, threads);
                    if outbox.send(batch).is_err() {
                        return;
                    }
                }
            })
            .ok();
        ScreeningThread {
            to_screen: thread.as_ref().map(|_| to_screen),
            screened,
            thread,
            out: 0,
        }
    }

    /// Hands `batch` to the thread; gives it back when there is no thread to take it.
    fn send(&mut self, batch: Batch) -> Result<(), Batch> {
        let Some(to_screen) = &self.to_screen else {
            return Err(batch);
        };
        match to_screen.send(batch) {
            Ok(()) => {
                self.out += 1;
                Ok(())
            }
            Err(unsent) => {
                self.stopped();
                Err(unsent.0)
            }
        }
    }

    /// The oldest batch sent, screened, once more than `ahead` are out (waiting for it).
    fn receive_beyond(&mut self, ahead: usize) -> Option<Batch> {
        if self.out <= ahead {
            return None;
        }
        match self.screened.recv() {
            Ok(batch) => {
                self.out -= 1;
                Some(batch)
            }
            Err(_) => {
                self.stopped();
                None
            }
        }
    }

    /// The thread stopped while it had batches, which only a panic makes it do: the panic
    /// goes on here, on the thread that reads.
    fn stopped(&mut self) {
        if let Some(thread) = self.thread.take()
            && let Err(panic) = thread.join()
        {
            std::panic::resume_unwind(panic);
        }
        unreachable!("the screening thread stopped without a panic");
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl Drop for ScreeningThread {
    fn drop(&mut self) {
        // Without batches to come, the thread ends after the one it is screening.
        self.to_screen = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// [`screen_batch`] with the records shared between this thread and `threads - 1` others.
#[cfg(not(target_arch = "wasm32"))]
fn screen_on_threads(screen: &RecordScreen, batch: &mut Batch, threads: usize) {
    let Batch {
        text,
        ends,
        records,
        found,
    } = batch;
    let (text, ends) = (text.as_str(), ends.as_slice());
    let share = records.len().div_ceil(threads);
    let mut slices = records.chunks_mut(share);
    let own = slices.next();
    let parts: Vec<Vec<(Rank, Finding)>> = std::thread::scope(|scope| {
        let helpers: Vec<_> = slices
            .map(|slice| {
                scope.spawn(move || {
                    let mut part = Vec::new();
                    screen_records(screen, text, ends, slice, &mut part);
                    part
                })
            })
            .collect();
        if let Some(own) = own {
            screen_records(screen, text, ends, own, found);
        }
        helpers
            .into_iter()
            .map(|helper| {
                helper
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    for part in parts {
        found.extend(part);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::compare::RecordChecker;
    use crate::check::finding::Rule;
    use crate::lead::schema::Field;
    use crate::lead::values::KnownValues;

    /// The rules for records of four columns: ID, first name, last name, email.
    fn screen() -> Arc<RecordScreen> {
        let mut columns = [None; 10];
        for (column, slot) in columns.iter_mut().take(4).enumerate() {
            *slot = Some(column);
        }
        let checker = RecordChecker::new(
            columns,
            4,
            KnownValues::segments([]),
            KnownValues::segments([]),
        );
        Arc::clone(checker.screen())
    }

    /// Records with something to find in each: a missing name, a broken record, bytes invalid
    /// in the file's encoding, letters beyond ASCII, an empty record.
    fn awkward_batch() -> Batch {
        let mut batch = Batch::default();
        let records: [(&[&str], Option<RecordProblem>, bool); 5] = [
            (&["L1", "Zoë", "", "zoe@example.com"], None, false),
            (
                &["L2", "Ann"],
                Some(RecordProblem::UnterminatedQuote),
                false,
            ),
            (&["L3", "Jörg", "Müller", "j@x"], None, true),
            (&["", "", "", ""], None, false),
            (&["L5", "=1+1", "Ng", "ng@example.com"], None, false),
        ];
        for (row, (fields, problem, bad_bytes)) in records.into_iter().enumerate() {
            let (text, ends) = Record::join_fields(fields);
            let row = row as u64 + 2;
            let record = Record::from_parts(row, &text, &ends, problem, 0);
            let invalid = bad_bytes.then(|| {
                Finding::new(
                    row,
                    Some(Field::LastName),
                    Rule::InvalidEncoding,
                    "Last Name (“Müller”) has a byte that is not valid UTF-8.",
                )
                .with_value("Müller")
            });
            batch.push(&record, invalid);
        }
        batch
    }

    fn wire_of(batch: &Batch) -> Vec<u8> {
        let mut wire = vec![1, 2, 3];
        batch.to_wire(&mut wire);
        wire
    }

    /// Each record's keys as bytes, and the findings.
    fn results(batch: &Batch) -> (Vec<u8>, Vec<(Rank, Finding)>) {
        let mut keys = Vec::new();
        for pending in &batch.records {
            put_u32(&mut keys, pending.found as u32);
            pending.keys.put(&mut keys);
        }
        (keys, batch.found.clone())
    }

    #[test]
    fn records_screened_in_another_worker_come_back_as_screened_here() {
        let screen = screen();
        let mut here = awkward_batch();
        screen_batch(&screen, &mut here, 1);
        assert!(here.found.len() >= 4, "{:?}", here.found);

        let mut elsewhere = awkward_batch();
        let answer = screen_wire(&screen, &wire_of(&elsewhere)).expect("whole records");
        assert!(elsewhere.take_results(&answer));
        assert_eq!(results(&elsewhere), results(&here));
    }

    #[test]
    fn damaged_records_are_refused_without_a_panic() {
        let screen = screen();
        let wire = wire_of(&awkward_batch());
        for cut in 0..wire.len() {
            assert!(screen_wire(&screen, &wire[..cut]).is_none(), "cut at {cut}");
        }
        let mut longer = wire.clone();
        longer.push(0);
        assert!(screen_wire(&screen, &longer).is_none(), "a byte too many");

        // The first record's second field ("Zoë") made to end inside the "ë".
        let mut inside = wire.clone();
        let first_ends = 4 + 8 + 1 + 4 + 4;
        let zoe_end: u32 = 2 + 3;
        inside[first_ends + 4..first_ends + 8].copy_from_slice(&zoe_end.to_le_bytes());
        assert!(
            screen_wire(&screen, &inside).is_none(),
            "a field ending inside a letter"
        );

        // A field ending before the one before it.
        let mut backwards = wire;
        backwards[first_ends + 4..first_ends + 8].copy_from_slice(&1u32.to_le_bytes());
        assert!(
            screen_wire(&screen, &backwards).is_none(),
            "fields out of order"
        );
    }

    #[test]
    fn an_answer_that_does_not_fit_the_batch_leaves_it_unscreened() {
        let screen = screen();
        let mut batch = awkward_batch();
        let before = results(&batch);
        let answer = screen_wire(&screen, &wire_of(&batch)).expect("whole records");
        for cut in [0, 3, 4, 30, answer.len() - 1] {
            assert!(!batch.take_results(&answer[..cut]), "cut at {cut}");
        }
        // An answer for another batch (one record fewer).
        let mut other = awkward_batch();
        other.records.pop();
        let other_answer = screen_wire(&screen, &wire_of(&other)).expect("whole records");
        assert!(!batch.take_results(&other_answer));
        assert_eq!(results(&batch), before, "nothing taken");
    }
}
