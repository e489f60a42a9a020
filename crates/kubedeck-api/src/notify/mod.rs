//! Notification channels (issue 16): webhook, email, DingTalk, WeCom, Feishu/Lark and Slack.

pub mod notice;

pub use notice::{Notice, NoticeAlert, NoticeStatus};
