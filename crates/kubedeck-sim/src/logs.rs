//! Deterministic container logs.
//!
//! A container instance writes line `n` (1-based) at the `n`-th tick of a [`Schedule`] at or after
//! the instance's start. Lines are a pure function of (pod, container, restart, n, schedule), so
//! tests can predict them and `tailLines`, `sinceSeconds` and `follow` need no stored text:
//!
//! ```text
//! 2026-11-25T21:00:00.123Z INFO pod=web-1 container=nginx restart=0 line=17 msg="GET /api/items 200 12ms"
//! ```
//!
//! A crashed instance ends with one extra `FATAL` line at its finish time.

use chrono::{DateTime, SecondsFormat, Utc};

/// Microseconds since the Unix epoch.
pub type Micros = i64;

/// One stretch of constant log rate: ticks at `from + j * interval_us` for `j >= 0`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Segment {
    from: Micros,
    /// Global index of the first tick of this segment.
    first_tick: u64,
    /// `None` while logging is paused (rate 0).
    interval_us: Option<u64>,
}

/// When log lines are written: a piecewise-constant rate that only ever changes "from now on",
/// so every line already written keeps its number and timestamp.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    segments: Vec<Segment>,
}

/// Converts lines per second into a tick interval; `None` for 0 (paused).
fn interval_for(lines_per_second: f64) -> Option<u64> {
    (lines_per_second > 0.0 && lines_per_second.is_finite())
        .then(|| ((1_000_000.0 / lines_per_second).round() as u64).max(1_000))
}

impl Schedule {
    /// A schedule with one constant rate since the epoch.
    pub fn constant(lines_per_second: f64) -> Self {
        Schedule {
            segments: vec![Segment {
                from: 0,
                first_tick: 0,
                interval_us: interval_for(lines_per_second),
            }],
        }
    }

    /// The rate currently in force, in lines per second.
    pub fn current_rate(&self) -> f64 {
        self.segments
            .last()
            .and_then(|s| s.interval_us)
            .map_or(0.0, |iv| 1_000_000.0 / iv as f64)
    }

    /// Changes the rate from `now` on.
    pub fn set_rate(&mut self, now: Micros, lines_per_second: f64) {
        let first_tick = self.ticks_before(now);
        let last = *self
            .segments
            .last()
            .expect("a schedule always has a segment");
        let segment = Segment {
            from: now.max(last.from),
            first_tick,
            interval_us: interval_for(lines_per_second),
        };
        if segment.from == last.from {
            *self.segments.last_mut().expect("checked above") = Segment {
                first_tick: last.first_tick,
                ..segment
            };
        } else {
            self.segments.push(segment);
        }
    }

    fn segment_at(&self, t: Micros) -> &Segment {
        let i = self.segments.partition_point(|s| s.from <= t);
        &self.segments[i.saturating_sub(1)]
    }

    /// Number of ticks strictly before `t`.
    pub fn ticks_before(&self, t: Micros) -> u64 {
        let s = self.segment_at(t);
        if t <= s.from {
            return s.first_tick;
        }
        match s.interval_us {
            None => s.first_tick,
            Some(iv) => s.first_tick + ((t - s.from - 1) as u64) / iv + 1,
        }
    }

    /// The time of global tick `k`.
    pub fn tick_time(&self, k: u64) -> Micros {
        let i = self.segments.partition_point(|s| s.first_tick <= k);
        // Several segments can share a first tick (paused stretches); the last of them owns it.
        let s = &self.segments[i.saturating_sub(1)];
        match s.interval_us {
            Some(iv) => s.from + ((k - s.first_tick) * iv) as Micros,
            // Unreachable for ticks that exist; keeps the function total.
            None => s.from,
        }
    }
}

/// One run of a container, as far as its log is concerned.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    pub pod: String,
    pub container: String,
    pub restart: u32,
    pub started: Micros,
    /// When it stopped, and whether it crashed (exit code != 0).
    pub finished: Option<(Micros, i32)>,
}

