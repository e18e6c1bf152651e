//! `runArgs` read as `docker run` options, in both spellings
//! (`"--cap-drop=ALL"` and `"--cap-drop", "ALL"`).

use std::ops::Range;

use harden_jsonc::{JsoncDoc, Node};

/// Options of `docker run` that take a value.
const VALUED: &[&str] = &[
    "--add-host",
    "--annotation",
    "--attach",
    "-a",
    "--blkio-weight",
    "--cap-add",
    "--cap-drop",
    "--cgroup-parent",
    "--cgroupns",
    "--cidfile",
    "--cpu-period",
    "--cpu-quota",
    "--cpu-rt-period",
    "--cpu-rt-runtime",
    "--cpu-shares",
    "-c",
    "--cpus",
    "--cpuset-cpus",
    "--cpuset-mems",
    "--device",
    "--device-cgroup-rule",
    "--device-read-bps",
    "--device-read-iops",
    "--device-write-bps",
    "--device-write-iops",
    "--dns",
    "--dns-option",
    "--dns-search",
    "--domainname",
    "--entrypoint",
    "--env",
    "-e",
    "--env-file",
    "--expose",
    "--gpus",
    "--group-add",
    "--health-cmd",
    "--health-interval",
    "--health-retries",
    "--health-start-interval",
    "--health-start-period",
    "--health-timeout",
    "--hostname",
    "-h",
    "--ip",
    "--ip6",
    "--ipc",
    "--isolation",
    "--kernel-memory",
    "--label",
    "-l",
    "--label-file",
    "--link",
    "--link-local-ip",
    "--log-driver",
    "--log-opt",
    "--mac-address",
    "--memory",
    "-m",
    "--memory-reservation",
    "--memory-swap",
    "--memory-swappiness",
    "--mount",
    "--name",
    "--network",
    "--net",
    "--network-alias",
    "--net-alias",
    "--oom-score-adj",
    "--pid",
    "--pids-limit",
    "--platform",
    "--publish",
    "-p",
    "--pull",
    "--restart",
    "--runtime",
    "--security-opt",
    "--shm-size",
    "--stop-signal",
    "--stop-timeout",
    "--storage-opt",
    "--sysctl",
    "--tmpfs",
    "--ulimit",
    "--user",
    "-u",
    "--userns",
    "--uts",
    "--volume",
    "-v",
    "--volume-driver",
    "--volumes-from",
    "--workdir",
    "-w",
];

/// One option in `runArgs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunArg {
    /// The option as written, e.g. `--cap-drop` or `-m`.
    pub name: String,
    pub value: Option<String>,
    /// The array elements the option occupies (one, or two when the value
    /// is a separate element).
    pub elements: Range<usize>,
}

impl RunArg {
    /// Whether this is the option `long` (or its alias).
    pub fn is(&self, long: &str) -> bool {
        self.name == long
            || matches!(
                (long, self.name.as_str()),
                ("--memory", "-m") | ("--network", "--net") | ("--env", "-e") | ("--volume", "-v")
            )
    }
}

/// The `runArgs` array node, if the config has one.
pub fn node(doc: &JsoncDoc) -> Option<&Node> {
    let value = &doc.root().get("runArgs")?.value;
    value.elements().map(|_| value)
}

/// Parse the `runArgs` array; non-string elements are skipped.
pub fn parse(array: &Node) -> Vec<RunArg> {
    let items: Vec<Option<&str>> = array
        .elements()
        .unwrap_or(&[])
        .iter()
        .map(|n| n.as_str())
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < items.len() {
        let Some(item) = items[i] else {
            i += 1;
            continue;
        };
        if !item.starts_with('-') {
            i += 1;
            continue;
        }
        if let Some((name, value)) = item.split_once('=') {
            out.push(RunArg {
                name: name.to_string(),
                value: Some(value.to_string()),
                elements: i..i + 1,
            });
            i += 1;
        } else if VALUED.contains(&item) {
            let value = items.get(i + 1).copied().flatten();
            let span = if value.is_some() { i..i + 2 } else { i..i + 1 };
            out.push(RunArg {
                name: item.to_string(),
                value: value.map(str::to_string),
                elements: span.clone(),
            });
            i = span.end;
        } else {
            out.push(RunArg {
                name: item.to_string(),
                value: None,
                elements: i..i + 1,
            });
            i += 1;
        }
    }
    out
}

/// Parse a docker size (`8g`, `512m`, `1024`) into bytes; `-1` is unlimited.
pub fn parse_size(s: &str) -> Option<i128> {
    let s = s.trim().to_ascii_lowercase();
    if s == "-1" {
        return Some(-1);
    }
    let s = s.strip_suffix('b').unwrap_or(&s);
    let (num, mult) = match s.chars().last()? {
        'k' => (&s[..s.len() - 1], 1i128 << 10),
        'm' => (&s[..s.len() - 1], 1 << 20),
        'g' => (&s[..s.len() - 1], 1 << 30),
        't' => (&s[..s.len() - 1], 1 << 40),
        _ => (s, 1),
    };
    let n: f64 = num.parse().ok()?;
    (n >= 0.0).then_some((n * mult as f64) as i128)
}

#[cfg(test)]
mod tests {
    use super::*;
    use harden_core::Document;

    fn args(json: &str) -> Vec<RunArg> {
        let doc = JsoncDoc::parse(&format!("{{\"runArgs\": {json}}}")).unwrap();
        parse(node(&doc).unwrap())
    }

    #[test]
    fn reads_both_spellings() {
        let a = args(r#"["--cap-drop=ALL", "--cap-add", "SYS_PTRACE", "--init", "-m", "4g"]"#);
        assert_eq!(a.len(), 4);
        assert_eq!(a[0].value.as_deref(), Some("ALL"));
        assert_eq!(
            (
                a[1].name.as_str(),
                a[1].value.as_deref(),
                a[1].elements.clone()
            ),
            ("--cap-add", Some("SYS_PTRACE"), 1..3)
        );
        assert_eq!((a[2].name.as_str(), a[2].value.clone()), ("--init", None));
        assert!(a[3].is("--memory"));
    }

    #[test]
    fn a_valued_option_at_the_end_has_no_value() {
        let a = args(r#"["--network"]"#);
        assert_eq!(a[0].value, None);
        assert_eq!(a[0].elements, 0..1);
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("8g"), Some(8 << 30));
        assert_eq!(parse_size("512MB"), Some(512 << 20));
        assert_eq!(parse_size("-1"), Some(-1));
        assert_eq!(parse_size("lots"), None);
    }
}
