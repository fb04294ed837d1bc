//! Writing a run's files into the output folder as one set: nothing half-made ever has a real
//! name, no input is ever written over, and no link is ever followed.
//!
//! Each file is first written to a temporary file of its own, created new (`create_new`: the
//! system refuses when anything, a link included, already has that name). Only when every file
//! of the run is written are they renamed into place, one after the other. Until then, a
//! failure (a full disk, a folder that cannot be written) removes every temporary file, and the
//! folder is as it was.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::input::describe_write;

/// The files of one run, written to temporary files until [`OutputSet::commit`].
pub struct OutputSet {
    dir: PathBuf,
    /// The inputs of the run, as the system names them: no output may replace one.
    inputs: Vec<PathBuf>,
    /// (temporary file, final name) of every file written so far.
    staged: Vec<(PathBuf, String)>,
}

impl OutputSet {
    /// A set of files for the folder `dir`, which must not replace any of `inputs`.
    pub fn new(dir: &Path, inputs: &[PathBuf]) -> Self {
        OutputSet {
            dir: dir.to_path_buf(),
            inputs: inputs
                .iter()
                .filter_map(|path| std::fs::canonicalize(path).ok())
                .collect(),
            staged: Vec::new(),
        }
    }

    /// Writes `bytes` as the file `name` of the set (to a temporary file for now).
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> Result<(), String> {
        let target = self.dir.join(name);
        if self.is_input(&target) {
            return Err(format!(
                "{} would be replaced by what Leadpack writes, but it is one of the files being \
                 packed; nothing was written. Choose another folder with --out.",
                target.display()
            ));
        }
        if self.staged.iter().any(|(_, staged)| staged == name) {
            return Err(format!(
                "two of the files Leadpack writes are named {name}; nothing was written. Please \
                 report this problem."
            ));
        }
        let (temporary, mut file) = self.create_temporary(name)?;
        self.staged.push((temporary.clone(), name.to_string()));
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(|err| {
                format!(
                    "cannot write {}: {}; nothing was written.",
                    target.display(),
                    describe_write(&err)
                )
            })
    }

    /// The names of the files Leadpack writes for `stem` that are in the folder but not in
    /// this set: the outputs of an earlier run (its parts, its rejected rows, its reports).
    /// Inputs are never among them.
    pub fn stale(&self, stems: &[String]) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut stale: Vec<String> = entries
            .filter_map(|entry| entry.ok())
            .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_file()))
            .filter_map(|entry| entry.file_name().into_string().ok())
            .filter(|name| stems.iter().any(|stem| is_output_of(name, stem)))
            .filter(|name| !self.staged.iter().any(|(_, staged)| staged == name))
            .filter(|name| !self.is_input(&self.dir.join(name)))
            .collect();
        stale.sort();
        stale
    }

    /// Removes the files `names` of the folder (the outputs of an earlier run), then puts every
    /// file of the set in place.
    pub fn commit(mut self, stale: &[String]) -> Result<(), String> {
        for name in stale {
            let path = self.dir.join(name);
            std::fs::remove_file(&path).map_err(|err| {
                format!(
                    "cannot remove {}, left by an earlier run: {}; nothing was written.",
                    path.display(),
                    describe_write(&err)
                )
            })?;
        }
        let staged = std::mem::take(&mut self.staged);
        for (index, (temporary, name)) in staged.iter().enumerate() {
            let target = self.dir.join(name);
            if let Err(err) = std::fs::rename(temporary, &target) {
                // The files not yet in place are removed; those already in place are complete.
                for (rest, _) in &staged[index..] {
                    let _ = std::fs::remove_file(rest);
                }
                return Err(format!(
                    "cannot write {}: {}",
                    target.display(),
                    describe_write(&err)
                ));
            }
        }
        Ok(())
    }

    fn is_input(&self, path: &Path) -> bool {
        std::fs::canonicalize(path).is_ok_and(|existing| self.inputs.contains(&existing))
    }

    /// A new temporary file for `name` in the folder, under a name nothing else has.
    fn create_temporary(&self, name: &str) -> Result<(PathBuf, File), String> {
        let mut attempt = 0u32;
        loop {
            let temporary = self
                .dir
                .join(format!(".{name}.{}-{attempt}.partial", std::process::id()));
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&temporary)
            {
                Ok(file) => return Ok((temporary, file)),
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists && attempt < 1000 => {
                    attempt += 1;
                }
                Err(err) => {
                    return Err(format!(
                        "cannot write in {}: {}; nothing was written.",
                        self.dir.display(),
                        describe_write(&err)
                    ));
                }
            }
        }
    }
}