const MESSAGES: &[&str] = &[
    "GET /healthz 200 1ms",
    "GET /api/v1/items 200 12ms",
    "POST /api/v1/orders 201 34ms",
    "GET /api/v1/items/42 404 3ms",
    "cache refresh done entries=1280 took=48ms",
    "worker heartbeat ok queue_depth=3",
    "db pool stats open=8 idle=5 in_use=3",
    "PUT /api/v1/cart 200 18ms",
    "background job finished job=cleanup removed=17",
    "GET /metrics 200 2ms",
];

fn hash(s: &str) -> u64 {
    // FNV-1a: stable across runs and platforms, unlike std's RandomState.
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Formats a log timestamp the way the lines carry it: RFC 3339, milliseconds, `Z`.
pub fn format_millis(t: Micros) -> String {
    to_datetime(t).to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Formats a timestamp the way Kubernetes object fields carry it: RFC 3339, whole seconds, `Z`.
pub fn format_secs(t: Micros) -> String {
    to_datetime(t).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Formats a timestamp the way kubelet prefixes lines with `timestamps=true`.
pub fn format_nanos(t: Micros) -> String {
    to_datetime(t).to_rfc3339_opts(SecondsFormat::Nanos, true)
}

pub fn to_datetime(t: Micros) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t).unwrap_or_default()
}

/// Line `n` (1-based) of an instance, written at `at`.
pub fn render_line(inst: &Instance, n: u64, at: Micros) -> String {
    let h = hash(&inst.pod) ^ hash(&inst.container);
    let level = match n {
        1 => "INFO",
        n if n.is_multiple_of(97) => "ERROR",
        n if n.is_multiple_of(20) => "WARN",
        _ => "INFO",
    };
    let msg = if n == 1 {
        format!(
            "starting container {} (restart {})",
            inst.container, inst.restart
        )
    } else {
        MESSAGES[((n.wrapping_mul(7)) ^ h) as usize % MESSAGES.len()].to_string()
    };
    format!(
        "{} {level} pod={} container={} restart={} line={n} msg=\"{msg}\"",
        format_millis(at),
        inst.pod,
        inst.container,
        inst.restart
    )
}

/// The final line of a crashed instance.
pub fn render_crash_line(inst: &Instance, n: u64, at: Micros, exit_code: i32) -> String {
    format!(
        "{} FATAL pod={} container={} restart={} line={n} msg=\"simulated crash, exiting with code {exit_code}\"",
        format_millis(at),
        inst.pod,
        inst.container,
        inst.restart
    )
}

/// The window of lines an instance has written by `now`, as global tick indices `[first, end)`,
/// plus whether a crash line follows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    /// Global tick of line 1.
    pub base: u64,
    /// Global tick of the first line to return.
    pub first: u64,
    /// One past the last tick written.
    pub end: u64,
    /// Exit code of the crash line to append, if any.
    pub crash: Option<(Micros, i32)>,
}

/// What a `containerLogs` request asks for (kubelet's query parameters).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    pub tail_lines: Option<u64>,
    pub since: Option<Micros>,
    pub timestamps: bool,
    pub limit_bytes: Option<u64>,
    pub follow: bool,
}

/// Computes which lines of `inst` a request at `now` returns.
pub fn window(schedule: &Schedule, inst: &Instance, q: &Query, now: Micros) -> Window {
    let until = inst.finished.map_or(now, |(t, _)| t.min(now));
    let base = schedule.ticks_before(inst.started);
    let end = schedule.ticks_before(until).max(base);
    let crash = inst.finished.filter(|(t, code)| *code != 0 && *t <= now);
    let mut first = base;
    if let Some(since) = q.since {
        first = first.max(schedule.ticks_before(since)).min(end);
    }
    let mut crash_in = crash.filter(|(t, _)| q.since.is_none_or(|s| *t >= s));
    if let Some(tail) = q.tail_lines {
        let room = tail.saturating_sub(crash_in.is_some() as u64);
        if tail == 0 {
            crash_in = None;
        }
        first = first.max(end.saturating_sub(room));
    }
    Window {
        base,
        first,
        end,
        crash: crash_in,
    }
}

