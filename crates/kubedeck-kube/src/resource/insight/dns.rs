//! The cluster DNS settings an operator edits by form (issue 15, spec 5.1 "DNS 配置管理"): CoreDNS' upstream
//! resolvers (the main server block's `forward . ...`), stub domains (server blocks of their own that forward a
//! zone to its resolvers) and host entries (a `hosts { ... fallthrough }` block), read from and written into the
//! Corefile text. Everything else in the Corefile is kept line for line. A new Corefile is checked before it is
//! offered: every address and name parses, and reading it back gives exactly the settings asked for.

use super::config::{DnsServerBlock, corefile};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};
use utoipa::ToSchema;

/// What the DNS form edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DnsSettings {
    /// Where names outside the cluster are resolved: IP addresses (optionally `:port`) or a resolv.conf path
    /// (`/etc/resolv.conf`: the node's resolvers).
    pub upstreams: Vec<String>,
    /// Zones sent to resolvers of their own.
    #[serde(default)]
    pub stub_domains: Vec<StubDomain>,
    /// Fixed answers (the `hosts` plugin; other names fall through to the rest).
    #[serde(default)]
    pub hosts: Vec<HostEntry>,
}

/// A zone and the resolvers that answer it (`corp.example:53 { forward . 10.0.0.10 }`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StubDomain {
    /// The zone (`corp.example`).
    pub domain: String,
    /// Its resolvers (IP addresses, optionally `:port`).
    pub resolvers: Vec<String>,
}

/// One line of the `hosts` block: an address and the names it answers for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HostEntry {
    /// IPv4 or IPv6 address.
    pub ip: String,
    /// Names (`registry.corp`).
    pub names: Vec<String>,
}

/// Why settings cannot be written: the form field (`upstreams[1]`, `stub_domains[0].domain`, `hosts[2].ip`,
/// `corefile`), a rule (`address`, `domain`, `required`, `no_main_block`, `round_trip`) and the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The field.
    pub field: String,
    /// The rule broken.
    pub rule: &'static str,
    /// What was sent.
    pub value: String,
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.rule {
            "address" => write!(f, "{}: '{}' is not an IP address (optionally with :port)", self.field, self.value),
            "domain" => write!(f, "{}: '{}' is not a valid DNS name", self.field, self.value),
            "required" => write!(f, "{}: at least one is needed", self.field),
            "no_main_block" => write!(f, "the Corefile has no server block for '.' to forward from"),
            _ => write!(f, "the Corefile written would not read back as these settings"),
        }
    }
}

/// The main server block: the first one that answers the root zone.
fn is_main(b: &DnsServerBlock) -> bool {
    b.zones.iter().any(|z| z == ".")
}

/// A stub domain as the reader sees one: a block for other zones with upstreams.
fn is_stub(b: &DnsServerBlock) -> bool {
    !is_main(b) && !b.upstreams.is_empty()
}

