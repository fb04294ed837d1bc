//! Every file the page offers, in one ZIP archive (wasm only): "Download all". The archive is
//! written as a stream (`zip`'s `new_stream`: sizes after each entry), in pieces of a few
//! megabytes handed to the browser as they fill, so it never sits whole in WebAssembly's memory;
//! each file is read a slice at a time.

use std::io::Write;

use js_sys::{Array, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::protocol::Reply;

/// The size of the pieces handed to the browser, and of the slices read.
const PIECE: usize = 4 << 20;

/// Bytes written, handed to the browser a piece at a time.
struct Pieces {
    parts: Array,
    filling: Vec<u8>,
    written: u64,
}

impl Pieces {
    fn hand_over(&mut self) {
        if !self.filling.is_empty() {
            self.parts
                .push(&Uint8Array::from(self.filling.as_slice()).into());
            self.filling.clear();
        }
    }
}

impl Write for Pieces {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.filling.extend_from_slice(bytes);
        self.written += bytes.len() as u64;
        if self.filling.len() >= PIECE {
            self.hand_over();
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Puts `blobs`, named `names`, into one archive and offers it.
pub async fn bundle(job: u32, names: Vec<String>, blobs: Array) {
    match write(job, &names, &blobs).await {
        Ok(Some((blob, size))) => {
            super::post(&Reply::Bundled { job, size }, Some(Array::of1(&blob)));
        }
        Ok(None) => super::post(&Reply::Cancelled { job }, None),
        Err(message) => super::fail(job, message),
    }
}

async fn write(job: u32, names: &[String], blobs: &Array) -> Result<Option<(Blob, u64)>, String> {
    let trouble = |err: zip::result::ZipError| {
        format!(
            "Leadpack could not put the files into one archive ({err}). Download them one by one."
        )
    };
    let mut zip = ZipWriter::new_stream(Pieces {
        parts: Array::new(),
        filling: Vec::new(),
        written: 0,
    });
    for (name, blob) in names.iter().zip(blobs.iter()) {
        if super::cancelled(job) {
            return Ok(None);
        }
        let blob: Blob = blob
            .dyn_into()
            .map_err(|_| "A file to put into the archive is missing. Build the packages again.")?;
        // Packages are compressed already; the reports compress well.
        let method = if name.to_ascii_lowercase().ends_with(".zip") {
            CompressionMethod::Stored
        } else {
            CompressionMethod::Deflated
        };
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .large_file(blob.size() >= f64::from(u32::MAX));
        zip.start_file(name.as_str(), options).map_err(trouble)?;
        let (mut at, size) = (0.0, blob.size());
        while at < size {
            let end = (at + PIECE as f64).min(size);
            let slice = blob
                .slice_with_f64_and_f64(at, end)
                .map_err(|_| "A file to put into the archive could not be read.")?;
            let buffer = JsFuture::from(slice.array_buffer())
                .await
                .map_err(|_| "A file to put into the archive could not be read.")?;
            zip.write_all(&Uint8Array::new(&buffer).to_vec())
                .map_err(|err| {
                    format!("Leadpack could not put the files into one archive ({err}).")
                })?;
            at = end;
        }
    }
    let mut pieces = zip.finish().map_err(trouble)?.into_inner();
    pieces.hand_over();
    let options = BlobPropertyBag::new();
    options.set_type("application/zip");
    let blob = Blob::new_with_u8_array_sequence_and_options(&pieces.parts, &options)
        .map_err(|_| super::out_of_memory("the archive"))?;
    Ok(Some((blob, pieces.written)))
}
