//! A cluster's events as the archive takes them: one watcher of `core/v1` Events per cluster handle (so only the
//! lease holder watches), whose adds and changes wait in a [`EventFeed`] until the archive writer takes them.
//!
//! Why `core/v1`: a v1.20 apiserver serves the same Event objects as `core/v1` and as `events.k8s.io/v1` (one
//! storage, two views), and the `core/v1` view carries every field of both: `involvedObject` (= `regarding`),
//! `source` (the old recorders), `reportingComponent` (= `reportingController`), `series`, `eventTime`, and
//! `count`/`firstTimestamp`/`lastTimestamp` (the new API's `deprecated*` fields). Watching both would archive
//! every event twice under the same uid. Events written through `events.k8s.io/v1` (a series with `eventTime`
//! and no `lastTimestamp`) are read through [`project`] with the same meaning.
//!
//! Deletions are not passed on: an event that expires from the cluster (`--event-ttl`) stays in the archive.

use crate::nodes::utc;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use k8s_openapi::api::core::v1::Event;
use kube::api::Api;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;

/// One event in the archive's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventFields {
    /// metadata.uid.
    pub uid: String,
    /// The Event object's namespace and name.
    pub namespace: String,
    pub name: String,
    /// involvedObject: kind, name, namespace.
    pub involved_kind: String,
    pub involved_name: String,
    pub involved_namespace: String,
    pub reason: String,
    /// Normal or Warning.
    pub event_type: String,
    pub message: String,
    /// source.component and source.host.
    pub source_component: String,
    pub source_host: String,
    /// reportingComponent.
    pub reporting_component: String,
    /// series.count, else count, at least 1.
    pub count: i32,
    /// series.count, when a series.
    pub series_count: Option<i32>,
    /// firstTimestamp, else eventTime, else the object's creation.
    pub first_timestamp: DateTime<Utc>,
    /// series.lastObservedTime, else lastTimestamp, else eventTime, else the first timestamp.
    pub last_timestamp: DateTime<Utc>,
}

/// An Event as the archive keeps it (`None` without a uid, which only a malformed object lacks).
pub fn project(e: &Event) -> Option<EventFields> {
    let uid = e.metadata.uid.clone().filter(|u| !u.is_empty())?;
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    let created = e.metadata.creation_timestamp.as_ref().map(|t| utc(&t.0));
    let event_time = e.event_time.as_ref().map(|t| utc(&t.0));
    let first = e
        .first_timestamp
        .as_ref()
        .map(|t| utc(&t.0))
        .or(event_time)
        .or(created)
        .unwrap_or_else(Utc::now);
    let series = e.series.as_ref();
    let last = series
        .and_then(|s| s.last_observed_time.as_ref())
        .map(|t| utc(&t.0))
        .or(e.last_timestamp.as_ref().map(|t| utc(&t.0)))
        .or(event_time)
        .unwrap_or(first)
        .max(first);
    let series_count = series.and_then(|s| s.count);
    let io = &e.involved_object;
    let source = e.source.as_ref();
    Some(EventFields {
        uid,
        namespace: text(&e.metadata.namespace),
        name: text(&e.metadata.name),
        involved_kind: text(&io.kind),
        involved_name: text(&io.name),
        involved_namespace: text(&io.namespace),
        reason: text(&e.reason),
        event_type: text(&e.type_),
        message: text(&e.message),
        source_component: source.and_then(|s| s.component.clone()).unwrap_or_default(),
        source_host: source.and_then(|s| s.host.clone()).unwrap_or_default(),
        reporting_component: text(&e.reporting_component),
        count: series_count.or(e.count).unwrap_or(1).max(1),
        series_count,
        first_timestamp: first,
        last_timestamp: last,
    })
}

/// Events seen and not yet archived, by uid (a newer version of an event replaces the waiting one).
#[derive(Default)]
pub struct EventFeed {
    pending: Mutex<HashMap<String, EventFields>>,
    /// True once the first full list has arrived.
    listed: AtomicBool,
}

impl EventFeed {
    /// Takes every waiting event.
    pub fn take(&self) -> Vec<EventFields> {
        std::mem::take(&mut *self.pending.lock().expect("event feed"))
            .into_values()
            .collect()
    }

    /// Puts back events whose write failed, unless a newer version came in meanwhile.
    pub fn give_back(&self, events: Vec<EventFields>) {
        let mut p = self.pending.lock().expect("event feed");
        for e in events {
            p.entry(e.uid.clone()).or_insert(e);
        }
    }

