//! Assembling packages on a thread of their own, natively: the packer hands its rows over in
//! batches while it goes on reading, and takes back the finished packages.

use crate::package::assemble::{
    AssembledPart, Assembler, Batched, PackError, PackageLayout, RowBatch,
};
use crate::package::packer::Packer;

/// The packer's packages assembled on a thread of their own, so that compressing overlaps reading
/// the file and writing its rows (the command-line tool's second core; the web app has a second
/// worker instead). The packer still reads back each package, as it comes back.
pub struct AssemblyThread {
    back: std::sync::mpsc::Receiver<Back>,
    thread: Option<std::thread::JoinHandle<()>>,
    ended: bool,
}

/// To the assembling thread.
enum Forth {
    Start(PackageLayout),
    Rows(Vec<u8>),
    End,
}

/// Back from the assembling thread.
enum Back {
    Part(AssembledPart),
    Failed(PackError),
    Ended,
}

impl AssemblyThread {
    /// At most this many batches of rows wait for the thread (the packer waits beyond).
    const WAITING_BATCHES: usize = 64;

    /// Starts the thread, and has `packer` send it its rows.
    pub fn start(packer: &mut Packer) -> AssemblyThread {
        let (forth, rows) = std::sync::mpsc::sync_channel::<Forth>(Self::WAITING_BATCHES);
        let (reply, back) = std::sync::mpsc::channel::<Back>();
        let thread = std::thread::spawn(move || assemble(&rows, &reply));
        // A send fails only when the thread has stopped; its error has then come back.
        packer.assemble_elsewhere(RowBatch::batching(move |what| {
            let _ = forth.send(match what {
                Batched::Start(layout) => Forth::Start(layout.clone()),
                Batched::Rows(rows) => Forth::Rows(rows),
                Batched::End => Forth::End,
            });
        }));
        AssemblyThread {
            back,
            thread: Some(thread),
            ended: false,
        }
    }

    /// Hands the packages finished so far (or the thread's error) to `packer`.
    pub fn deliver(&mut self, packer: &mut Packer) {
        while let Ok(back) = self.back.try_recv() {
            self.take(back, packer);
        }
    }

    /// After [`Packer::end_rows`](Packer::end_rows): waits for the last
    /// package, handing each to `packer`.
    pub fn finish(mut self, packer: &mut Packer) {
        while !self.ended {
            match self.back.recv() {
                Ok(back) => self.take(back, packer),
                Err(_) => {
                    packer.receive_error(PackError::Failed(
                        "Leadpack's package builder stopped unexpectedly; nothing was written. \
                         Please report this problem."
                            .to_string(),
                    ));
                    self.ended = true;
                }
            }
        }
    }

    fn take(&mut self, back: Back, packer: &mut Packer) {
        match back {
            Back::Part(part) => packer.receive(part),
            Back::Failed(error) => {
                packer.receive_error(error);
                self.ended = true;
            }
            Back::Ended => self.ended = true,
        }
    }
}

impl Drop for AssemblyThread {
    fn drop(&mut self) {
        // The packer (and its sender) may outlive this handle: the thread then ends when the
        // packer does, so it is not waited for here unless its work has ended.
        if self.ended
            && let Some(thread) = self.thread.take()
        {
            let _ = thread.join();
        }
    }
}

/// The assembling thread: packages from the rows that come, until the end or a failure.
fn assemble(rows: &std::sync::mpsc::Receiver<Forth>, back: &std::sync::mpsc::Sender<Back>) {
    let mut assembler: Option<Assembler> = None;
    for forth in rows {
        let done = match (forth, &mut assembler) {
            (Forth::Start(layout), _) => {
                assembler = Some(Assembler::new(layout));
                Ok(())
            }
            (Forth::Rows(batch), Some(assembler)) => assembler.add_batch(&batch),
            (Forth::End, Some(assembler)) => assembler.finish(),
            // No header, so no layout: nothing to assemble.
            (Forth::End, None) => {
                let _ = back.send(Back::Ended);
                return;
            }
            (Forth::Rows(_), None) => Ok(()),
        };
        if let Some(assembler) = &mut assembler {
            for part in assembler.take_finished() {
                let _ = back.send(Back::Part(part));
            }
        }
        match done {
            Err(error) => {
                let _ = back.send(Back::Failed(error));
                return;
            }
            Ok(()) if assembler.as_ref().is_some_and(|a| a.ended) => {
                let _ = back.send(Back::Ended);
                return;
            }
            Ok(()) => {}
        }
    }
}
