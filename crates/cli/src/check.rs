//! `leadpack check`: reads each file, prints the report, and returns the exit code.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

use leadpack_engine::{
    CheckOptions, FileChecker, FileReport, Import, MatchKind, PackageReader, Report, Rule,
    Severity, Target, Template, delimiter_name, plan_columns, xml_safe,
};

use super::input::{CHUNK_BYTES, Input, import_names};
use super::options::{options_for, read_options};
use super::{CheckArgs, EXIT_FINDINGS, EXIT_OK, EXIT_UNUSABLE, Format};

pub fn run(args: CheckArgs) -> i32 {
    let (options, templates) = match read_options(&args.read) {
        Ok(read) => read,
        Err(message) => {
            eprintln!("leadpack: {message}");
            return EXIT_UNUSABLE;
        }
    };
    // What each file's columns become, for the text report.
    let mut plans: Vec<Template> = Vec::new();
    let mut report = Report::default();
    let mut unusable = false;
    // With --together, every file is part of one import.
    let import = args.together.then(Import::new);
    for (path, name) in args.files.iter().zip(import_names(&args.files)) {
        // An import package: check each CSV it lists, in the encoding it declares.
        if name.to_lowercase().ends_with(".zip") {
            match check_package(path, &name, &options, import.as_ref()) {
                Ok((files, refusals)) => {
                    report.files.extend(files);
                    for message in refusals {
                        eprintln!("leadpack: {message}");
                        unusable = true;
                    }
                }
                Err(message) => {
                    eprintln!("leadpack: {message}");
                    unusable = true;
                }
            }
            continue;
        }
        let mut options = match options_for(&args.read, templates.as_ref(), path, &name) {
            Ok((options, _)) => options,
            Err(message) => {
                eprintln!("leadpack: {message}");
                unusable = true;
                continue;
            }
        };
        let input = match Input::open(path, &args.read.sheet()) {
            Ok(input) => input,
            Err(message) => {
                eprintln!("leadpack: {message}");
                unusable = true;
                continue;
            }
        };
        // The size of a regular file or of a sheet's text; a pipe's is not known before it is
        // read.
        options.read.size_hint = match &input {
            Input::File(_) | Input::Sheet(..) => input.size(),
            Input::Bytes(_) => None,
        };
        let plan = options.template.clone();
        let mut checker = FileChecker::new(name, options);
        if let Some(import) = &import {
            checker = checker.in_import(import);
        }
        let outcome = input
            .chunks(|chunk| checker.feed(chunk).map_err(|err| err.to_string()))
            .and_then(|()| checker.finish().map_err(|err| err.to_string()));
        match outcome {
            Ok(mut file) => {
                let mut notes = input.notes();
                notes.append(&mut file.notes);
                file.notes = notes;
                report.files.push(file);
                plans.push(plan);
            }
            Err(message) => {
                eprintln!("leadpack: {message}");
                unusable = true;
            }
        }
    }
    let printed = match args.format {
        Format::Json => print_json(&report),
        Format::Text => print_text(&report, &plans, &options.template, args.limit),
    };
    if let Err(err) = printed {
        // A closed pipe (`| head`) is not worth a message.
        if err.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("leadpack: cannot write the report: {err}");
        }
        return EXIT_UNUSABLE;
    }
    if unusable {
        EXIT_UNUSABLE
    } else if report.files.iter().any(FileReport::has_errors) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

/// Checks each CSV file the package at `path` lists, in the encoding it declares: each is
/// expanded chunk by chunk straight into its checker, so only the archive's own bytes and one
/// chunk are held, however large the files inside. `Ok` gives the reports, and the messages of
/// the files that could not be checked; `Err` refuses the whole package (it cannot be opened, or
/// one of its files is damaged), and none of its files is reported. The package's files are one
/// import, part of `import` when there is one.
fn check_package(
    path: &Path,
    name: &str,
    options: &CheckOptions,
    import: Option<&Import>,
) -> Result<(Vec<FileReport>, Vec<String>), String> {
    let bytes = std::fs::read(path).map_err(|err| {
        format!(
            "cannot read {}: {}",
            path.display(),
            super::input::describe(&err)
        )
    })?;
    let mut package = PackageReader::open(name, &bytes).map_err(|err| err.to_string())?;
    let (mut files, mut refusals) = (Vec::new(), Vec::new());
    let import = import.cloned().unwrap_or_default();
    let mut buffer = vec![0u8; CHUNK_BYTES];
    while let Some(entry) = package.next_entry() {
        let mut entry = entry.map_err(|err| err.to_string())?;
        let mut options = options.clone();
        options.read.encoding = Some(entry.encoding().reader());
        let mut checker =
            Some(FileChecker::new(format!("{name}/{}", entry.name()), options).in_import(&import));
        let mut refused = None;
        loop {
            let read = entry.read(&mut buffer).map_err(|err| err.to_string())?;
            if read == 0 {
                break;
            }
            // A file the checker refused is still read to its end: a damaged file refuses the
            // whole package, wherever the damage is.
            if let Some(reading) = &mut checker
                && let Err(err) = reading.feed(&buffer[..read])
            {
                refused = Some(err.to_string());
                checker = None;
            }
        }
        match checker.map(FileChecker::finish) {
            Some(Ok(file)) => files.push(file),
            Some(Err(err)) => refusals.push(err.to_string()),
            None => refusals.extend(refused),
        }
    }
    Ok((files, refusals))
}

fn print_json(report: &Report) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, report)?;
    writeln!(out)
}

