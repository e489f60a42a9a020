//! Cron schedules shared by etcd snapshot schedules and recurring maintenance windows.

use std::str::FromStr;

/// Five cron fields (minute hour day-of-month month day-of-week, UTC) or an alias such as `@daily`. Seconds are
/// refused: neither a snapshot nor a maintenance window a second is what an operator means.
pub fn parse_schedule(text: &str) -> Result<croner::Cron, String> {
    let text = text.trim();
    let fields = text.split_whitespace().count();
    if !text.starts_with('@') && fields != 5 {
        return Err(format!(
            "a schedule has five fields (minute hour day-of-month month day-of-week), this one has {fields}"
        ));
    }
    croner::Cron::from_str(text).map_err(|e| e.to_string())
}
