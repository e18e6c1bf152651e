//! What a simple command does, as far as the matcher cares: the program
//! behind wrappers such as `sudo`, whether curl or wget write the download
//! to stdout, and where an interpreter reads its program from.

use std::ops::Range;

use crate::parse::Command;

/// The index in `cmd.words` of the program that runs, behind `sudo`, `env`
/// and similar wrappers, with its normalised name (basename, version
/// suffix dropped: `/usr/bin/python3.12` is `python`).
pub fn program(cmd: &Command) -> Option<(usize, String)> {
    let words = &cmd.words;
    let mut i = 0;
    while i < words.len() {
        let name = normalize(&words[i].text);
        // Options of each wrapper that take a value in the next word.
        let takes_value: &[&str] = match name.as_str() {
            "sudo" => &[
                "-u", "-g", "-h", "-p", "-C", "-D", "-r", "-t", "-U", "-T", "--user", "--group",
            ],
            "doas" => &["-u", "-C"],
            "env" => &["-u", "-C", "-S", "--unset", "--chdir"],
            "nice" => &["-n", "--adjustment"],
            "timeout" => &["-s", "-k", "--signal", "--kill-after"],
            "command" | "exec" | "nohup" | "time" | "builtin" => &["-a"],
            _ => return words[i].literal.then_some((i, name)),
        };
        i += 1;
        while let Some(w) = words.get(i) {
            let t = w.text.as_str();
            if t == "--" {
                i += 1;
                break;
            }
            if name == "command" && (t == "-v" || t == "-V") {
                // `command -v x` looks a program up; it does not run it.
                return None;
            }
            if t.starts_with('-') && t.len() > 1 {
                i += if takes_value.contains(&t) { 2 } else { 1 };
            } else if (name == "env" && t.contains('='))
                || (name == "timeout" && t.starts_with(|c: char| c.is_ascii_digit()))
            {
                i += 1;
            } else {
                break;
            }
        }
    }
    None
}

/// Basename without a trailing version (`python3.12` → `python`, `bash` → `bash`).
pub fn normalize(name: &str) -> String {
    let base = name.rsplit('/').next().unwrap_or(name);
    let trimmed = base.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    if trimmed.is_empty() {
        base.to_string()
    } else {
        trimmed.to_string()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Curl,
    Wget,
}

impl Tool {
    pub fn name(self) -> &'static str {
        match self {
            Tool::Curl => "curl",
            Tool::Wget => "wget",
        }
    }
}

/// A curl or wget command that writes what it downloads to stdout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    pub tool: Tool,
    /// The URL as written, quotes removed (variables kept).
    pub url: Option<String>,
    /// Where the output file name goes in a rewrite.
    pub output: OutputSlot,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputSlot {
    /// No output option: append `-o FILE` after this offset (end of the last word).
    Append(usize),
    /// `-o -`, `-O-`, `--output-document=-`: replace this range (the `-`) with the file.
    Replace(Range<usize>),
    /// The output option cannot be rewritten in place (quoted cluster).
    Opaque,
}

const CURL_VALUE_SHORT: &str = "AbcCdDeEFHKmoPQrtTuUwxXyYz";
const CURL_VALUE_LONG: &[&str] = &[
    "--output",
    "--header",
    "--data",
    "--data-raw",
    "--data-binary",
    "--data-urlencode",
    "--user",
    "--user-agent",
    "--retry",
    "--retry-delay",
    "--retry-max-time",
    "--connect-timeout",
    "--max-time",
    "--proto",
    "--proto-redir",
    "--cacert",
    "--capath",
    "--cert",
    "--key",
    "--request",
    "--write-out",
    "--url",
    "--proxy",
    "--resolve",
    "--limit-rate",
    "--cookie",
    "--cookie-jar",
    "--referer",
    "--form",
    "--config",
    "--range",
    "--continue-at",
    "--dump-header",
    "--output-dir",
    "--interface",
    "--netrc-file",
    "--oauth2-bearer",
    "--max-filesize",
    "--stderr",
    "--trace",
    "--trace-ascii",
    "--create-file-mode",
];
const WGET_VALUE_SHORT: &str = "aeiBtTwPUQlARDXIOo";
const WGET_VALUE_LONG: &[&str] = &[
    "--output-document",
    "--output-file",
    "--append-output",
    "--execute",
    "--input-file",
    "--base",
    "--tries",
    "--timeout",
    "--wait",
    "--directory-prefix",
    "--user-agent",
    "--quota",
    "--level",
    "--accept",
    "--reject",
    "--domains",
    "--exclude-directories",
    "--include-directories",
    "--header",
    "--user",
    "--password",
    "--post-data",
    "--post-file",
    "--ca-certificate",
    "--certificate",
    "--private-key",
    "--load-cookies",
    "--save-cookies",
    "--referer",
    "--bind-address",
    "--limit-rate",
];