/// The settings a Corefile holds now.
pub fn settings(text: &str) -> DnsSettings {
    let blocks = corefile(text);
    let main = blocks.iter().find(|b| is_main(b));
    DnsSettings {
        upstreams: main.map(|b| b.upstreams.clone()).unwrap_or_default(),
        stub_domains: blocks
            .iter()
            .filter(|b| is_stub(b))
            .map(|b| StubDomain { domain: b.zones.first().cloned().unwrap_or_default(), resolvers: b.upstreams.clone() })
            .collect(),
        hosts: main
            .map(|b| {
                b.hosts
                    .iter()
                    .map(|l| {
                        let mut w = l.split_whitespace().map(str::to_owned);
                        HostEntry { ip: w.next().unwrap_or_default(), names: w.collect() }
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// An IP address, or one with a port (`10.0.0.1:5353`, `[fd00::1]:53`).
fn is_address(s: &str) -> bool {
    s.parse::<IpAddr>().is_ok() || s.parse::<SocketAddr>().is_ok()
}

/// A DNS name: labels of letters, digits and hyphens (not at either end), 63 characters at most each, 253 in
/// all; one trailing dot allowed.
pub fn is_domain(s: &str) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s);
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-') && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

fn invalid(field: String, rule: &'static str, value: &str) -> Invalid {
    Invalid { field, rule, value: value.to_owned() }
}

/// Every address and name of the settings, trimmed; the first one that does not parse is the error.
pub fn validate(s: &DnsSettings) -> Result<DnsSettings, Invalid> {
    let trim = |v: &[String]| v.iter().map(|x| x.trim().to_owned()).filter(|x| !x.is_empty()).collect::<Vec<_>>();
    let out = DnsSettings {
        upstreams: trim(&s.upstreams),
        stub_domains: s.stub_domains.iter().map(|d| StubDomain { domain: d.domain.trim().to_ascii_lowercase(), resolvers: trim(&d.resolvers) }).collect(),
        hosts: s.hosts.iter().map(|h| HostEntry { ip: h.ip.trim().to_owned(), names: trim(&h.names) }).collect(),
    };
    if out.upstreams.is_empty() {
        return Err(invalid("upstreams".into(), "required", ""));
    }
    for (i, u) in out.upstreams.iter().enumerate() {
        // a resolv.conf path is what kubeadm writes (`forward . /etc/resolv.conf`)
        if !(is_address(u) || (u.starts_with('/') && !u.contains(char::is_whitespace) && !u.contains(['{', '}', '#']))) {
            return Err(invalid(format!("upstreams[{i}]"), "address", u));
        }
    }
    for (i, d) in out.stub_domains.iter().enumerate() {
        if !is_domain(&d.domain) {
            return Err(invalid(format!("stub_domains[{i}].domain"), "domain", &d.domain));
        }
        if d.resolvers.is_empty() {
            return Err(invalid(format!("stub_domains[{i}].resolvers"), "required", ""));
        }
        if let Some((j, r)) = d.resolvers.iter().enumerate().find(|(_, r)| !is_address(r)) {
            return Err(invalid(format!("stub_domains[{i}].resolvers[{j}]"), "address", r));
        }
    }
    for (i, h) in out.hosts.iter().enumerate() {
        if h.ip.parse::<IpAddr>().is_err() {
            return Err(invalid(format!("hosts[{i}].ip"), "address", &h.ip));
        }
        if h.names.is_empty() {
            return Err(invalid(format!("hosts[{i}].names"), "required", ""));
        }
        if let Some((j, n)) = h.names.iter().enumerate().find(|(_, n)| !is_domain(n)) {
            return Err(invalid(format!("hosts[{i}].names[{j}]"), "domain", n));
        }
    }
    Ok(out)
}

/// One line of the Corefile as the reader takes it: comments dropped, trimmed.
fn code(line: &str) -> &str {
    line.split('#').next().unwrap_or_default().trim()
}

/// The top-level server blocks as line ranges (first line, closing line), with the nesting depth before each line.
fn block_ranges(lines: &[&str]) -> (Vec<(usize, usize)>, Vec<usize>) {
    let (mut ranges, mut depths, mut depth, mut start) = (Vec::new(), Vec::new(), 0usize, 0usize);
    for (i, l) in lines.iter().enumerate() {
        depths.push(depth);
        let c = code(l);
        if c == "}" {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                ranges.push((start, i));
            }
        } else if c.ends_with('{') {
            if depth == 0 {
                start = i;
            }
            depth += 1;
        }
    }
    (ranges, depths)
}

/// The end line of a plugin starting at `i` (itself, or the `}` closing its options).
fn plugin_end(lines: &[&str], depths: &[usize], i: usize) -> usize {
    if !code(lines[i]).ends_with('{') {
        return i;
    }
    (i + 1..lines.len()).find(|&j| depths[j] == depths[i] + 1 && code(lines[j]) == "}").unwrap_or(i)
}

/// The Corefile with the settings written in: the main block's `forward` line (its options kept) and `hosts`
/// block replaced, the stub-domain blocks replaced by the settings' ones (appended at the end); then read back.
pub fn apply(text: &str, asked: &DnsSettings) -> Result<String, Invalid> {
    let s = validate(asked)?;
    let lines: Vec<&str> = text.lines().collect();
    let (ranges, depths) = block_ranges(&lines);
    let blocks = corefile(text);
    // the reader and the ranges see the same blocks, in the same order
    let Some(main_at) = blocks.iter().position(is_main).filter(|_| blocks.len() == ranges.len()) else {
        return Err(invalid("corefile".into(), "no_main_block", ""));
    };
    let (m0, m1) = ranges[main_at];
    let indent = lines
        .get(m0 + 1..m1)
        .and_then(|ls| ls.iter().find(|l| !code(l).is_empty()))
        .map(|l| l[..l.len() - l.trim_start().len()].to_owned())
        .unwrap_or_else(|| "    ".into());
    let hosts_block = |ind: &str| -> Vec<String> {
        if s.hosts.is_empty() {
            return Vec::new();
        }
        let mut v = vec![format!("{ind}hosts {{")];
        v.extend(s.hosts.iter().map(|h| format!("{ind}    {} {}", h.ip, h.names.join(" "))));
        v.push(format!("{ind}    fallthrough"));
        v.push(format!("{ind}}}"));
        v
    };
    let mut out: Vec<String> = Vec::new();
    let (mut forward_done, mut hosts_done) = (false, false);
    let mut i = 0;
    while i < lines.len() {
        let in_main = i > m0 && i < m1 && depths[i] == 1;
        let word = code(lines[i]).split_whitespace().next().unwrap_or_default();
        if let Some(b) = ranges.iter().position(|r| r.0 == i).filter(|&b| is_stub(&blocks[b])) {
            i = ranges[b].1 + 1; // a stub domain: written again below
            continue;
        }
        if in_main && word == "hosts" {
            if !hosts_done {
                out.extend(hosts_block(&indent));
                hosts_done = true;
            }
            i = plugin_end(&lines, &depths, i) + 1;
            continue;
        }
        if in_main && matches!(word, "forward" | "proxy") && !forward_done {
            if !hosts_done {
                out.extend(hosts_block(&indent));
                hosts_done = true;
            }
            let opens = if code(lines[i]).ends_with('{') { " {" } else { "" };
            out.push(format!("{indent}forward . {}{opens}", s.upstreams.join(" ")));
            forward_done = true;
            i += 1;
            continue;
        }
        if i == m1 {
            if !hosts_done {
                out.extend(hosts_block(&indent));
                hosts_done = true;
            }
            if !forward_done {
                out.push(format!("{indent}forward . {}", s.upstreams.join(" ")));
                forward_done = true;
            }
        }
        out.push(lines[i].to_owned());
        i += 1;
    }
    for d in &s.stub_domains {
        out.push(format!("{}:53 {{", d.domain));
        out.extend(["errors".to_owned(), "cache 30".to_owned(), format!("forward . {}", d.resolvers.join(" "))].iter().map(|l| format!("{indent}{l}")));
        out.push("}".into());
    }
    let written = out.join("\n") + "\n";
    if settings(&written) != s {
        return Err(invalid("corefile".into(), "round_trip", ""));
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KUBEADM: &str = ".:53 {\n    errors\n    health {\n       lameduck 5s\n    }\n    ready\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n       ttl 30\n    }\n    prometheus :9153\n    forward . /etc/resolv.conf {\n       max_concurrent 1000\n    }\n    cache 30\n    loop\n    reload\n    loadbalance\n}\n";

    fn form() -> DnsSettings {
        DnsSettings {
            upstreams: vec!["10.0.0.2".into(), " 8.8.8.8:53 ".into()],
            stub_domains: vec![StubDomain { domain: "Corp.Example".into(), resolvers: vec!["10.150.0.1".into()] }],
            hosts: vec![HostEntry { ip: "10.0.0.5".into(), names: vec!["registry.corp".into(), "registry".into()] }],
        }
    }

    #[test]
    fn kubeadm_corefile_reads_as_its_settings() {
        assert_eq!(settings(KUBEADM), DnsSettings { upstreams: vec!["/etc/resolv.conf".into()], stub_domains: vec![], hosts: vec![] });
    }

    #[test]
    fn settings_are_written_into_the_corefile_keeping_the_rest() {
        let out = apply(KUBEADM, &form()).unwrap();
        assert_eq!(settings(&out), validate(&form()).unwrap());
        // the forward options, the kubernetes plugin and the rest are kept
        assert!(out.contains("    forward . 10.0.0.2 8.8.8.8:53 {\n       max_concurrent 1000\n    }\n"), "{out}");
        assert!(out.contains("       ttl 30\n    }\n    prometheus :9153\n    hosts {\n        10.0.0.5 registry.corp registry\n        fallthrough\n    }\n"), "{out}");
        assert!(out.ends_with("corp.example:53 {\n    errors\n    cache 30\n    forward . 10.150.0.1\n}\n"), "{out}");
        // written again with other settings: the old stub domain and host entries are gone, not doubled
        let again = DnsSettings { upstreams: vec!["/etc/resolv.conf".into()], stub_domains: vec![], hosts: vec![] };
        assert_eq!(apply(&out, &again).unwrap(), KUBEADM);
    }

    #[test]
    fn bad_addresses_and_names_name_their_field() {
        let mut f = form();
        f.upstreams[1] = "8.8.8.300".into();
        assert_eq!(apply(KUBEADM, &f).unwrap_err(), invalid("upstreams[1]".into(), "address", "8.8.8.300"));
        let mut f = form();
        f.stub_domains[0].domain = "corp_example".into();
        assert_eq!(apply(KUBEADM, &f).unwrap_err().field, "stub_domains[0].domain");
        let mut f = form();
        f.hosts[0].ip = "registry".into();
        assert_eq!(apply(KUBEADM, &f).unwrap_err().field, "hosts[0].ip");
        let mut f = form();
        f.hosts[0].names[1] = "-bad".into();
        assert_eq!(apply(KUBEADM, &f).unwrap_err().field, "hosts[0].names[1]");
        assert_eq!(apply(KUBEADM, &DnsSettings { upstreams: vec![" ".into()], ..form() }).unwrap_err().rule, "required");
        assert_eq!(apply("example.org:53 {\n    whoami\n}\n", &form()).unwrap_err().rule, "no_main_block");
        assert!(is_domain("a-b.c.") && !is_domain("a..b") && !is_domain(&"a".repeat(64)));
    }
}
