//! Checking a whole file: detects the encoding and the delimiter, matches the columns, reads
//! every record and applies the rules, chunk by chunk, into a [`FileReport`].

use std::sync::Arc;

use crate::check::import::Import;
use crate::check::options::CheckOptions;
use crate::check::pass::Reading;
use crate::check::report::FileReport;
use crate::check::screening::{ScreenRequest, Screener, SendScreening};
use crate::check::sink::{CheckError, NoSink, RowSink};
use crate::fast::digest::ByteDigest;
use crate::text::decode::SNIFF_BYTES;
use crate::text::error::{HEADER_LIMIT, ReadError, ReadErrorKind};

/// Checks one file fed in chunks of any size; the same bytes give the same report however they
/// are chunked.
pub struct FileChecker {
    name: String,
    options: CheckOptions,
    earlier: Option<Arc<FileReport>>,
    /// The import the file is part of.
    import: Option<Import>,
    /// The worker that screens the records elsewhere, until the header is read.
    elsewhere: Option<SendScreening>,
    digest: ByteDigest,
    /// How many first bytes the encoding, the delimiter and the header are judged on: the
    /// first [`SNIFF_BYTES`], and more while the header has not ended, up to [`HEADER_LIMIT`].
    window: usize,
    state: State,
}

enum State {
    Sniffing(Vec<u8>),
    Reading(Box<Reading>),
    Failed(ReadError),
    Done,
}

impl FileChecker {
    /// A checker for the file named `name` (used in messages and the report).
    pub fn new(name: impl Into<String>, options: CheckOptions) -> Self {
        FileChecker {
            name: name.into(),
            options,
            earlier: None,
            import: None,
            elsewhere: None,
            digest: ByteDigest::default(),
            window: SNIFF_BYTES,
            state: State::Sniffing(Vec::new()),
        }
    }

    /// Reuses the findings of `earlier`, a check of the same bytes, instead of applying the rules
    /// again, when the two checks would find the same: when this checker reads the file the
    /// same way and its columns, known values, value mappings, output encoding and corrections
    /// come to the same (their [`CheckBasis`](crate::CheckBasis) is equal). Otherwise it applies the rules as usual.
    /// Building packages after a check is then little more than reading the file again.
    ///
    /// The bytes must be those the earlier check read: the checker fingerprints them as it reads
    /// and, at the end, fails with [`ReadErrorKind::Changed`] when they are not
    /// (or when the records did not fall on the rows the earlier check found them on). A sink
    /// fed meanwhile must then throw away what it was given.
    pub fn reusing(mut self, earlier: Arc<FileReport>) -> Self {
        self.earlier = Some(earlier);
        self
    }

    /// Checks the file as part of `import`: its IDs and leads are also compared with those of
    /// the files checked before it in the import, and once its check ends well it joins the
    /// import, for the files after it. Check the files of an import one after the other. The
    /// findings of an earlier check are then not reused ([`FileChecker::reusing`]): this check
    /// must see every lead of the file, for the files after it.
    pub fn in_import(mut self, import: &Import) -> Self {
        self.import = Some(import.clone());
        self
    }