fn is_stdout(v: &str) -> bool {
    v == "-" || v == "/dev/stdout"
}

/// The download, if `cmd` runs curl or wget with its output on stdout.
pub fn download(cmd: &Command, src: &str) -> Option<Download> {
    let (at, name) = program(cmd)?;
    let tool = match name.as_str() {
        "curl" => Tool::Curl,
        "wget" => Tool::Wget,
        _ => return None,
    };
    let (short_values, long_values) = match tool {
        Tool::Curl => (CURL_VALUE_SHORT, CURL_VALUE_LONG),
        Tool::Wget => (WGET_VALUE_SHORT, WGET_VALUE_LONG),
    };
    let words = &cmd.words[at + 1..];
    let mut url: Option<String> = None;
    let mut first_operand: Option<String> = None;
    // curl writes to stdout unless told otherwise; wget only when told.
    let mut output: Option<OutputSlot> = match tool {
        Tool::Curl => Some(OutputSlot::Append(cmd.words.last()?.range.end)),
        Tool::Wget => None,
    };
    let stdout_slot = |value: &str, range: Option<Range<usize>>| {
        is_stdout(value).then(|| range.map_or(OutputSlot::Opaque, OutputSlot::Replace))
    };
    let mut i = 0;
    let mut options_done = false;
    while i < words.len() {
        let w = &words[i];
        let t = w.text.as_str();
        let next = words.get(i + 1);
        i += 1;
        if options_done || !t.starts_with('-') || t == "-" {
            if t.contains("://") && url.is_none() {
                url = Some(t.to_string());
            }
            first_operand.get_or_insert_with(|| t.to_string());
            continue;
        }
        if t == "--" {
            options_done = true;
            continue;
        }
        let plain = &src[w.range.clone()] == t;
        if let Some(long) = t.strip_prefix("--") {
            let (lname, inline) = match long.split_once('=') {
                Some((n, v)) => (format!("--{n}"), Some(v)),
                None => (t.to_string(), None),
            };
            let value = match inline {
                Some(v) => Some((
                    v.to_string(),
                    plain.then(|| w.range.end - v.len()..w.range.end),
                )),
                None if long_values.contains(&lname.as_str()) => {
                    i += 1;
                    next.map(|n| (n.text.clone(), Some(n.range.clone())))
                }
                None => None,
            };
            match (tool, lname.as_str()) {
                (Tool::Curl, "--output") | (Tool::Wget, "--output-document") => {
                    if let Some((v, r)) = value {
                        output = stdout_slot(&v, r);
                    }
                }
                (Tool::Curl, "--remote-name" | "--remote-name-all") => output = None,
                (_, "--url") => url = value.map(|v| v.0),
                _ => {}
            }
            continue;
        }
        // A cluster of short options; the first that takes a value takes
        // the rest of the word or the next word.
        let letters = &t[1..];
        for (k, c) in letters.char_indices() {
            if !short_values.contains(c) {
                if tool == Tool::Curl && c == 'O' {
                    output = None;
                }
                continue;
            }
            let rest = &letters[k + c.len_utf8()..];
            let (v, r) = if rest.is_empty() {
                i += 1;
                match next {
                    Some(n) => (n.text.clone(), Some(n.range.clone())),
                    None => break,
                }
            } else {
                (
                    rest.to_string(),
                    plain.then(|| w.range.end - rest.len()..w.range.end),
                )
            };
            if c == 'o' && tool == Tool::Curl || c == 'O' && tool == Tool::Wget {
                output = stdout_slot(&v, r);
            }
            break;
        }
    }
    Some(Download {
        tool,
        url: url.or(first_operand),
        output: output?,
    })
}

