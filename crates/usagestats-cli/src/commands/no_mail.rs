//! Built without the cargo feature `mail`: e-mail options are refused with one line.

use jiff::civil::Date;

use crate::cli::GlobalArgs;
use crate::error::UsageError;

/// Never built: e-mail is not part of this build.
#[derive(Debug)]
pub enum MailSettings {}

impl MailSettings {
    /// Always a usage error: this build cannot send e-mail.
    pub fn from_args(_g: &GlobalArgs, _recipients: &str) -> anyhow::Result<MailSettings> {
        Err(UsageError::new(
            "this usagestats was built without e-mail support (cargo feature `mail`); \
             write the report to a file with -o instead",
        )
        .into())
    }

    /// Unreachable: no value of this type exists.
    pub async fn send(
        &self,
        _reports: &[report_render::Report],
        _start: Date,
        _end: Date,
    ) -> anyhow::Result<()> {
        match *self {}
    }
}
