//! The small shell a simulated container answers `exec` with (see [`crate::exec`]).
//!
//! Enough of a POSIX `sh` for tests and demos to run commands end to end through the real apiserver:
//! words with single and double quotes, `$VAR`, `${VAR}` and `$?`, lists with `;`, `&&`, `||` and newlines,
//! `VAR=value`, and output redirection (`>&2`, `2>&1`, `> file`, `>> file`). Commands (all built in): `echo`,
//! `env`, `printenv`, `export`, `unset`, `ls`, `cat`, `touch`, `mkdir`, `hostname`, `pwd`, `cd`, `whoami`, `id`,
//! `uname`, `date`, `seq`, `sleep`, `stty size`, `true`, `false`, `exit [N]` and `sh`/`bash`/`ash` (`-c SCRIPT`
//! runs a nested shell). An unknown command fails like busybox's: `sh: X: not found` on stderr, exit status
//! 127. Pipes are not supported (exit status 2).
//!
//! The filesystem is small and fake: `/etc/hostname`, `/etc/hosts`, `/etc/os-release`, `/etc/resolv.conf`,
//! `/app/README`, the service account's namespace file, `/bin` (the built-in commands) and an empty `/tmp`;
//! writes land in memory for the session only.
//!
//! Running a command yields [`Effect`]s (output on a stream, or a pause for `sleep`) that the exec session
//! plays to the client in order, so this module stays synchronous and testable.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Stream numbers of the Kubernetes remote-command protocol.
pub const STDOUT: u8 = 1;
pub const STDERR: u8 = 2;

/// What running a command does, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Out(u8, Vec<u8>),
    Sleep(Duration),
}

/// What the shell knows about its container.
#[derive(Debug, Clone, Default)]
pub struct ContainerInfo {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub image: String,
    pub pod_ip: String,
    pub env: Vec<(String, String)>,
}

const BUILTINS: &[&str] = &[
    "echo", "env", "printenv", "export", "unset", "ls", "cat", "touch", "mkdir", "hostname", "pwd",
    "cd", "whoami", "id", "uname", "date", "seq", "sleep", "stty", "true", "false", "exit", "sh",
    "bash", "ash",
];

/// One shell: its variables, working directory, files and last exit status.
#[derive(Debug, Clone)]
pub struct Shell {
    vars: Vec<(String, String)>,
    cwd: String,
    files: BTreeMap<String, Vec<u8>>,
    dirs: BTreeSet<String>,
    /// `$?`.
    pub status: i32,
    /// Set by `exit`.
    pub exited: Option<i32>,
    /// Terminal size from the client's resize messages (rows, cols).
    pub size: Option<(u16, u16)>,
}

