//! Reading options shared by `check` and `pack`: encodings, delimiters, templates.

use std::path::Path;

use leadpack_engine::{
    CheckOptions, ColumnPlan, ExplicitMapping, Fix, OutputEncoding, ReadOptions, SNIFF_BYTES,
    SheetChoice, Target, Template, Templates, encoding_for_label, parse_delimiter, read_header,
};

use super::ReadArgs;
use super::input::{Input, describe, may_be_workbook};

/// The check options the reading arguments ask for, and the templates, if a file of them was
/// given. With a template per file, the options are those of a file without one
/// ([`options_for`] gives each file its own).
pub fn read_options(args: &ReadArgs) -> Result<(CheckOptions, Option<Templates>), String> {
    let templates = match &args.mapping {
        Some(path) => Some(read_template(path)?),
        None => None,
    };
    let one = match &templates {
        Some(Templates::One(template)) => Some(&**template),
        _ => None,
    };
    Ok((options_with(args, one)?, templates))
}

/// The check options of one file: the reading arguments, and the template that `templates`
/// has for it (found by the file's name, else by its column names, read from its first bytes).
/// `None` for the template when the file has none of its own in a set: its columns are then
/// matched automatically, and a note says so.
pub fn options_for(
    args: &ReadArgs,
    templates: Option<&Templates>,
    path: &Path,
    name: &str,
) -> Result<(CheckOptions, Option<Template>), String> {
    let template = match templates {
        None => None,
        Some(Templates::One(template)) => Some((**template).clone()),
        Some(Templates::PerFile(set)) => match set.by_name(name) {
            Some(template) => Some(template.clone()),
            None => {
                let base = options_with(args, None)?;
                let headers = header_of(path, name, base.read, &args.sheet())?;
                let found = set.by_headers(&headers).cloned();
                if found.is_none() {
                    eprintln!(
                        "leadpack: note: the template file has no template for {name} (none is for \
                         that file name or for its columns), so its columns are matched automatically"
                    );
                }
                found
            }
        },
    };
    Ok((options_with(args, template.as_ref())?, template))
}

/// The column names of the file at `path`, from its first bytes; none for a pipe or a device,
/// which gives its bytes only once, to the check.
fn header_of(
    path: &Path,
    name: &str,
    read: ReadOptions,
    sheet: &SheetChoice,
) -> Result<Vec<String>, String> {
    use std::io::Read;
    if !std::fs::metadata(path).is_ok_and(|meta| meta.is_file()) {
        return Ok(Vec::new());
    }
    let mut sample = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(SNIFF_BYTES as u64 + 1).read_to_end(&mut sample))
        .map_err(|err| format!("cannot read {}: {}", path.display(), describe(&err)))?;
    // A workbook's column names are those of its sheet.
    if may_be_workbook(&sample)
        && let Ok(Input::Sheet(text, _)) = Input::open(path, sheet)
    {
        sample = text.csv;
        sample.truncate(SNIFF_BYTES + 1);
    }
    let complete = sample.len() <= SNIFF_BYTES;
    // A file whose header cannot be read is matched by its name alone: its check says why.
    Ok(read_header(name, &sample, complete, read).unwrap_or_default())
}

/// The check options the reading arguments and `template` ask for.
fn options_with(args: &ReadArgs, template: Option<&Template>) -> Result<CheckOptions, String> {
    let mut options = CheckOptions::from_template(&template.cloned().unwrap_or_default());
    // `check` reports no characters an output encoding cannot hold: that is for `pack`, whose
    // output encoding is chosen there.
    options.template.options.output_encoding = OutputEncoding::Utf8;
    // The rules that look at one lead at a time run on every core the machine has, unless the
    // user asks for fewer.
    options.read.threads = match args.threads {
        Some(threads) => threads,
        None => std::thread::available_parallelism().map_or(1, usize::from),
    };
    if let Some(label) = &args.encoding {
        options.read.encoding = Some(encoding_for_label(label).ok_or_else(|| {
            format!(
                "“{label}” is not an encoding Leadpack knows; try utf-8, windows-1252, iso-8859-15, macintosh (Mac Roman) or utf-16le"
            )
        })?);
    }
    if let Some(text) = &args.delimiter {
        options.read.delimiter = Some(parse_delimiter(text).ok_or_else(|| {
            format!(
                "“{text}” cannot be a delimiter; use one character such as , ; | or the word tab"
            )
        })?);
    }
    if args.neutralise_formulas {
        options.edits.fixes = vec![Fix::NeutraliseAllFormulas];
    }
    options
        .template
        .segments
        .extend(args.segments.iter().cloned());
    options
        .template
        .concepts
        .extend(args.concepts.iter().cloned());
    Ok(options)
}

/// Reads a template file (one template, or one per file), or a plain mapping file
/// (`{"columns": {"Work Phone": "phone"}}`).
pub fn read_template(path: &Path) -> Result<Templates, String> {
    let text = std::fs::read_to_string(path).map_err(|err| {
        format!(
            "cannot read the template {}: {}",
            path.display(),
            describe(&err)
        )
    })?;
    let has_version = serde_json::from_str::<serde_json::Value>(&text)
        .is_ok_and(|value| value.get("version").is_some());
    if !has_version {
        let mapping = serde_json::from_str::<ExplicitMapping>(&text).map_err(|err| {
            format!(
                "the mapping {} is not valid: {err}. It should look like {{\"columns\": {{\"Work Phone\": \"phone\", \"Notes\": null}}}}, \
                 with the fields id, firstName, lastName, email, phone, marketSegment, salesConcept, company, position, zipCode",
                path.display()
            )
        })?;
        let columns = mapping
            .columns
            .into_iter()
            .map(|(header, field)| ColumnPlan {
                header,
                target: field.map_or(Target::Skip, |field| Target::Field { field }),
            })
            .collect();
        return Ok(Templates::One(Box::new(Template {
            columns,
            ..Template::default()
        })));
    }
    Templates::from_json(&text).map_err(|message| {
        format!(
            "{} cannot be used as a template: {message}. Save a template from Leadpack, or write a \
             mapping such as {{\"columns\": {{\"Work Phone\": \"phone\", \"Notes\": null}}}}",
            path.display()
        )
    })
}
