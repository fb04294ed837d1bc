//! A build: one file's bytes checked and packed in the same pass, fed in chunks. The command-line
//! tool, the web worker, the tests and the benchmarks all build through [`PackJob`], so the
//! sequence (the checker hands each record to the packer, the packages are assembled here, on a
//! thread of their own or elsewhere, the last ones are read back, the outcome is counted) is
//! written once.
//!
//! A build is cancelled by dropping it: nothing is left running (an assembling thread is told to
//! stop and is waited for), and nothing half-made is handed over.

use std::sync::Arc;

use crate::check::file::FileChecker;
use crate::check::import::Import;
use crate::check::options::{CheckOptions, ReadOptions};
use crate::check::report::FileReport;
use crate::check::sink::CheckError;
use crate::lead::edits::Edits;
use crate::lead::template::Template;
use crate::package::assemble::{AssembledPart, Assembling, PackError};
#[cfg(not(target_arch = "wasm32"))]
use crate::package::on_thread::AssemblyThread;
use crate::package::output::PackOutcome;
use crate::package::packer::Packer;
use crate::package::verify::Verifying;
use crate::text::error::{ReadError, ReadErrorKind};

/// Why a build ended without packages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildError {
    /// The file cannot be read.
    Read(ReadError),
    /// The packages cannot be made, or need a decision first.
    Pack(PackError),
}

impl From<CheckError<PackError>> for BuildError {
    fn from(error: CheckError<PackError>) -> Self {
        match error {
            CheckError::Read(error) => BuildError::Read(error),
            CheckError::Sink(error) => BuildError::Pack(error),
        }
    }
}

impl From<PackError> for BuildError {
    fn from(error: PackError) -> Self {
        BuildError::Pack(error)
    }
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::Read(error) => error.fmt(f),
            BuildError::Pack(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for BuildError {}

/// What a build made: the file's report and its packages, rejected rows and simple CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct Built {
    /// The check of the file, as the build read it.
    pub report: FileReport,
    /// The files made, and how many records went where.
    pub outcome: PackOutcome,
}

/// Checks one file and builds its packages in the same pass, fed in chunks of any size (the same
/// bytes give the same packages however they are chunked). Everything about the build is said
/// before the first chunk: the template (what the user decided), how to read the file, the
/// corrections, an earlier check to reuse, where the packages are assembled.
pub struct PackJob {
    name: String,
    template: Template,
    read: ReadOptions,
    edits: Edits,
    earlier: Option<Arc<FileReport>>,
    /// The import the file is part of.
    import: Option<Import>,
    /// From the first chunk until the input has ended.
    checker: Option<FileChecker>,
    packer: Packer,
    /// The report, once the input has ended.
    report: Option<FileReport>,
    /// Why the build stopped, once it has.
    failed: Option<BuildError>,
    #[cfg(not(target_arch = "wasm32"))]
    thread: Option<AssemblyThread>,
}

impl PackJob {
    /// A build of the file named `name` (used in messages and output names), following
    /// `template`: its column plan, value mappings, null converters and output options.
    pub fn new(name: &str, template: &Template) -> Self {
        PackJob {
            name: name.to_string(),
            template: template.clone(),
            read: ReadOptions::default(),
            edits: Edits::default(),
            earlier: None,
            import: None,
            checker: None,
            packer: Packer::new(name, template),
            report: None,
            failed: None,
            #[cfg(not(target_arch = "wasm32"))]
            thread: None,
        }
    }

    /// Reads the file as `read` says (encoding, delimiter, size, threads) instead of the
    /// defaults.
    pub fn read_as(mut self, read: ReadOptions) -> Self {
        self.read = read;
        self
    }

    /// Applies the corrections made while reviewing before any rule.
    pub fn with_edits(mut self, edits: Edits) -> Self {
        self.edits = edits;
        self
    }

    /// Reuses the findings of `earlier`, a check of the same bytes, when this build's decisions
    /// find the same ([`FileChecker::reusing`]).
    pub fn reusing(mut self, earlier: Arc<FileReport>) -> Self {
        self.earlier = Some(earlier);
        self
    }

    /// Checks the file as part of `import` ([`FileChecker::in_import`]): its IDs and leads are
    /// compared with those of the files built before it in the import too.
    pub fn in_import(mut self, import: &Import) -> Self {
        self.import = Some(import.clone());
        self
    }

    /// Uses `stem` for the output names instead of the one made from the file name.
    pub fn with_stem(mut self, stem: &str) -> Self {
        self.packer = self.packer.with_stem(stem);
        self
    }