/// A word as written: literal text and variables to expand when the command runs.
#[derive(Debug, Clone, PartialEq)]
enum Part {
    Lit(String),
    Var(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(Vec<Part>),
    /// `;`, `&&`, `||`, `|` or a newline (`;`).
    Op(&'static str),
    /// `>&2`, `1>&2`: stdout goes to stderr.
    ToStderr,
    /// `2>&1`: stderr goes to stdout.
    ErrToOut,
    /// `>` / `>>` followed by a file word.
    ToFile {
        append: bool,
    },
}

impl Shell {
    pub fn new(info: &ContainerInfo, tty: bool) -> Shell {
        let mut vars = vec![
            (
                "PATH".to_owned(),
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_owned(),
            ),
            ("HOSTNAME".to_owned(), info.pod.clone()),
            ("HOME".to_owned(), "/root".to_owned()),
        ];
        if tty {
            vars.push(("TERM".to_owned(), "xterm".to_owned()));
        }
        vars.push(("KUBERNETES_SERVICE_HOST".to_owned(), "10.96.0.1".to_owned()));
        vars.push(("KUBERNETES_SERVICE_PORT".to_owned(), "443".to_owned()));
        for (k, v) in &info.env {
            vars.retain(|(n, _)| n != k);
            vars.push((k.clone(), v.clone()));
        }
        let mut files = BTreeMap::new();
        let mut add = |p: &str, text: String| files.insert(p.to_owned(), text.into_bytes());
        add("/etc/hostname", format!("{}\n", info.pod));
        add(
            "/etc/hosts",
            format!(
                "127.0.0.1\tlocalhost\n::1\tlocalhost\n{}\t{}\n",
                info.pod_ip, info.pod
            ),
        );
        add(
            "/etc/os-release",
            "NAME=\"Kubedeck Sim Linux\"\nID=kubedeck-sim\nVERSION_ID=1.0\nPRETTY_NAME=\"Kubedeck Sim Linux 1.0 (simulated container)\"\n"
                .to_owned(),
        );
        add(
            "/etc/resolv.conf",
            format!(
                "search {}.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n",
                info.namespace
            ),
        );
        add(
            "/app/README",
            format!(
                "Simulated container {} of pod {}/{} (image {}), played by kubedeck-sim.\n",
                info.container, info.namespace, info.pod, info.image
            ),
        );
        add(
            "/var/run/secrets/kubernetes.io/serviceaccount/namespace",
            info.namespace.clone(),
        );
        for b in BUILTINS {
            add(&format!("/bin/{b}"), String::new());
        }
        let mut shell = Shell {
            vars,
            cwd: "/".to_owned(),
            files,
            dirs: BTreeSet::new(),
            status: 0,
            exited: None,
            size: None,
        };
        for d in ["/", "/tmp", "/root", "/proc", "/usr/bin"] {
            shell.dirs.insert(d.to_owned());
        }
        let parents: Vec<String> = shell.files.keys().flat_map(|f| parents(f)).collect();
        shell.dirs.extend(parents);
        shell
    }

    /// The interactive prompt (busybox's: the working directory and `#`).
    pub fn prompt(&self) -> String {
        format!("{} # ", self.cwd)
    }

    fn var(&self, name: &str) -> String {
        if name == "?" {
            return self.status.to_string();
        }
        self.vars
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    fn set_var(&mut self, name: &str, value: String) {
        match self.vars.iter_mut().find(|(k, _)| k == name) {
            Some(slot) => slot.1 = value,
            None => self.vars.push((name.to_owned(), value)),
        }
    }

    fn path(&self, p: &str) -> String {
        let joined = if p.starts_with('/') {
            p.to_owned()
        } else {
            format!("{}/{p}", self.cwd.trim_end_matches('/'))
        };
        let mut parts: Vec<&str> = Vec::new();
        for seg in joined.split('/') {
            match seg {
                "" | "." => {}
                ".." => {
                    parts.pop();
                }
                s => parts.push(s),
            }
        }
        format!("/{}", parts.join("/"))
    }

    /// Runs the argv an exec request names (the container's "process").
    pub fn run_argv(&mut self, argv: &[String], fx: &mut Vec<Effect>) -> i32 {
        let words: Vec<String> = argv.to_vec();
        self.status = self.run_command(&words, fx);
        self.status
    }

    /// Runs a script (one line typed at the prompt, or `sh -c`'s argument).
    pub fn run_script(&mut self, script: &str, fx: &mut Vec<Effect>) -> i32 {
        let tokens = match tokenize(script) {
            Ok(t) => t,
            Err(e) => {
                fx.push(Effect::Out(
                    STDERR,
                    format!("sh: syntax error: {e}\n").into_bytes(),
                ));
                self.status = 2;
                return 2;
            }
        };
        let mut rest = tokens.as_slice();
        let mut skip = false;
        while !rest.is_empty() && self.exited.is_none() {
            let end = rest
                .iter()
                .position(|t| matches!(t, Token::Op(_)))
                .unwrap_or(rest.len());
            let (cmd, after) = rest.split_at(end);
            let op = after.first().cloned();
            rest = after.get(1..).unwrap_or_default();
            if matches!(op, Some(Token::Op("|"))) {
                fx.push(Effect::Out(
                    STDERR,
                    b"sh: pipes are not supported by the simulated shell\n".to_vec(),
                ));
                self.status = 2;
                return 2;
            }
            if !skip && !cmd.is_empty() {
                self.status = self.run_simple(cmd, fx);
            }
            skip = match op {
                Some(Token::Op("&&")) => self.status != 0,
                Some(Token::Op("||")) => self.status == 0,
                _ => false,
            };
        }
        self.status
    }

    fn expand(&self, word: &[Part]) -> String {
        word.iter()
            .map(|p| match p {
                Part::Lit(s) => s.clone(),
                Part::Var(v) => self.var(v),
            })
            .collect()
    }

    fn run_simple(&mut self, tokens: &[Token], fx: &mut Vec<Effect>) -> i32 {
        let mut words = Vec::new();
        let mut out_to_err = false;
        let mut err_to_out = false;
        let mut to_file: Option<(String, bool)> = None;
        let mut it = tokens.iter();
        while let Some(t) = it.next() {
            match t {
                Token::Word(w) => words.push(self.expand(w)),
                Token::ToStderr => out_to_err = true,
                Token::ErrToOut => err_to_out = true,
                Token::ToFile { append } => match it.next() {
                    Some(Token::Word(w)) => to_file = Some((self.path(&self.expand(w)), *append)),
                    _ => {
                        fx.push(Effect::Out(
                            STDERR,
                            b"sh: syntax error: missing file after >\n".to_vec(),
                        ));
                        return 2;
                    }
                },
                Token::Op(_) => {}
            }
        }
        // Leading assignments without a command set shell variables.
        while let Some((k, v)) = words.first().and_then(|w| assignment(w)) {
            if words.len() == 1 {
                self.set_var(&k, v);
                return 0;
            }
            self.set_var(&k, v);
            words.remove(0);
        }
        if words.is_empty() {
            return 0;
        }
        let mut own = Vec::new();
        let code = self.run_command(&words, &mut own);
        let mut file_text = Vec::new();
        for e in own {
            match e {
                Effect::Out(mut ch, bytes) => {
                    if ch == STDOUT && out_to_err {
                        ch = STDERR;
                    } else if ch == STDERR && err_to_out {
                        ch = if out_to_err { STDERR } else { STDOUT };
                    }
                    if ch == STDOUT && to_file.is_some() {
                        file_text.extend(bytes);
                    } else {
                        fx.push(Effect::Out(ch, bytes));
                    }
                }
                other => fx.push(other),
            }
        }
        if let Some((path, append)) = to_file {
            if self.dirs.contains(&path) {
                fx.push(Effect::Out(
                    STDERR,
                    format!("sh: can't create {path}: Is a directory\n").into_bytes(),
                ));
                return 1;
            }
            let parent = parents(&path)
                .into_iter()
                .last()
                .unwrap_or_else(|| "/".into());
            if !self.dirs.contains(&parent) {
                fx.push(Effect::Out(
                    STDERR,
                    format!("sh: can't create {path}: nonexistent directory\n").into_bytes(),
                ));
                return 1;
            }
            let slot = self.files.entry(path).or_default();
            if !append {
                slot.clear();
            }
            slot.extend(file_text);
        }
        code
    }

    /// Runs one command with its (expanded) words.
    fn run_command(&mut self, words: &[String], fx: &mut Vec<Effect>) -> i32 {
        let out = |fx: &mut Vec<Effect>, s: String| fx.push(Effect::Out(STDOUT, s.into_bytes()));
        let err = |fx: &mut Vec<Effect>, s: String| fx.push(Effect::Out(STDERR, s.into_bytes()));
        let Some(name) = words.first() else { return 0 };
        let args = &words[1..];
        let base = name.rsplit('/').next().unwrap_or(name);
        match base {
            "echo" => {
                let (newline, args) = match args.first().map(String::as_str) {
                    Some("-n") => (false, &args[1..]),
                    _ => (true, args),
                };
                let mut s = args.join(" ");
                if newline {
                    s.push('\n');
                }
                out(fx, s);
                0
            }
            "env" | "printenv" if args.is_empty() => {
                let s: String = self
                    .vars
                    .iter()
                    .map(|(k, v)| format!("{k}={v}\n"))
                    .collect();
                out(fx, s);
                0
            }
            "printenv" => {
                let mut code = 0;
                for a in args {
                    match self.vars.iter().find(|(k, _)| k == a) {
                        Some((_, v)) => out(fx, format!("{v}\n")),
                        None => code = 1,
                    }
                }
                code
            }
            "env" => {
                err(
                    fx,
                    "env: running commands through env is not supported by the simulated shell\n"
                        .into(),
                );
                125
            }
            "export" => {
                for a in args {
                    if let Some((k, v)) = assignment(a) {
                        self.set_var(&k, v);
                    }
                }
                0
            }
            "unset" => {
                self.vars.retain(|(k, _)| !args.contains(k));
                0
            }
            "ls" => {
                let long = args.iter().any(|a| a.starts_with('-') && a.contains('l'));
                let paths: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
                let targets: Vec<String> = if paths.is_empty() {
                    vec![self.cwd.clone()]
                } else {
                    paths.iter().map(|p| p.to_string()).collect()
                };
                let mut code = 0;
                for (i, t) in targets.iter().enumerate() {
                    let p = self.path(t);
                    if self.files.contains_key(&p) {
                        out(fx, format!("{}\n", self.ls_entry(&p, t, long)));
                    } else if self.dirs.contains(&p) {
                        if targets.len() > 1 {
                            out(fx, format!("{}{t}:\n", if i > 0 { "\n" } else { "" }));
                        }
                        let s: String = self
                            .children(&p)
                            .iter()
                            .map(|c| {
                                let full = self.path(&format!("{p}/{c}"));
                                format!("{}\n", self.ls_entry(&full, c, long))
                            })
                            .collect();
                        out(fx, s);
                    } else {
                        err(fx, format!("ls: {t}: No such file or directory\n"));
                        code = 1;
                    }
                }
                code
            }
            "cat" => {
                let mut code = 0;
                for a in args {
                    let p = self.path(a);
                    if let Some(content) = self.files.get(&p) {
                        fx.push(Effect::Out(STDOUT, content.clone()));
                    } else if self.dirs.contains(&p) {
                        err(fx, "cat: read error: Is a directory\n".into());
                        code = 1;
                    } else {
                        err(
                            fx,
                            format!("cat: can't open '{a}': No such file or directory\n"),
                        );
                        code = 1;
                    }
                }
                code
            }
            "touch" | "mkdir" => {
                for a in args.iter().filter(|a| !a.starts_with('-')) {
                    let p = self.path(a);
                    let parent = parents(&p).into_iter().last().unwrap_or_else(|| "/".into());
                    if !self.dirs.contains(&parent) {
                        err(fx, format!("{base}: {a}: No such file or directory\n"));
                        return 1;
                    }
                    if base == "mkdir" {
                        self.dirs.insert(p);
                    } else if !self.dirs.contains(&p) {
                        self.files.entry(p).or_default();
                    }
                }
                0
            }
            "hostname" => {
                out(fx, format!("{}\n", self.var("HOSTNAME")));
                0
            }
            "pwd" => {
                out(fx, format!("{}\n", self.cwd));
                0
            }
            "cd" => {
                let target = args.first().cloned().unwrap_or_else(|| self.var("HOME"));
                let p = self.path(&target);
                if self.dirs.contains(&p) {
                    self.cwd = p;
                    0
                } else {
                    err(
                        fx,
                        format!("sh: cd: can't cd to {target}: No such file or directory\n"),
                    );
                    2
                }
            }
            "whoami" => {
                out(fx, "root\n".into());
                0
            }
            "id" => {
                out(fx, "uid=0(root) gid=0(root) groups=0(root)\n".into());
                0
            }
            "uname" => {
                let s = if args.iter().any(|a| a == "-a") {
                    format!(
                        "Linux {} 5.10.0-kubedeck-sim #1 SMP x86_64 GNU/Linux\n",
                        self.var("HOSTNAME")
                    )
                } else {
                    "Linux\n".into()
                };
                out(fx, s);
                0
            }
            "date" => {
                out(
                    fx,
                    format!(
                        "{}\n",
                        chrono::Utc::now().format("%a %b %e %H:%M:%S UTC %Y")
                    ),
                );
                0
            }
            "seq" => {
                let n: Vec<i64> = args.iter().filter_map(|a| a.parse().ok()).collect();
                let (from, to) = match n.as_slice() {
                    [to] => (1, *to),
                    [from, to, ..] => (*from, *to),
                    _ => {
                        err(fx, "seq: missing operand\n".into());
                        return 1;
                    }
                };
                let s: String = (from..=to.min(from + 1_000_000))
                    .map(|i| format!("{i}\n"))
                    .collect();
                out(fx, s);
                0
            }
            "sleep" => match args.first().and_then(|a| a.parse::<f64>().ok()) {
                Some(s) if s.is_finite() && s >= 0.0 => {
                    fx.push(Effect::Sleep(Duration::from_secs_f64(s.min(86_400.0))));
                    0
                }
                _ => {
                    err(fx, "sleep: invalid number\n".into());
                    1
                }
            },
            "stty" if args.first().is_some_and(|a| a == "size") => match self.size {
                Some((rows, cols)) => {
                    out(fx, format!("{rows} {cols}\n"));
                    0
                }
                None => {
                    err(fx, "stty: standard input: Not a tty\n".into());
                    1
                }
            },
            "stty" => 0,
            "true" => 0,
            "false" => 1,
            "exit" => {
                let code = match args.first() {
                    None => self.status,
                    Some(a) => match a.parse::<i64>() {
                        Ok(n) => (n & 0xff) as i32,
                        Err(_) => {
                            err(fx, format!("sh: exit: Illegal number: {a}\n"));
                            2
                        }
                    },
                };
                self.exited = Some(code);
                code
            }
            "sh" | "bash" | "ash" => {
                let script = match args.first().map(String::as_str) {
                    Some("-c") => match args.get(1) {
                        Some(s) => s.clone(),
                        None => {
                            err(fx, "sh: -c requires an argument\n".into());
                            return 2;
                        }
                    },
                    // A shell with no script and no terminal here reads an empty stdin: nothing to do.
                    None => return 0,
                    Some(file) => {
                        let p = self.path(file);
                        match self.files.get(&p) {
                            Some(c) => String::from_utf8_lossy(c).into_owned(),
                            None => {
                                err(
                                    fx,
                                    format!("sh: can't open '{file}': No such file or directory\n"),
                                );
                                return 2;
                            }
                        }
                    }
                };
                let mut nested = self.clone();
                nested.exited = None;
                let code = nested.run_script(&script, fx);
                nested.exited.unwrap_or(code)
            }
            _ => {
                err(fx, format!("sh: {name}: not found\n"));
                127
            }
        }
    }

    fn children(&self, dir: &str) -> Vec<String> {
        let prefix = if dir == "/" {
            "/".to_owned()
        } else {
            format!("{dir}/")
        };
        let mut names: BTreeSet<String> = BTreeSet::new();
        for p in self.files.keys().chain(self.dirs.iter()) {
            if let Some(rest) = p.strip_prefix(&prefix)
                && !rest.is_empty()
            {
                names.insert(rest.split('/').next().unwrap_or(rest).to_owned());
            }
        }
        names.into_iter().collect()
    }

    fn ls_entry(&self, full: &str, shown: &str, long: bool) -> String {
        if !long {
            return shown.to_owned();
        }
        match self.files.get(full) {
            Some(c) => format!("-rw-r--r--    1 root     root     {:>8} {shown}", c.len()),
            None => format!("drwxr-xr-x    2 root     root     {:>8} {shown}", 4096),
        }
    }
}

/// Every ancestor directory of a path, outermost first (`/a/b/c` → `/`, `/a`, `/a/b`).
fn parents(path: &str) -> Vec<String> {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    (0..segs.len())
        .map(|i| format!("/{}", segs[..i].join("/")))
        .collect()
}

/// `NAME=value` → (NAME, value).
fn assignment(word: &str) -> Option<(String, String)> {
    let (k, v) = word.split_once('=')?;
    let valid = !k.is_empty()
        && !k.starts_with(|c: char| c.is_ascii_digit())
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    valid.then(|| (k.to_owned(), v.to_owned()))
}

fn tokenize(script: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = script.chars().collect();
    let mut tokens = Vec::new();
    let mut word: Vec<Part> = Vec::new();
    let mut in_word = false;
    let mut i = 0;
    fn lit(word: &mut Vec<Part>, c: char) {
        match word.last_mut() {
            Some(Part::Lit(s)) => s.push(c),
            _ => word.push(Part::Lit(c.to_string())),
        }
    }
    fn var(chars: &[char], i: &mut usize, word: &mut Vec<Part>) {
        // At a `$`.
        let start = *i + 1;
        match chars.get(start) {
            Some('?') => {
                word.push(Part::Var("?".into()));
                *i = start + 1;
            }
            Some('{') => {
                let end = chars[start..]
                    .iter()
                    .position(|c| *c == '}')
                    .map(|p| start + p);
                match end {
                    Some(e) => {
                        word.push(Part::Var(chars[start + 1..e].iter().collect()));
                        *i = e + 1;
                    }
                    None => {
                        lit(word, '$');
                        *i = start;
                    }
                }
            }
            Some(c) if c.is_ascii_alphabetic() || *c == '_' => {
                let mut e = start;
                while chars
                    .get(e)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
                {
                    e += 1;
                }
                word.push(Part::Var(chars[start..e].iter().collect()));
                *i = e;
            }
            _ => {
                lit(word, '$');
                *i = start;
            }
        }
    }
    let flush = |tokens: &mut Vec<Token>, word: &mut Vec<Part>, in_word: &mut bool| {
        if *in_word {
            tokens.push(Token::Word(std::mem::take(word)));
            *in_word = false;
        }
    };
    while i < chars.len() {
        let c = chars[i];
        let rest: String = chars[i..chars.len().min(i + 4)].iter().collect();
        match c {
            ' ' | '\t' | '\r' => {
                flush(&mut tokens, &mut word, &mut in_word);
                i += 1;
            }
            '#' if !in_word => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '\n' | ';' => {
                flush(&mut tokens, &mut word, &mut in_word);
                tokens.push(Token::Op(";"));
                i += 1;
            }
            '&' if rest.starts_with("&&") => {
                flush(&mut tokens, &mut word, &mut in_word);
                tokens.push(Token::Op("&&"));
                i += 2;
            }
            '|' if rest.starts_with("||") => {
                flush(&mut tokens, &mut word, &mut in_word);
                tokens.push(Token::Op("||"));
                i += 2;
            }
            '|' => {
                flush(&mut tokens, &mut word, &mut in_word);
                tokens.push(Token::Op("|"));
                i += 1;
            }
            '&' => return Err("background jobs (&) are not supported".into()),
            '2' if !in_word && rest.starts_with("2>&1") => {
                tokens.push(Token::ErrToOut);
                i += 4;
            }
            '1' if !in_word && rest.starts_with("1>&2") => {
                tokens.push(Token::ToStderr);
                i += 4;
            }
            '>' if rest.starts_with(">&2") => {
                flush(&mut tokens, &mut word, &mut in_word);
                tokens.push(Token::ToStderr);
                i += 3;
            }
            '>' => {
                flush(&mut tokens, &mut word, &mut in_word);
                let append = rest.starts_with(">>");
                tokens.push(Token::ToFile { append });
                i += if append { 2 } else { 1 };
            }
            '\'' => {
                in_word = true;
                let end = chars[i + 1..]
                    .iter()
                    .position(|c| *c == '\'')
                    .ok_or("unterminated quoted string")?;
                let s: String = chars[i + 1..i + 1 + end].iter().collect();
                word.push(Part::Lit(s));
                i += end + 2;
            }
            '"' => {
                in_word = true;
                // An empty "" still makes a word.
                word.push(Part::Lit(String::new()));
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("unterminated quoted string".into()),
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some('\\') if matches!(chars.get(i + 1), Some('"' | '\\' | '$' | '`')) => {
                            lit(&mut word, chars[i + 1]);
                            i += 2;
                        }
                        Some('$') => var(&chars, &mut i, &mut word),
                        Some(c) => {
                            lit(&mut word, *c);
                            i += 1;
                        }
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.get(i + 1)
                    && *n != '\n'
                {
                    lit(&mut word, *n);
                }
                i += 2;
            }
            '$' => {
                in_word = true;
                var(&chars, &mut i, &mut word);
            }
            c => {
                in_word = true;
                lit(&mut word, c);
                i += 1;
            }
        }
    }
    flush(&mut tokens, &mut word, &mut in_word);
    Ok(tokens)
}

/// Minimal line editing for an interactive terminal: echo, backspace, Ctrl-C, Ctrl-D, Enter; escape
/// sequences (arrow keys) are swallowed.
#[derive(Debug, Default)]
pub struct LineEditor {
    line: Vec<u8>,
    after_cr: bool,
    in_escape: bool,
}

/// What a chunk of terminal input amounts to.
#[derive(Debug, PartialEq)]
pub enum Key {
    /// Bytes to echo back.
    Echo(Vec<u8>),
    /// A completed line.
    Line(String),
    /// Ctrl-C: the line is dropped.
    Interrupt,
    /// Ctrl-D on an empty line.
    Eof,
}

impl LineEditor {
    pub fn feed(&mut self, input: &[u8]) -> Vec<Key> {
        let mut keys = Vec::new();
        let mut echo = Vec::new();
        let push_echo = |keys: &mut Vec<Key>, echo: &mut Vec<u8>| {
            if !echo.is_empty() {
                keys.push(Key::Echo(std::mem::take(echo)));
            }
        };
        for &b in input {
            let after_cr = std::mem::replace(&mut self.after_cr, false);
            if self.in_escape {
                // CSI sequences end with a byte in 0x40..=0x7e (after the `[`).
                if (0x40..=0x7e).contains(&b) && b != b'[' {
                    self.in_escape = false;
                }
                continue;
            }
            match b {
                0x1b => self.in_escape = true,
                b'\n' if after_cr => {}
                b'\r' | b'\n' => {
                    self.after_cr = b == b'\r';
                    echo.extend_from_slice(b"\r\n");
                    push_echo(&mut keys, &mut echo);
                    let line =
                        String::from_utf8_lossy(&std::mem::take(&mut self.line)).into_owned();
                    keys.push(Key::Line(line));
                }
                0x03 => {
                    self.line.clear();
                    echo.extend_from_slice(b"^C\r\n");
                    push_echo(&mut keys, &mut echo);
                    keys.push(Key::Interrupt);
                }
                0x04 if self.line.is_empty() => {
                    push_echo(&mut keys, &mut echo);
                    keys.push(Key::Eof);
                    return keys;
                }
                0x7f | 0x08 => {
                    if !self.line.is_empty() {
                        // Drop one whole UTF-8 character.
                        while let Some(last) = self.line.pop() {
                            if last & 0xc0 != 0x80 {
                                break;
                            }
                        }
                        echo.extend_from_slice(b"\x08 \x08");
                    }
                }
                b if b < 0x20 && b != b'\t' => {}
                b => {
                    self.line.push(b);
                    echo.push(b);
                }
            }
        }
        push_echo(&mut keys, &mut echo);
        keys
    }
}

/// `\n` → `\r\n`, as a terminal's output processing does.
pub fn onlcr(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 8);
    for &b in bytes {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell() -> Shell {
        Shell::new(
            &ContainerInfo {
                namespace: "ns".into(),
                pod: "web-1".into(),
                container: "app".into(),
                image: "nginx:1.19".into(),
                pod_ip: "10.0.0.7".into(),
                env: vec![("GREETING".into(), "hello world".into())],
            },
            false,
        )
    }

    fn run(sh: &mut Shell, script: &str) -> (String, String, i32) {
        let mut fx = Vec::new();
        let code = sh.run_script(script, &mut fx);
        let (mut out, mut err) = (String::new(), String::new());
        for e in fx {
            if let Effect::Out(ch, b) = e {
                let s = String::from_utf8(b).unwrap();
                if ch == STDOUT {
                    out.push_str(&s)
                } else {
                    err.push_str(&s)
                }
            }
        }
        (out, err, sh.exited.unwrap_or(code))
    }

    #[test]
    fn quoting_variables_lists_and_status() {
        let mut sh = shell();
        assert_eq!(
            run(&mut sh, "echo \"$GREETING\" 'a  $b' x\\ y"),
            ("hello world a  $b x y\n".into(), "".into(), 0)
        );
        assert_eq!(run(&mut sh, "false; echo $?"), ("1\n".into(), "".into(), 0));
        assert_eq!(
            run(&mut sh, "false && echo no || echo yes"),
            ("yes\n".into(), "".into(), 0)
        );
        assert_eq!(
            run(&mut sh, "X=1; export Y=2; echo ${X}$Y"),
            ("12\n".into(), "".into(), 0)
        );
        assert_eq!(
            run(&mut sh, "echo oops >&2; exit 3; echo never"),
            ("".into(), "oops\n".into(), 3)
        );
    }

    #[test]
    fn unknown_commands_fail_like_busybox() {
        let mut sh = shell();
        assert_eq!(
            run(&mut sh, "nope --x"),
            ("".into(), "sh: nope: not found\n".into(), 127)
        );
        assert_eq!(run(&mut sh, "echo a | cat").2, 2);
    }

    #[test]
    fn files_env_and_nested_shells() {
        let mut sh = shell();
        assert_eq!(run(&mut sh, "cat /etc/hostname").0, "web-1\n");
        assert!(run(&mut sh, "ls /").0.contains("etc\n"));
        assert!(run(&mut sh, "env").0.contains("GREETING=hello world\n"));
        assert_eq!(
            run(
                &mut sh,
                "echo hi > /tmp/x; echo there >> /tmp/x; cat /tmp/x"
            )
            .0,
            "hi\nthere\n"
        );
        assert_eq!(
            run(&mut sh, "cd /etc && pwd && cat hostname").0,
            "/etc\nweb-1\n"
        );
        assert_eq!(run(&mut sh, "sh -c 'exit 4'; echo $?").0, "4\n");
        assert_eq!(run(&mut sh, "cat /missing").2, 1);
    }

    #[test]
    fn the_line_editor_echoes_edits_and_ends_lines() {
        let mut ed = LineEditor::default();
        assert_eq!(
            ed.feed(b"ecx\x7fho\x1b[Ahi\r\n"),
            vec![
                Key::Echo(b"ecx\x08 \x08hohi\r\n".to_vec()),
                Key::Line("echohi".into())
            ]
        );
        assert_eq!(
            ed.feed(b"abc\x03"),
            vec![Key::Echo(b"abc^C\r\n".to_vec()), Key::Interrupt]
        );
        assert_eq!(ed.feed(b"\x04"), vec![Key::Eof]);
    }
}
