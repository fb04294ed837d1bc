//! Reading options shared by `check` and `pack`: encodings, delimiters, templates.

use std::path::Path;

use leadpack_engine::{
    CheckOptions, ColumnPlan, ExplicitMapping, Fix, OutputEncoding, Target, Template,
    encoding_for_label, parse_delimiter,
};

use super::ReadArgs;
use super::input::describe;

/// The check options the reading arguments ask for, and the template, if one was given.
pub fn read_options(args: &ReadArgs) -> Result<(CheckOptions, Option<Template>), String> {
    let template = match &args.mapping {
        Some(path) => Some(read_template(path)?),
        None => None,
    };
    let mut options = CheckOptions::from_template(&template.clone().unwrap_or_default());
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
    Ok((options, template))
}

/// Reads a template file, or a plain mapping file (`{"columns": {"Work Phone": "phone"}}`).
pub fn read_template(path: &Path) -> Result<Template, String> {
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
        return Ok(Template {
            columns,
            ..Template::default()
        });
    }
    Template::from_json(&text).map_err(|message| {
        format!(
            "{} cannot be used as a template: {message}. Save a template from Leadpack, or write a \
             mapping such as {{\"columns\": {{\"Work Phone\": \"phone\", \"Notes\": null}}}}",
            path.display()
        )
    })
}