    /// Reads the next bytes of the file.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), ReadError> {
        Ok(self.feed_with(chunk, &mut NoSink)?)
    }

    /// Reads the next bytes of the file, handing each record to `sink` as well. After an error,
    /// the checker reads no further.
    pub fn feed_with<E>(
        &mut self,
        chunk: &[u8],
        sink: &mut dyn RowSink<Error = E>,
    ) -> Result<(), CheckError<E>> {
        self.digest.update(chunk);
        match &mut self.state {
            State::Sniffing(raw) => {
                raw.extend_from_slice(chunk);
                if raw.len() >= self.window {
                    let raw = std::mem::take(raw);
                    self.start(raw, false, sink)?;
                }
                Ok(())
            }
            State::Reading(reading) => {
                let pushed = reading.push(chunk, false, sink);
                self.settle(pushed)
            }
            State::Failed(error) => Err(CheckError::Read(error.clone())),
            State::Done => Ok(()),
        }
    }

    /// Ends the file and returns its report.
    pub fn finish(self) -> Result<FileReport, ReadError> {
        Ok(self.finish_with(&mut NoSink)?)
    }

    /// Ends the file, handing the last records to `sink`, and returns the report.
    pub fn finish_with<E>(
        mut self,
        sink: &mut dyn RowSink<Error = E>,
    ) -> Result<FileReport, CheckError<E>> {
        self.end_input(sink)?;
        if let State::Reading(reading) = &mut self.state {
            // Records screened apart, and (when another worker has not answered) the rest.
            let settled = reading.settle_screened(0, sink);
            self.settle(settled)?;
        }
        match std::mem::replace(&mut self.state, State::Done) {
            State::Reading(reading) => Ok(reading.into_report(self.name, self.digest.finish())?),
            State::Failed(error) => Err(CheckError::Read(error)),
            State::Sniffing(_) | State::Done => Err(CheckError::Read(ReadError::new(
                self.name,
                ReadErrorKind::Empty,
            ))),
        }
    }

    /// Has another worker apply the first stage of the rules (those that need a record
    /// alone) while this one reads: `send` hands it the rules ([`ScreenRequest::Start`], before
    /// the first batch) and each batch of records ([`ScreenRequest::Records`], for
    /// [`crate::check::screening::screen_wire`]). The caller hands each answer back, in
    /// order, to [`FileChecker::receive_screened`], keeps up (waits for answers while more
    /// than [`SCREENED_AHEAD`](crate::SCREENED_AHEAD) batches are out, see [`FileChecker::screening_out`]), and, after
    /// [`FileChecker::end_input`], waits for every answer before it finishes. Batches not
    /// answered by then are screened here, so a worker that stops loses nothing. The report is
    /// the same as without.
    pub fn screen_elsewhere(&mut self, send: impl FnMut(ScreenRequest<'_>) + 'static) {
        self.elsewhere = Some(Box::new(send));
    }

    /// How many batches of records are with the worker that screens elsewhere.
    pub fn screening_out(&self) -> usize {
        match &self.state {
            State::Reading(reading) => reading.screener.out(),
            _ => 0,
        }
    }

    /// What the worker that screens elsewhere found in the oldest batch it was sent: its
    /// records are settled and handed to `sink`. Damaged answers are not trusted: that batch is
    /// screened here instead.
    pub fn receive_screened<E>(
        &mut self,
        results: &[u8],
        sink: &mut dyn RowSink<Error = E>,
    ) -> Result<(), CheckError<E>> {
        if let State::Reading(reading) = &mut self.state {
            let settled = reading.receive_screened(results, sink);
            return self.settle(settled);
        }
        Ok(self.take_error()?)
    }

    /// Stops sending records to the worker that screens elsewhere (it stopped, or does not
    /// answer): the batches it has not answered are screened here and handed to `sink`, and
    /// so is every batch after them.
    pub fn screen_here<E>(
        &mut self,
        sink: &mut dyn RowSink<Error = E>,
    ) -> Result<(), CheckError<E>> {
        if let State::Reading(reading) = &mut self.state {
            let settled = reading.settle_screened(0, sink);
            reading.screener.screen_here();
            return self.settle(settled);
        }
        self.elsewhere = None;
        Ok(self.take_error()?)
    }

    /// Reads the end of the file (its last record), without settling what is screened
    /// elsewhere: [`FileChecker::finish_with`] does that, once the answers are in.
    pub fn end_input<E>(&mut self, sink: &mut dyn RowSink<Error = E>) -> Result<(), CheckError<E>> {
        if let State::Sniffing(raw) = &mut self.state {
            let raw = std::mem::take(raw);
            self.start(raw, true, sink)?;
        } else if let State::Reading(reading) = &mut self.state
            && !reading.input_ended
        {
            let pushed = reading.push(&[], true, sink);
            return self.settle(pushed);
        }
        Ok(self.take_error()?)
    }

    /// What a step of the pass came to: the sink's error, else the pass's own read error. After
    /// either, the checker reads no further.
    fn settle<E>(&mut self, step: Result<(), E>) -> Result<(), CheckError<E>> {
        if let Err(error) = step {
            self.state = State::Failed(ReadError::new(&self.name, ReadErrorKind::Stopped));
            return Err(CheckError::Sink(error));
        }
        Ok(self.take_error()?)
    }

    fn take_error(&mut self) -> Result<(), ReadError> {
        if let State::Reading(reading) = &mut self.state
            && let Some(kind) = reading.error.take()
        {
            let error = ReadError::new(&self.name, kind);
            self.state = State::Failed(error.clone());
            return Err(error);
        }
        Ok(())
    }

    /// Decides encoding, delimiter and mapping from the sample, then reads the sample for real.
    /// A header that has not ended within the sample widens it (twice as wide each time, so
    /// the decision does not depend on how the bytes arrived), up to [`HEADER_LIMIT`].
    fn start<E>(
        &mut self,
        raw: Vec<u8>,
        complete: bool,
        sink: &mut dyn RowSink<Error = E>,
    ) -> Result<(), CheckError<E>> {
        let prepared = loop {
            let sample = &raw[..raw.len().min(self.window)];
            let sample_is_file = complete && sample.len() == raw.len();
            let earlier = match self.import {
                Some(_) => None,
                None => self.earlier.clone(),
            };
            match Reading::prepare(&self.options, earlier, sample, sample_is_file) {
                Err(ReadErrorKind::HeaderTooLong | ReadErrorKind::HeaderQuote { column: None })
                    if !sample_is_file && self.window < HEADER_LIMIT =>
                {
                    self.window = (self.window * 2).min(HEADER_LIMIT);
                    if raw.len() < self.window && !complete {
                        self.state = State::Sniffing(raw);
                        return Ok(());
                    }
                }
                prepared => break prepared,
            }
        };
        match prepared {
            Ok(mut reading) => {
                reading.import = self.import.clone();
                if let Some(send) = self.elsewhere.take() {
                    reading.screener = Screener::elsewhere(send);
                }
                let pushed = reading.push(&raw, complete, sink);
                self.state = State::Reading(reading);
                self.settle(pushed)
            }
            Err(kind) => {
                let error = ReadError::new(&self.name, kind);
                self.state = State::Failed(error.clone());
                Err(CheckError::Read(error))
            }
        }
    }
}

/// Checks a whole file held in memory.
pub fn check_bytes(
    name: &str,
    bytes: &[u8],
    options: CheckOptions,
) -> Result<FileReport, ReadError> {
    let mut checker = FileChecker::new(name, options);
    checker.feed(bytes)?;
    checker.finish()
}

/// The column names of the file named `name` whose first bytes are `sample` (`complete`: the
/// sample is the whole file), read as `read` says: enough to choose its template before it is
/// checked. The sample should hold the first [`SNIFF_BYTES`] at least, or the whole file.
pub fn read_header(
    name: &str,
    sample: &[u8],
    complete: bool,
    read: crate::check::options::ReadOptions,
) -> Result<Vec<String>, ReadError> {
    let options = CheckOptions {
        read,
        ..CheckOptions::default()
    };
    let reading = Reading::prepare(&options, None, sample, complete)
        .map_err(|kind| ReadError::new(name, kind))?;
    Ok(reading.headers())
}
