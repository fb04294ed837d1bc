//! `leadpack pack`: checks each file and writes its import packages, rejected rows and reports.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use leadpack_engine::{
    BuildError, Built, CheckOptions, DEFAULT_MAX_PACKAGE_BYTES, FileChecker, FileReport, Import,
    OutputEncoding, OutputKind, PackError, PackJob, PackOutcome, Rule, Severity, Template,
    Unrepresentable, findings_csv, format_size, pack_together, safe_stem,
};

use crate::output::OutputSet;

use super::input::{Input, describe_write, import_names};
use super::options::{options_for, read_options};
use super::{EXIT_FINDINGS, EXIT_OK, EXIT_UNUSABLE, PackArgs};

pub fn run(args: PackArgs) -> i32 {
    let (_, templates) = match read_options(&args.read) {
        Ok(read) => read,
        Err(message) => {
            eprintln!("leadpack: {message}");
            return EXIT_UNUSABLE;
        }
    };
    let output_encoding = match args
        .output_encoding
        .as_deref()
        .map(OutputEncoding::from_label)
    {
        None => None,
        Some(Some(encoding)) => Some(encoding),
        Some(None) => {
            eprintln!("leadpack: the output encoding must be utf-8, windows-1252 or iso-8859-1");
            return EXIT_UNUSABLE;
        }
    };
    if let Err(err) = std::fs::create_dir_all(&args.out) {
        eprintln!(
            "leadpack: cannot create the folder {}: {}",
            args.out.display(),
            describe_write(&err)
        );
        return EXIT_UNUSABLE;
    }

    if args
        .max_package_bytes
        .is_some_and(|limit| limit > DEFAULT_MAX_PACKAGE_BYTES)
    {
        eprintln!(
            "leadpack: note: the CRM accepts only packages smaller than 10 MB ({DEFAULT_MAX_PACKAGE_BYTES} bytes); \
             larger ones will be refused at upload"
        );
    }

    let mut code = EXIT_OK;
    let mut reports = Vec::new();
    let mut stems: Vec<String> = Vec::new();
    // Everything is written as one set, put in place only once all of it is written.
    let mut set = OutputSet::new(&args.out, &args.files);
    // With --together, every file is part of one import, packed once all are read.
    let import = args.together.then(Import::new);
    let mut together: Vec<PackOutcome> = Vec::new();
    // The size limit of every package of an import: the one given, else the first file's (its
    // template's, or the default), as in the web app.
    let mut limit: Option<u64> = None;
    let mut import_failed = false;
    for (path, name) in args.files.iter().zip(import_names(&args.files)) {
        if name.to_lowercase().ends_with(".zip") {
            eprintln!(
                "leadpack: {name} is a ZIP archive, not a lead file. If it is an import package, check it \
                 with `leadpack check {name}`; otherwise unpack it and pack the CSV files inside."
            );
            code = EXIT_UNUSABLE;
            import_failed = true;
            continue;
        }
        // Two files with one name (from different folders) must not overwrite each other.
        let mut stem = safe_stem(&name);
        let base = stem.clone();
        let mut n = 2;
        while stems.contains(&stem) {
            stem = format!("{base}-{n}");
            n += 1;
        }
        stems.push(stem.clone());
        let file = FileToPack {
            path,
            name: &name,
            stem: &stem,
            import: import.as_ref(),
            limit: None,
        };
        let (options, template) = match options_for(&args.read, templates.as_ref(), path, &name) {
            Ok(found) => found,
            Err(message) => {
                eprintln!("leadpack: {message}");
                code = EXIT_UNUSABLE;
                import_failed = true;
                continue;
            }
        };
        if import.is_some() {
            limit.get_or_insert(
                args.max_package_bytes.unwrap_or(
                    template
                        .as_ref()
                        .map_or(DEFAULT_MAX_PACKAGE_BYTES, |t| t.options.max_package_bytes),
                ),
            );
        }
        let file = FileToPack { limit, ..file };
        let outcome = pack_file(&file, &options, template.as_ref(), output_encoding, &args);
        match outcome {
            Ok((report, outcome, encoding)) => {
                // Together, the packages are put together once every file is packed.
                let own = outcome
                    .files()
                    .filter(|file| import.is_none() || file.kind != OutputKind::Package);
                for file in own {
                    if let Err(message) = set.write(&file.name, &file.bytes) {
                        eprintln!("leadpack: {message}");
                        return EXIT_UNUSABLE;
                    }
                }
                print_outcome(&report, &outcome, encoding, import.is_none());
                if outcome.rejected_rows > 0 {
                    code = code.max(EXIT_FINDINGS);
                }
                reports.push(report);
                if import.is_some() {
                    together.push(outcome);
                }
            }
            Err(Failure::Unusable(message)) => {
                eprintln!("leadpack: {message}");
                code = EXIT_UNUSABLE;
                import_failed = true;
            }
            Err(Failure::Refused(message)) => {
                eprintln!("leadpack: {message}");
                code = code.max(EXIT_FINDINGS);
                import_failed = true;
            }
        }
    }
    if import.is_some() {
        if import_failed {
            // An import without one of its files would reach the CRM incomplete.
            eprintln!(
                "leadpack: nothing was written: every file of an import must be packed. Fix the \
                 files named above, or leave them out, and pack again."
            );
            return code.max(EXIT_FINDINGS);
        }
        let name = safe_stem(args.name.as_deref().unwrap_or("import"));
        let limit = limit.unwrap_or(DEFAULT_MAX_PACKAGE_BYTES);
        let packages = match pack_together(&name, &together, limit) {
            Ok(packages) => packages,
            Err(err) => {
                eprintln!("leadpack: {err}");
                return EXIT_UNUSABLE;
            }
        };
        say!(
            "The import, {} file(s) in {} package(s):",
            together.len(),
            packages.len()
        );
        for package in &packages {
            if let Err(message) = set.write(&package.name, &package.bytes) {
                eprintln!("leadpack: {message}");
                return EXIT_UNUSABLE;
            }
            say!(
                "  {:<40} {:>10}  {:>8} rows",
                package.name,
                format_size(package.bytes.len() as u64),
                package.rows
            );
        }
        stems.push(name);
    }
    if args.findings && !reports.is_empty() {
        let findings = findings_csv(&reports);
        if let Err(message) = set.write(&findings.name, &findings.bytes) {
            eprintln!("leadpack: {message}");
            return EXIT_UNUSABLE;
        }
        say!(
            "Findings report: {} ({} findings)",
            findings.name,
            findings.rows
        );
    }
    // What an earlier run wrote for the same files, and this one does not, goes: parts of a
    // split that is no longer, rejected rows that are no longer.
    let stale = set.stale(&stems);
    for name in &stale {
        say!("Removed {name}, left by an earlier run for the same file.");
    }
    if let Err(message) = set.commit(&stale) {
        eprintln!("leadpack: {message}");
        return EXIT_UNUSABLE;
    }
    code
}