    /// Calls `hook` as each finished package is read back ([`Packer::on_verify`]).
    pub fn on_verify(&mut self, hook: impl FnMut(Verifying) + 'static) {
        self.packer.on_verify(hook);
    }

    /// Compresses the packages on a thread of its own while this one reads (natively). The
    /// packages are the same.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn assemble_on_a_thread(mut self) -> Self {
        self.thread = Some(AssemblyThread::start(&mut self.packer));
        self
    }

    /// Has the packages assembled elsewhere (the web app's second worker): `send` gets the
    /// layout, the rows and the end ([`Packer::assemble_elsewhere`]); each package made there
    /// comes back through [`PackJob::receive`], or its failure through
    /// [`PackJob::receive_error`].
    pub fn assemble_elsewhere(&mut self, send: impl FnMut(Assembling<'_>) + 'static) {
        self.packer.assemble_elsewhere(send);
    }

    /// A package assembled elsewhere: it is read back, then kept.
    pub fn receive(&mut self, part: AssembledPart) {
        self.packer.receive(part);
    }

    /// Assembling the packages elsewhere failed.
    pub fn receive_error(&mut self, error: PackError) {
        self.packer.receive_error(error);
    }

    /// Reads the next bytes of the file. After an error the build goes no further.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), BuildError> {
        self.stopped()?;
        if self.report.is_some() {
            return Ok(());
        }
        self.checker();
        let Some(checker) = &mut self.checker else {
            return Ok(());
        };
        let fed = checker.feed_with(chunk, &mut self.packer);
        #[cfg(not(target_arch = "wasm32"))]
        if let Some(thread) = &mut self.thread {
            thread.deliver(&mut self.packer);
        }
        self.settle(fed.map_err(BuildError::from))
    }

    /// Ends the file: its last records are checked and packed, and the last package is finished
    /// (or asked for, when it is assembled elsewhere: wait for it before [`PackJob::finish`]).
    pub fn end_input(&mut self) -> Result<(), BuildError> {
        self.stopped()?;
        if self.report.is_some() {
            return Ok(());
        }
        self.checker();
        if let Some(checker) = self.checker.take() {
            let ended = checker.finish_with(&mut self.packer);
            let report = self.settle(ended.map_err(BuildError::from))?;
            self.report = Some(report);
            self.packer.end_rows();
        }
        Ok(())
    }

    /// Ends the build: waits for the packages still being assembled here, and returns the
    /// report and the files made.
    pub fn finish(mut self) -> Result<Built, BuildError> {
        self.end_input()?;
        #[cfg(not(target_arch = "wasm32"))]
        if let Some(thread) = self.thread.take() {
            thread.finish(&mut self.packer);
        }
        let Some(report) = self.report.take() else {
            return Err(self.stopped().err().unwrap_or_else(|| self.gone()));
        };
        let outcome = self.packer.finish(&report)?;
        Ok(Built { report, outcome })
    }

    /// Makes the checker from the build's options, at the first chunk.
    fn checker(&mut self) {
        self.checker.get_or_insert_with(|| {
            let options = CheckOptions::for_build(&self.template, self.read, self.edits.clone());
            let mut checker = FileChecker::new(&self.name, options);
            if let Some(import) = &self.import {
                checker = checker.in_import(import);
            }
            match &self.earlier {
                Some(earlier) => checker.reusing(Arc::clone(earlier)),
                None => checker,
            }
        });
    }

    /// The error the build stopped with, if it stopped.
    fn stopped(&self) -> Result<(), BuildError> {
        self.failed.clone().map_or(Ok(()), Err)
    }

    /// Keeps the error of a step, if it failed.
    fn settle<T>(&mut self, step: Result<T, BuildError>) -> Result<T, BuildError> {
        if let Err(error) = &step {
            self.failed = Some(error.clone());
        }
        step
    }

    /// The error for a build whose report is gone without an error kept (not reached).
    fn gone(&self) -> BuildError {
        BuildError::Read(ReadError::new(&self.name, ReadErrorKind::Stopped))
    }
}

/// Checks and packs a whole file held in memory, read as `read` says, with the packages
/// assembled here.
pub fn pack_bytes(
    name: &str,
    bytes: &[u8],
    template: &Template,
    read: ReadOptions,
) -> Result<Built, BuildError> {
    let mut job = PackJob::new(name, template).read_as(read);
    job.feed(bytes)?;
    job.finish()
}