    /// Events waiting.
    pub fn waiting(&self) -> usize {
        self.pending.lock().expect("event feed").len()
    }

    /// Whether the first full list has arrived.
    pub fn listed(&self) -> bool {
        self.listed.load(Ordering::Acquire)
    }

    fn offer(&self, e: &Event) {
        if let Some(f) = project(e) {
            self.pending
                .lock()
                .expect("event feed")
                .insert(f.uid.clone(), f);
        }
    }
}

/// Starts watching a cluster's events (every namespace, list-then-watch, relist on 410) into a feed.
pub fn watch(client: kube::Client, cancel: CancellationToken) -> Arc<EventFeed> {
    let feed = Arc::new(EventFeed::default());
    let out = feed.clone();
    let stream = watcher(
        Api::<Event>::all(client),
        watcher::Config::default().any_semantic(),
    )
    .default_backoff();
    tokio::spawn(async move {
        let mut stream = std::pin::pin!(stream);
        loop {
            let ev = tokio::select! {
                _ = cancel.cancelled() => break,
                ev = stream.next() => ev,
            };
            match ev {
                Some(Ok(watcher::Event::InitApply(e) | watcher::Event::Apply(e))) => feed.offer(&e),
                Some(Ok(watcher::Event::InitDone)) => feed.listed.store(true, Ordering::Release),
                // an event deleted from the cluster (its TTL) stays archived
                Some(Ok(watcher::Event::Init | watcher::Event::Delete(_))) => {}
                Some(Err(e)) => tracing::debug!("event watch: {e}"),
                None => break,
            }
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(json: serde_json::Value) -> Event {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_core_v1_event_keeps_its_count_and_times() {
        let e = event(serde_json::json!({
            "metadata": {"name": "web.1", "namespace": "shop", "uid": "u1", "creationTimestamp": "2026-11-30T08:00:00Z"},
            "involvedObject": {"kind": "Pod", "name": "web", "namespace": "shop"},
            "reason": "BackOff", "type": "Warning", "message": "Back-off restarting",
            "source": {"component": "kubelet", "host": "node-1"},
            "count": 7, "firstTimestamp": "2026-11-30T08:00:00Z", "lastTimestamp": "2026-11-30T08:10:00Z"
        }));
        let f = project(&e).unwrap();
        assert_eq!((f.count, f.series_count), (7, None));
        assert_eq!(f.last_timestamp.to_rfc3339(), "2026-11-30T08:10:00+00:00");
        assert_eq!(
            (f.source_component.as_str(), f.source_host.as_str()),
            ("kubelet", "node-1")
        );
        assert_eq!(
            (f.involved_kind.as_str(), f.involved_name.as_str()),
            ("Pod", "web")
        );
    }

    #[test]
    fn an_events_k8s_io_series_counts_by_its_series() {
        // written through events.k8s.io/v1: eventTime, series, reportingController; no count or lastTimestamp
        let e = event(serde_json::json!({
            "metadata": {"name": "web.2", "namespace": "shop", "uid": "u2"},
            "involvedObject": {"kind": "Pod", "name": "web", "namespace": "shop"},
            "reason": "Unhealthy", "type": "Warning", "message": "probe failed",
            "eventTime": "2026-11-30T08:00:00.000000Z", "reportingComponent": "kubelet",
            "series": {"count": 12, "lastObservedTime": "2026-11-30T08:30:00.000000Z"}
        }));
        let f = project(&e).unwrap();
        assert_eq!((f.count, f.series_count), (12, Some(12)));
        assert_eq!(f.first_timestamp.to_rfc3339(), "2026-11-30T08:00:00+00:00");
        assert_eq!(f.last_timestamp.to_rfc3339(), "2026-11-30T08:30:00+00:00");
        assert_eq!(f.reporting_component, "kubelet");
        assert!(
            project(&event(
                serde_json::json!({"metadata": {"name": "x"}, "involvedObject": {}})
            ))
            .is_none()
        );
    }

    #[test]
    fn a_feed_keeps_the_newest_version_of_an_event() {
        let feed = EventFeed::default();
        let mut e = event(
            serde_json::json!({"metadata": {"name": "a", "uid": "u"}, "involvedObject": {}, "count": 1}),
        );
        feed.offer(&e);
        let taken = feed.take();
        e.count = Some(2);
        feed.offer(&e);
        feed.give_back(taken);
        let now = feed.take();
        assert_eq!(now.len(), 1);
        assert_eq!(now[0].count, 2);
    }
}