enum Failure {
    /// The input or the options cannot be used.
    Unusable(String),
    /// The data needs a decision first (characters the encoding cannot hold).
    Refused(String),
}

/// A file to pack: where it is, its name in messages, the stem of its output names, and the
/// import it is part of, if any.
struct FileToPack<'a> {
    path: &'a Path,
    name: &'a str,
    stem: &'a str,
    import: Option<&'a Import>,
    /// The size limit of every package of the import, when the file is part of one.
    limit: Option<u64>,
}

/// Checks and packs one file, and says in which encoding. Without a template, a first pass
/// checks the file and suggests one (as the web app does), so both give the same packages.
fn pack_file(
    file: &FileToPack<'_>,
    options: &CheckOptions,
    template: Option<&Template>,
    output_encoding: Option<OutputEncoding>,
    args: &PackArgs,
) -> Result<(FileReport, PackOutcome, OutputEncoding), Failure> {
    let FileToPack {
        path,
        name,
        stem,
        import,
        ..
    } = *file;
    // A pipe or standard input is read once, into memory: it is read twice below.
    let input = Input::open(path, &args.read.sheet()).map_err(Failure::Unusable)?;
    let mut options = options.clone();
    options.read.size_hint = input.size();
    // Without a template, the second pass reuses the first pass's findings when its decisions
    // find the same (it fails if the file changed in between).
    let mut checked: Option<Arc<FileReport>> = None;
    let mut template = match template {
        Some(template) => template.clone(),
        None => {
            let mut checker = FileChecker::new(name, options.clone());
            input
                .chunks(|chunk| checker.feed(chunk).map_err(|err| err.to_string()))
                .map_err(Failure::Unusable)?;
            let report = checker
                .finish()
                .map_err(|err| Failure::Unusable(err.to_string()))?;
            let mut suggested = Template::suggested(&report);
            suggested.segments = options.template.segments.clone();
            suggested.concepts = options.template.concepts.clone();
            checked = Some(Arc::new(report));
            suggested
        }
    };
    apply_flags(&mut template, output_encoding, args);
    if let Some(limit) = file.limit {
        template.options.max_package_bytes = limit;
    }
    for segment in &options.template.segments {
        if !template.segments.contains(segment) {
            template.segments.push(segment.clone());
        }
    }
    for concept in &options.template.concepts {
        if !template.concepts.contains(concept) {
            template.concepts.push(concept.clone());
        }
    }

    let mut job = PackJob::new(name, &template)
        .read_as(options.read)
        .with_edits(options.edits.clone())
        .with_stem(stem)
        // The packages are compressed on another thread while this one reads.
        .assemble_on_a_thread();
    if let Some(report) = checked {
        job = job.reusing(report);
    }
    if let Some(import) = import {
        job = job.in_import(import);
    }
    let mut failed = None;
    let read = input.chunks(|chunk| {
        job.feed(chunk).map_err(|err| {
            let message = err.to_string();
            failed = Some(err);
            message
        })
    });
    if let Err(message) = read {
        return Err(failed.map_or(Failure::Unusable(message), |err| build_failure(name, err)));
    }
    let Built {
        mut report,
        outcome,
    } = job.finish().map_err(|err| build_failure(name, err))?;
    let mut notes = input.notes();
    notes.append(&mut report.notes);
    report.notes = notes;
    Ok((report, outcome, template.options.output_encoding))
}

