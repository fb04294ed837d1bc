//! What the caller decides instead of the engine when a file is checked.

use encoding_rs::Encoding;

use crate::lead::edits::Edits;
use crate::lead::mapping::ExplicitMapping;
use crate::lead::template::Template;
use crate::lead::values::KnownValues;

/// Everything a check is told, each in one place: how to read the file, what the user decided
/// about it (the template: its column plan, the firm's own segments and concepts, value mappings
/// and output encoding), and the corrections made while reviewing.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// How to read the file.
    pub read: ReadOptions,
    /// What the user decided. A template without columns leaves the columns to the automatic
    /// matching; characters its output encoding cannot hold are reported (none for UTF-8).
    pub template: Template,
    /// Corrections applied to the records before they are checked.
    pub edits: Edits,
}

/// How to read a file, whatever is decided about its columns.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions {
    /// Read the file in this encoding instead of detecting it.
    pub encoding: Option<&'static Encoding>,
    /// Split fields at this delimiter instead of detecting it.
    pub delimiter: Option<u8>,
    /// The file's size in bytes, when known: it lets the checker size its indexes once.
    pub size_hint: Option<u64>,
    /// How many threads may apply the rules at once (0 or 1: the calling thread alone). The
    /// report is the same whatever the number. Ignored where there are no threads (the web).
    pub threads: usize,
}

impl CheckOptions {
    /// The options of a build: everything `template` decides, the file read as `read` says,
    /// corrected by `edits`.
    pub fn for_build(template: &Template, read: ReadOptions, edits: Edits) -> CheckOptions {
        CheckOptions {
            read,
            template: template.clone(),
            edits,
        }
    }

    /// The options of a check that follows `template`, read the default way.
    pub fn from_template(template: &Template) -> CheckOptions {
        CheckOptions {
            template: template.clone(),
            ..CheckOptions::default()
        }
    }

    /// The column mapping the template gives, if it names any column.
    pub(crate) fn mapping(&self) -> Option<ExplicitMapping> {
        (!self.template.columns.is_empty()).then(|| self.template.explicit_mapping())
    }

    /// The known market segments, with the firm's own and the user's value mapping.
    pub fn segments(&self) -> KnownValues {
        self.template.segments()
    }

    /// The known sales concepts, with the firm's own and the user's value mapping.
    pub fn concepts(&self) -> KnownValues {
        self.template.concepts()
    }
}