/// How an interpreter gets its program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Program {
    /// From stdin. `consumed_end` is the end of the last word that says so
    /// (name, `-s`, `-`, `--`, `/dev/stdin`); later words are arguments.
    Stdin { consumed_end: usize },
    /// From an option's string (`sh -c STRING`, `python -c`, `perl -e`):
    /// the index of that word in `cmd.words`, and of `$0` when present.
    Inline { word: usize, arg0: Option<usize> },
    /// From an operand: a file, or a process substitution. Index in `cmd.words`.
    Operand { word: usize },
    /// Anything else (`python -m`, no program).
    Other,
}

/// An interpreter invocation: the program name's index and how it reads its program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Runner {
    pub name_index: usize,
    pub name: String,
    pub program: Program,
    /// Option words (indices in `cmd.words`) to keep when the program
    /// becomes a file, with a replacement text when only part of the word
    /// stays (`-xs` keeps `-x`).
    pub kept_options: Vec<(usize, Option<String>)>,
}

const SHELLS: &[&str] = &[
    "sh", "bash", "zsh", "dash", "ksh", "ash", "mksh", "yash", "busybox",
];

/// The interpreter `cmd` runs, if its normalised name is in `interpreters`.
pub fn runner(cmd: &Command, interpreters: &[&str]) -> Option<Runner> {
    let (at, name) = program(cmd)?;
    if !interpreters.iter().any(|i| normalize(i) == name) {
        return None;
    }
    let shell = SHELLS.contains(&name.as_str());
    let (inline, with_value): (&str, &[&str]) = match name.as_str() {
        _ if shell => ("c", &["-o", "+o", "-O", "+O", "--rcfile", "--init-file"]),
        "python" | "pypy" => ("c", &["-W", "-X", "-Q"]),
        "perl" => ("eE", &["-I", "-M", "-m"]),
        "ruby" => ("e", &["-I", "-r", "-C", "-E"]),
        "node" | "deno" | "bun" => ("ep", &["-r", "--require"]),
        _ => ("c", &[]),
    };
    let words = &cmd.words;
    let mut kept = Vec::new();
    let mut consumed_end = words[at].range.end;
    let mut stdin_flag = false;
    let mut inline_flag = false;
    let mut i = at + 1;
    let mut ended = false;
    while let Some(w) = words.get(i) {
        let t = w.text.as_str();
        if ended || !(t.starts_with('-') || shell && t.starts_with('+')) {
            break;
        }
        if t == "--" || t == "-" {
            consumed_end = w.range.end;
            i += 1;
            ended = true;
            if t == "-" && !shell {
                // `python -`: the program is stdin.
                stdin_flag = true;
            }
            continue;
        }
        if t == "-m" && matches!(name.as_str(), "python" | "pypy") {
            return Some(Runner {
                name_index: at,
                name,
                program: Program::Other,
                kept_options: kept,
            });
        }
        if with_value.contains(&t) {
            kept.push((i, None));
            if i + 1 < words.len() {
                kept.push((i + 1, None));
            }
            consumed_end = words.get(i + 1).map_or(w.range.end, |v| v.range.end);
            i += 2;
            continue;
        }
        if t.starts_with("--") {
            if matches!(t, "--eval" | "--print") && !shell {
                inline_flag = true;
            } else {
                kept.push((i, None));
            }
            consumed_end = w.range.end;
            i += 1;
            continue;
        }
        let letters = &t[1..];
        let mut keep = String::from(&t[..1]);
        for c in letters.chars() {
            if shell && c == 's' {
                stdin_flag = true;
            } else if inline.contains(c) {
                inline_flag = true;
            } else {
                keep.push(c);
            }
        }
        if keep == t {
            kept.push((i, None));
        } else if keep.len() > 1 {
            kept.push((i, Some(keep)));
        }
        consumed_end = w.range.end;
        i += 1;
    }
    let program = if inline_flag {
        match words.get(i) {
            Some(_) => Program::Inline {
                word: i,
                arg0: (i + 1 < words.len()).then_some(i + 1),
            },
            None => Program::Other,
        }
    } else if stdin_flag {
        Program::Stdin { consumed_end }
    } else {
        match words.get(i) {
            None => Program::Stdin { consumed_end },
            Some(w) if w.text == "/dev/stdin" || w.text == "-" => Program::Stdin {
                consumed_end: w.range.end,
            },
            Some(_) => Program::Operand { word: i },
        }
    };
    Some(Runner {
        name_index: at,
        name,
        program,
        kept_options: kept,
    })
}