/// The text report; `plans` are the templates of the CSV files checked, in the order of their
/// reports (the files of a package, reported among them, follow `template`).
fn print_text(
    report: &Report,
    plans: &[Template],
    template: &Template,
    limit: usize,
) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut plans = plans.iter();
    for (index, file) in report.files.iter().enumerate() {
        if index > 0 {
            writeln!(out)?;
        }
        let plan = match file.file.contains(".zip/") {
            true => template,
            false => plans.next().unwrap_or(template),
        };
        print_file(&mut out, file, plan, limit)?;
    }
    out.flush()
}

fn print_file(
    out: &mut impl Write,
    file: &FileReport,
    template: &Template,
    limit: usize,
) -> std::io::Result<()> {
    let delimiter = match file.delimiter.as_str() {
        "\\t" => delimiter_name(b'\t'),
        other => delimiter_name(other.as_bytes().first().copied().unwrap_or(b',')),
    };
    writeln!(
        out,
        "{}: {} leads, read as {}, {}-separated",
        xml_safe(&file.file),
        file.summary.records,
        file.encoding.to_uppercase(),
        delimiter
    )?;
    for note in &file.notes {
        writeln!(out, "  Note: {}", xml_safe(note))?;
    }

    writeln!(out, "\n  Columns")?;
    let width = file
        .columns
        .iter()
        .map(|c| c.column.header.chars().count())
        .max()
        .unwrap_or(0)
        .min(30);
    let matches: Vec<_> = file.columns.iter().map(|c| c.column.clone()).collect();
    // What becomes of each column: as the template plans it, else as Leadpack suggests.
    let targets: Vec<Target> = if template.columns.is_empty() {
        plan_columns(&matches)
            .into_iter()
            .map(|plan| plan.target)
            .collect()
    } else {
        let headers: Vec<String> = matches.iter().map(|m| m.header.clone()).collect();
        template.targets(&headers)
    };
    for (index, column) in file.columns.iter().enumerate() {
        // A control character would garble the terminal: it is shown as a space, as the
        // package writes the column's name.
        let header = xml_safe(&column.column.header);
        let target = match column.column.field {
            Some(field) => {
                let how = match column.column.matched_by {
                    MatchKind::Exact => "exact",
                    MatchKind::Synonym => "common spelling",
                    MatchKind::Partial => "part of the header",
                    MatchKind::Fuzzy => "similar spelling",
                    MatchKind::Content => "judged by its values",
                    MatchKind::Chosen => "from the mapping",
                    MatchKind::None => "",
                };
                format!(
                    "{} ({:.0}% sure, {how})",
                    field.title(),
                    column.column.confidence * 100.0
                )
            }
            None => {
                let kept = match &targets[index] {
                    Target::Telcom { type_name } => {
                        format!("packed as an extra phone or email ({type_name})")
                    }
                    Target::Address { part, type_name } => {
                        format!(
                            "packed as part of an address ({type_name}, {})",
                            part.attribute()
                        )
                    }
                    Target::UserField => "packed as a user field".to_string(),
                    Target::Category { type_name } => {
                        format!("packed as a category ({type_name})")
                    }
                    Target::CustomField { name, value_type } => match value_type.date_format() {
                        Some(format) => format!(
                            "packed as the custom field {name} ({}, read as {format})",
                            value_type.id()
                        ),
                        None => format!("packed as the custom field {name} ({})", value_type.id()),
                    },
                    Target::Field { .. } | Target::Skip => "not imported".to_string(),
                };
                // Dates not yet read as such: the format to give them in a template.
                let dates = match (&targets[index], &column.dates) {
                    (Target::CustomField { .. }, _) | (_, None) => None,
                    (_, Some(dates)) => dates.fitting_all().next().map(|format| {
                        format!("its values are dates ({format}): a custom field of type date can hold them")
                    }),
                };
                match (&column.column.note, dates) {
                    (Some(note), _) => format!("{kept}: {}", xml_safe(note)),
                    (None, Some(dates)) => format!("{kept}: {dates}"),
                    (None, None) => kept,
                }
            }
        };
        writeln!(out, "    {header:<width$}  ->  {target}")?;
    }

    let summary = &file.summary;
    writeln!(
        out,
        "\n  Result: {} ready to import ({} of them with warnings), {} with errors (left out of the package)",
        summary.ready, summary.with_warnings, summary.with_errors
    )?;

    if file.issues.is_empty() {
        writeln!(out, "  No findings: every lead is ready for the CRM.")?;
        return Ok(());
    }
    let mut per_rule: BTreeMap<Rule, u64> = BTreeMap::new();
    for finding in &file.issues {
        *per_rule.entry(finding.rule).or_default() += 1;
    }
    writeln!(out, "\n  Findings")?;
    for severity in [Severity::Error, Severity::Warning] {
        for (rule, count) in per_rule
            .iter()
            .filter(|(rule, _)| rule.severity() == severity)
        {
            writeln!(
                out,
                "    {:<8} {:<20} {count:>7}  {}",
                severity.as_str(),
                rule.id(),
                rule.label()
            )?;
        }
    }

    writeln!(out, "\n  First findings")?;
    for finding in file.issues.iter().take(limit) {
        let field = finding.field.map_or("(row)", |field| field.title());
        writeln!(
            out,
            "    row {:<6} {:<14} {}",
            finding.row,
            field,
            xml_safe(&finding.message)
        )?;
    }
    if file.issues.len() > limit {
        writeln!(
            out,
            "    … and {} more (use --limit N to see more, or --format json for all of them)",
            file.issues.len() - limit
        )?;
    }
    Ok(())
}