/// Renders lines `[from, to)` of a window (global ticks), with kubelet's `timestamps` prefix if asked.
pub fn render_range(
    schedule: &Schedule,
    inst: &Instance,
    base: u64,
    from: u64,
    to: u64,
    timestamps: bool,
) -> String {
    let mut out = String::with_capacity(((to - from) as usize) * 120);
    for k in from..to {
        let at = schedule.tick_time(k);
        push_line(
            &mut out,
            at,
            &render_line(inst, k - base + 1, at),
            timestamps,
        );
    }
    out
}

/// Appends one line, newline-terminated.
pub fn push_line(out: &mut String, at: Micros, text: &str, timestamps: bool) {
    if timestamps {
        out.push_str(&format_nanos(at));
        out.push(' ');
    }
    out.push_str(text);
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Micros = 1_000_000;

    fn inst(started: Micros, finished: Option<(Micros, i32)>) -> Instance {
        Instance {
            pod: "web-1".into(),
            container: "nginx".into(),
            restart: 0,
            started,
            finished,
        }
    }

    #[test]
    fn constant_rate_ticks_once_per_interval() {
        let s = Schedule::constant(1.0);
        assert_eq!(s.ticks_before(0), 0);
        assert_eq!(s.ticks_before(1), 1);
        assert_eq!(s.ticks_before(S), 1);
        assert_eq!(s.ticks_before(S + 1), 2);
        assert_eq!(s.tick_time(5), 5 * S);
    }

    #[test]
    fn rate_change_keeps_earlier_lines() {
        let mut s = Schedule::constant(1.0);
        let before: Vec<_> = (0..10).map(|k| s.tick_time(k)).collect();
        s.set_rate(10 * S + 500_000, 10.0);
        let after: Vec<_> = (0..10).map(|k| s.tick_time(k)).collect();
        assert_eq!(before, after);
        assert_eq!(s.ticks_before(11 * S), 11 + 5);
        s.set_rate(20 * S, 0.0);
        let paused = s.ticks_before(20 * S);
        assert_eq!(s.ticks_before(100 * S), paused);
        s.set_rate(100 * S, 1.0);
        assert_eq!(s.tick_time(paused), 100 * S);
    }

    #[test]
    fn tail_and_since_select_the_last_lines() {
        let s = Schedule::constant(1.0);
        let i = inst(10 * S, None);
        let all = window(&s, &i, &Query::default(), 20 * S + 1);
        assert_eq!(all.end - all.first, 11);
        let tail = window(
            &s,
            &i,
            &Query {
                tail_lines: Some(3),
                ..Default::default()
            },
            20 * S + 1,
        );
        assert_eq!((tail.first, tail.end), (18, 21));
        let since = window(
            &s,
            &i,
            &Query {
                since: Some(15 * S),
                ..Default::default()
            },
            20 * S + 1,
        );
        assert_eq!(since.first, 15);
    }

    #[test]
    fn crashed_instance_ends_with_fatal_line() {
        let s = Schedule::constant(1.0);
        let i = inst(10 * S, Some((13 * S + 1, 2)));
        let w = window(
            &s,
            &i,
            &Query {
                tail_lines: Some(2),
                ..Default::default()
            },
            99 * S,
        );
        assert_eq!((w.first, w.end, w.crash), (13, 14, Some((13 * S + 1, 2))));
        let text = render_range(&s, &i, w.base, w.first, w.end, false);
        assert_eq!(text, "1970-01-01T00:00:13.000Z INFO pod=web-1 container=nginx restart=0 line=4 msg=\"GET /api/v1/orders 201 34ms\"\n".replace("GET /api/v1/orders 201 34ms", MESSAGES[((4u64 * 7) ^ (hash("web-1") ^ hash("nginx"))) as usize % MESSAGES.len()]));
    }

    #[test]
    fn first_line_announces_the_start() {
        let i = inst(0, None);
        assert!(
            render_line(&i, 1, 0).ends_with("line=1 msg=\"starting container nginx (restart 0)\"")
        );
    }
}