impl Drop for OutputSet {
    /// A set dropped before its commit leaves nothing behind.
    fn drop(&mut self) {
        for (temporary, _) in &self.staged {
            let _ = std::fs::remove_file(temporary);
        }
    }
}

/// Whether `name` is one of the files Leadpack writes for `stem`: its package, its numbered
/// parts, its rejected rows, its simple lead CSV, its findings and its change log.
fn is_output_of(name: &str, stem: &str) -> bool {
    let Some(rest) = name.strip_prefix(stem) else {
        return false;
    };
    if matches!(
        rest,
        ".zip" | "-rejected.csv" | "-leads.csv" | "-findings.csv" | "-changes.csv"
    ) {
        return true;
    }
    // -part-NN-of-MM.zip
    let Some(numbers) = rest
        .strip_prefix("-part-")
        .and_then(|r| r.strip_suffix(".zip"))
    else {
        return false;
    };
    let Some((part, total)) = numbers.split_once("-of-") else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(part) && digits(total)
}

#[cfg(test)]
mod tests {
    use super::{OutputSet, is_output_of};
    use std::path::PathBuf;

    /// A fresh, empty folder for one test.
    fn folder(test: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("leadpack-output-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        dir
    }

    fn names(dir: &PathBuf) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("the folder")
            .map(|entry| {
                entry
                    .expect("entry")
                    .file_name()
                    .into_string()
                    .expect("name")
            })
            .collect();
        names.sort();
        names
    }

    /// Hostile input, round two, (2): a link planted where a temporary file would go (to a file
    /// outside the folder) is not followed: the file it points to keeps its bytes.
    #[cfg(unix)]
    #[test]
    fn a_link_where_a_temporary_file_would_go_is_not_followed() {
        let dir = folder("link");
        let outside = folder("link-outside").join("precious.txt");
        std::fs::write(&outside, "precious").expect("outside file");
        for name in ["leads.zip", "leads-rejected.csv"] {
            for attempt in 0..3 {
                let planted = dir.join(format!(".{name}.{}-{attempt}.partial", std::process::id()));
                std::os::unix::fs::symlink(&outside, planted).expect("a link");
            }
            // The old, fixed name of the temporary file too.
            std::os::unix::fs::symlink(&outside, dir.join(format!(".{name}.partial")))
                .expect("a link");
        }
        let mut set = OutputSet::new(&dir, &[]);
        set.write("leads.zip", b"package").expect("written");
        set.write("leads-rejected.csv", b"rejected")
            .expect("written");
        set.commit(&[]).expect("in place");
        assert_eq!(std::fs::read(&outside).expect("outside"), b"precious");
        assert_eq!(
            std::fs::read(dir.join("leads.zip")).expect("package"),
            b"package"
        );
        assert_eq!(
            std::fs::read(dir.join("leads-rejected.csv")).expect("rows"),
            b"rejected"
        );
    }

    /// (11): when one file of the set cannot be written, nothing of the set keeps a real name
    /// and no temporary file stays.
    #[test]
    fn a_set_that_fails_half_way_leaves_nothing() {
        let dir = folder("half");
        let mut set = OutputSet::new(&dir, &[]);
        set.write("leads-part-01-of-02.zip", b"one")
            .expect("written");
        let failed = set.write("missing-folder/leads-part-02-of-02.zip", b"two");
        assert!(failed.is_err());
        drop(set);
        assert_eq!(names(&dir), Vec::<String>::new());
    }

    /// Nothing of a set has its real name before the set is complete.
    #[test]
    fn files_get_their_names_only_when_the_set_is_committed() {
        let dir = folder("commit");
        let mut set = OutputSet::new(&dir, &[]);
        set.write("leads.zip", b"package").expect("written");
        assert!(!dir.join("leads.zip").exists());
        set.commit(&[]).expect("in place");
        assert_eq!(names(&dir), ["leads.zip"]);
    }

    #[test]
    fn the_outputs_of_a_stem_are_recognised_and_nothing_else() {
        for name in [
            "leads.zip",
            "leads-part-01-of-07.zip",
            "leads-part-100-of-120.zip",
            "leads-rejected.csv",
            "leads-leads.csv",
            "leads-findings.csv",
            "leads-changes.csv",
        ] {
            assert!(is_output_of(name, "leads"), "{name}");
        }
        for name in [
            "leads.csv",
            "leads-2.zip",
            "leads-part-1.zip",
            "leads-part-01-of-.zip",
            "leads-part-aa-of-07.zip",
            "other.zip",
            "leads-notes.csv",
        ] {
            assert!(!is_output_of(name, "leads"), "{name}");
        }
    }
}
