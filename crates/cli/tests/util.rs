//! Helpers shared by the command-line tool's tests: temporary folders, running the built binary,
//! and reading its JSON report.

use std::ffi::OsStr;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A fresh folder under the system's temporary folder, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(test: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let unique = format!(
            "leadpack-test-{}-{}-{test}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(unique);
        std::fs::create_dir_all(&path).expect("the temporary folder can be created");
        TempDir(path)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, bytes).expect("the temporary file can be written");
        path
    }

    /// The names of the files in this folder, sorted.
    pub fn names(&self) -> Vec<String> {
        names_in(&self.0)
    }
}

/// The names of the files in the folder `dir`, sorted.
pub fn names_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("the folder can be listed")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What one run of the tool came to.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

/// Runs `leadpack` in `cwd` (or here) with these arguments (text or paths) and no input, killing
/// it after `limit`. `Err` says it did not finish in time. It must not crash (no panic, no
/// signal), and what it prints must be UTF-8.
pub fn leadpack_in(
    cwd: Option<&Path>,
    limit: Duration,
    args: &[&dyn AsRef<OsStr>],
) -> Result<Run, String> {
    let scratch = TempDir::new("run");
    let (out, err) = (scratch.path("stdout"), scratch.path("stderr"));
    let mut command = Command::new(env!("CARGO_BIN_EXE_leadpack"));
    command
        .args(args.iter().map(|arg| arg.as_ref()))
        .stdin(Stdio::null())
        .stdout(File::create(&out).expect("stdout file"))
        .stderr(File::create(&err).expect("stderr file"));
    if let Some(cwd) = cwd {
        command.current_dir(cwd);
    }
    let shown: Vec<String> = args
        .iter()
        .map(|arg| arg.as_ref().to_string_lossy().into_owned())
        .collect();
    let start = Instant::now();
    let mut child = command.spawn().expect("leadpack starts");
    let status = loop {
        if let Some(status) = child.try_wait().expect("leadpack can be waited for") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "`leadpack {}` did not finish within {limit:?}",
                shown.join(" ")
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = start.elapsed();
    let read = |path: &Path, what: &str| {
        String::from_utf8(std::fs::read(path).expect("output")).unwrap_or_else(|err| {
            panic!("`leadpack {}`: {what} is not UTF-8: {err}", shown.join(" "))
        })
    };
    let run = Run {
        code: status
            .code()
            .unwrap_or_else(|| panic!("`leadpack {}` ended by a signal", shown.join(" "))),
        stdout: read(&out, "stdout"),
        stderr: read(&err, "stderr"),
        elapsed,
    };
    assert!(
        !run.stderr.contains("panicked") && !run.stderr.contains("RUST_BACKTRACE"),
        "`leadpack {}` crashed: {}",
        shown.join(" "),
        run.stderr
    );
    Ok(run)
}

/// Runs `leadpack` with these arguments; a run must finish within 60 seconds.
pub fn leadpack(args: &[&dyn AsRef<OsStr>]) -> Run {
    leadpack_in(None, Duration::from_secs(60), args).unwrap_or_else(|hang| panic!("{hang}"))
}

/// Runs `leadpack check --format json` with these further arguments: the exit code and the report.
pub fn check_json(args: &[&dyn AsRef<OsStr>]) -> (i32, Value) {
    let mut all: Vec<&dyn AsRef<OsStr>> = vec![&"check", &"--format", &"json"];
    all.extend_from_slice(args);
    let run = leadpack(&all);
    let report = serde_json::from_str(&run.stdout).unwrap_or_else(|err| {
        panic!(
            "stdout is not JSON ({err}): {}\nstderr: {}",
            run.stdout, run.stderr
        )
    });
    (run.code, report)
}

/// The one file report of a JSON report, with its summary adding up.
#[track_caller]
pub fn only_file(report: &Value) -> &Value {
    let files = report["files"].as_array().expect("files is an array");
    assert_eq!(files.len(), 1, "{report:#}");
    let file = &files[0];
    let summary = &file["summary"];
    let number = |key: &str| summary[key].as_u64().expect("a count");
    assert_eq!(
        number("ready") + number("with_errors"),
        number("records"),
        "{summary:#}"
    );
    file
}

/// Every finding of a file report as (row, field key or "", rule), in report order.
pub fn findings(file: &Value) -> Vec<(u64, String, String)> {
    file["issues"]
        .as_array()
        .expect("issues is an array")
        .iter()
        .map(|issue| {
            (
                issue["row"].as_u64().expect("row is a number"),
                issue["field"].as_str().unwrap_or("").to_string(),
                issue["rule"].as_str().expect("rule is text").to_string(),
            )
        })
        .collect()
}

/// Every finding of a file report as (row, rule), in report order.
pub fn rows_and_rules(file: &Value) -> Vec<(u64, String)> {
    findings(file)
        .into_iter()
        .map(|(row, _, rule)| (row, rule))
        .collect()
}

/// The (header, field key or "") of every column.
pub fn columns(file: &Value) -> Vec<(String, String)> {
    file["columns"]
        .as_array()
        .expect("columns is an array")
        .iter()
        .map(|column| {
            (
                column["header"]
                    .as_str()
                    .expect("header is text")
                    .to_string(),
                column["field"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// Runs `leadpack generate ARGS --out DIR/NAME`; returns the file and the number of leads with
/// errors its summary line reports.
pub fn generate(dir: &TempDir, name: &str, args: &[&str]) -> (PathBuf, u64) {
    let out = dir.path(name);
    let mut all: Vec<&dyn AsRef<OsStr>> = vec![&"generate"];
    all.extend(args.iter().map(|arg| arg as &dyn AsRef<OsStr>));
    all.extend([&"--out" as &dyn AsRef<OsStr>, &out]);
    let run = leadpack(&all);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // "Wrote 50 leads (6.6 KB) to /tmp/…/leads.csv; 1 with errors."
    let line = run.stdout.trim_end();
    assert!(line.starts_with("Wrote "), "{line}");
    assert!(line.contains(&out.display().to_string()), "{line}");
    let errors = line
        .strip_suffix(" with errors.")
        .and_then(|rest| rest.rsplit("; ").next())
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("no error count in {line:?}"));
    (out, errors)
}