/// What a build that failed comes to.
fn build_failure(name: &str, err: BuildError) -> Failure {
    match err {
        BuildError::Read(err) => Failure::Unusable(err.to_string()),
        BuildError::Pack(PackError::Refused(message)) => Failure::Refused(format!(
            "{name}: {message}\nUse --output-encoding utf-8, or --replace-unrepresentable."
        )),
        BuildError::Pack(PackError::Failed(message)) => {
            Failure::Unusable(format!("{name}: {message}"))
        }
    }
}

fn apply_flags(template: &mut Template, output_encoding: Option<OutputEncoding>, args: &PackArgs) {
    let options = &mut template.options;
    if let Some(encoding) = output_encoding {
        options.output_encoding = encoding;
    }
    if let Some(limit) = args.max_package_bytes {
        options.max_package_bytes = limit;
    }
    options.include_invalid |= args.include_invalid;
    options.keep_long_values |= args.keep_long_values;
    options.simple_csv |= args.simple_csv;
    if args.replace_unrepresentable {
        options.unrepresentable = Unrepresentable::Replace;
    }
}

/// Prints what became of a file: its rows, its files (its packages too, unless they are put
/// together with other files' into the import's), why rows were left out.
fn print_outcome(
    report: &FileReport,
    outcome: &PackOutcome,
    encoding: OutputEncoding,
    own_packages: bool,
) {
    say!(
        "{}: {} leads read, {} packed, {} left out",
        report.file,
        outcome.records,
        outcome.packaged,
        outcome.rejected_rows
    );
    // Packed with replacement: the same count a refusal gives.
    let replaced = report.unrepresentable_values();
    if replaced > 0 {
        say!(
            "  {replaced} value(s) had characters {} cannot hold; each was written with the nearest \
             it holds (the findings report, --findings, lists them)",
            encoding.title()
        );
    }
    let shown = outcome
        .files()
        .filter(|file| own_packages || file.kind != OutputKind::Package);
    for file in shown {
        say!(
            "  {:<40} {:>10}  {:>8} rows",
            file.name,
            format_size(file.bytes.len() as u64),
            file.rows
        );
    }
    if outcome.rejected_rows > 0 {
        let mut reasons: BTreeMap<Rule, u64> = BTreeMap::new();
        for finding in report
            .issues
            .iter()
            .filter(|f| f.severity == Severity::Error)
        {
            *reasons.entry(finding.rule).or_default() += 1;
        }
        say!("  Left out because of:");
        for (rule, count) in reasons {
            say!("    {count:>7}  {}", rule.label());
        }
        say!("  Fix them in the rejected rows file and pack it again, or use --include-invalid.");
    }
}
