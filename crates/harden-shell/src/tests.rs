use super::*;

const H: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn matches(src: &str) -> Vec<Match> {
    find(&parse(src), src, DEFAULT_INTERPRETERS)
}

/// The one match in `src`: its source text and the rewritten script.
fn one(src: &str) -> (String, Option<String>) {
    let m = matches(src);
    assert_eq!(m.len(), 1, "{src}: {m:#?}");
    let fixed = m[0].rewrite(Some(H)).map(|e| apply(src, &e));
    (src[m[0].range.clone()].to_string(), fixed)
}

fn verified(file: &str) -> String {
    format!("echo \"{H}  {file}\" > {file}.sha256 && sha256sum -c {file}.sha256")
}

#[test]
fn pipe_into_shell_is_rewritten_to_a_checked_file() {
    let (hit, fixed) = one("curl -fsSL https://claude.ai/install.sh | bash");
    assert_eq!(hit, "curl -fsSL https://claude.ai/install.sh | bash");
    assert_eq!(
        fixed.unwrap(),
        format!(
            "curl -fsSL https://claude.ai/install.sh -o /tmp/install.sh && {} && bash /tmp/install.sh && rm -f /tmp/install.sh /tmp/install.sh.sha256",
            verified("/tmp/install.sh")
        )
    );
}

#[test]
fn stdin_flags_and_arguments() {
    let v = verified("/tmp/install.sh");
    let cases = [
        (
            "curl -sSfL https://x.io/install.sh | sh -s -- -b $(go env GOPATH)/bin v1.49.0",
            format!("curl -sSfL https://x.io/install.sh -o /tmp/install.sh && {v} && sh /tmp/install.sh -b $(go env GOPATH)/bin v1.49.0 && rm -f /tmp/install.sh /tmp/install.sh.sha256"),
        ),
        (
            "curl -sfL https://get.k3s.io | sh -s - --disable traefik || true",
            format!("curl -sfL https://get.k3s.io -o /tmp/install.sh && {v} && sh /tmp/install.sh --disable traefik && rm -f /tmp/install.sh /tmp/install.sh.sha256 || true"),
        ),
        (
            "curl -fsSL https://deb.nodesource.com/setup_22.x | sudo -E bash -",
            format!("curl -fsSL https://deb.nodesource.com/setup_22.x -o /tmp/setup_22.x && {} && sudo -E bash /tmp/setup_22.x && rm -f /tmp/setup_22.x /tmp/setup_22.x.sha256", verified("/tmp/setup_22.x")),
        ),
        (
            "curl -sSL https://aka.ms/getvsdbgsh | bash /dev/stdin -v latest",
            format!("curl -sSL https://aka.ms/getvsdbgsh -o /tmp/getvsdbgsh && {} && bash /tmp/getvsdbgsh -v latest && rm -f /tmp/getvsdbgsh /tmp/getvsdbgsh.sha256", verified("/tmp/getvsdbgsh")),
        ),
        (
            "curl -fsSL https://install.python-poetry.org | python3.12 -",
            format!("curl -fsSL https://install.python-poetry.org -o /tmp/install.py && {} && python3.12 /tmp/install.py && rm -f /tmp/install.py /tmp/install.py.sha256", verified("/tmp/install.py")),
        ),
        (
            "curl -L https://x.io/i.sh | bash -xs stable",
            format!("curl -L https://x.io/i.sh -o /tmp/i.sh && {} && bash -x /tmp/i.sh stable && rm -f /tmp/i.sh /tmp/i.sh.sha256", verified("/tmp/i.sh")),
        ),
    ];
    for (src, want) in cases {
        assert_eq!(one(src).1.unwrap(), want, "{src}");
    }
}

#[test]
fn wget_and_curl_output_to_stdout() {
    let (_, fixed) = one("wget -qO- https://x.io/a/i.sh | sh");
    assert!(fixed
        .unwrap()
        .starts_with("wget -qO/tmp/i.sh https://x.io/a/i.sh && echo"));
    let (_, fixed) = one("wget -q https://r.io/install.sh -O - | /bin/bash");
    assert!(fixed
        .unwrap()
        .starts_with("wget -q https://r.io/install.sh -O /tmp/install.sh && echo"));
    let (_, fixed) = one("curl -o- https://r.io/v0.35.2/install.sh | bash");
    assert!(fixed
        .unwrap()
        .starts_with("curl -o/tmp/install.sh https://r.io/v0.35.2/install.sh && echo"));
    let (_, fixed) = one("wget --output-document=- https://r.io/x.sh | sh");
    assert!(fixed
        .unwrap()
        .starts_with("wget --output-document=/tmp/x.sh https://r.io/x.sh && echo"));
    // Output to a file is not a pipe into the shell.
    assert!(matches("curl -fsSL https://x.io/i.sh -o i.sh | sh").is_empty());
    assert!(matches("curl -fsSLO https://x.io/i.sh | sh").is_empty());
    assert!(matches("wget https://x.io/i.sh | sh").is_empty());
}

#[test]
fn substitutions() {
    let v = verified("/tmp/install.sh");
    let (hit, fixed) =
        one("sh -c \"$(curl -fsSL https://r.io/ohmyzsh/tools/install.sh)\" \"\" --unattended");
    assert_eq!(
        hit,
        "sh -c \"$(curl -fsSL https://r.io/ohmyzsh/tools/install.sh)\" \"\" --unattended"
    );
    assert_eq!(
        fixed.unwrap(),
        format!("curl -fsSL https://r.io/ohmyzsh/tools/install.sh -o /tmp/install.sh && {v} && sh /tmp/install.sh --unattended && rm -f /tmp/install.sh /tmp/install.sh.sha256")
    );
    let (_, fixed) =
        one("sh -c \"$(wget -O- https://g.io/v1/zsh-in-docker.sh)\" -- \\\n    -p git");
    assert_eq!(
        fixed.unwrap(),
        format!("wget -O/tmp/zsh-in-docker.sh https://g.io/v1/zsh-in-docker.sh && {} && sh /tmp/zsh-in-docker.sh \\\n    -p git && rm -f /tmp/zsh-in-docker.sh /tmp/zsh-in-docker.sh.sha256", verified("/tmp/zsh-in-docker.sh"))
    );
    let (_, fixed) = one("bash <(curl -s https://x.io/y.sh) arg");
    assert_eq!(
        fixed.unwrap(),
        format!("curl -s https://x.io/y.sh -o /tmp/y.sh && {} && bash /tmp/y.sh arg && rm -f /tmp/y.sh /tmp/y.sh.sha256", verified("/tmp/y.sh"))
    );
    let (_, fixed) = one("eval \"$(curl -fsSL https://x.io/env.sh)\"");
    assert!(fixed.unwrap().contains("&& . /tmp/env.sh && rm -f"));
    let (_, fixed) = one("source <(curl -fsSL https://x.io/env.sh)");
    assert!(fixed.unwrap().contains("&& source /tmp/env.sh && rm -f"));
    let m = matches("bash < <(curl -fsSL https://x.io/a.sh)");
    assert_eq!(m.len(), 1);
    assert!(m[0].rewrite(Some(H)).is_none() && m[0].no_fix.is_some());
    let m = matches("sudo bash -c \"`curl -fsSL https://x.io/a.sh`\"");
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].kind, MatchKind::CommandSubstitution);
}

#[test]
fn context_keeps_the_meaning_of_the_list() {
    let v = verified("/tmp/i.sh");
    let (_, fixed) = one("test -x /usr/bin/x || curl https://x.io/i.sh | sh");
    assert_eq!(
        fixed.unwrap(),
        format!("test -x /usr/bin/x || {{ curl https://x.io/i.sh -o /tmp/i.sh && {v} && sh /tmp/i.sh && rm -f /tmp/i.sh /tmp/i.sh.sha256; }}")
    );
    let (_, fixed) = one("apt-get update && curl https://x.io/i.sh | sh && echo ok");
    assert_eq!(
        fixed.unwrap(),
        format!("apt-get update && curl https://x.io/i.sh -o /tmp/i.sh && {v} && sh /tmp/i.sh && rm -f /tmp/i.sh /tmp/i.sh.sha256 && echo ok")
    );
    // Inside a command substitution, an if, a subshell: still found.
    assert_eq!(matches("x=$(curl https://x.io/i.sh | sh)").len(), 1);
    assert_eq!(
        matches("if true; then curl https://x.io/i.sh | sh; fi").len(),
        1
    );
    assert_eq!(
        matches("(cd /tmp && curl https://x.io/i.sh | bash)").len(),
        1
    );
    // More commands in the pipeline: reported, not rewritten.
    let m = matches("curl https://x.io/i.sh | tee log | sh");
    assert_eq!(m.len(), 1);
    assert!(m[0].rewrite(None).is_none());
}

#[test]
fn not_matches() {
    for src in [
        "curl -fsSL https://x.io/i.sh -o /tmp/i.sh && sh /tmp/i.sh",
        "curl -fsSL https://x.io/a.tgz | tar xz",
        "curl -fsSL https://x.io/key | gpg --dearmor -o /k.gpg",
        "echo curl https://x | bash",
        "curl https://x.io/i.sh | bash script.sh",
        "curl https://x.io/i.sh | sh -c 'cat > x'",
        "python3 -m pip install x | sh",
        "command -v curl | sh",
        "# curl https://x.io/i.sh | sh",
        "echo '# curl https://x.io/i.sh | sh'",
        "echo \"curl https://x.io/i.sh | sh\"",
        "cat <<EOF > /x.sh\ncurl https://x.io/i.sh | sh\nEOF\necho done",
    ] {
        assert!(matches(src).is_empty(), "{src}: {:#?}", matches(src));
    }
}

#[test]
fn placeholder_names_the_url_and_ranges_are_exact() {
    let src = "apt-get update; curl -fsSL \"https://x.io/${V}/i.sh\" | bash";
    let m = &matches(src)[0];
    assert_eq!(
        &src[m.range.clone()],
        "curl -fsSL \"https://x.io/${V}/i.sh\" | bash"
    );
    assert_eq!(m.url.as_deref(), Some("https://x.io/${V}/i.sh"));
    assert_eq!(m.placeholder(), "<sha256 of https://x.io/${V}/i.sh>");
    let fixed = apply(src, &m.rewrite(None).unwrap());
    assert!(
        fixed.contains("echo \"<sha256 of https://x.io/${V}/i.sh>  /tmp/i.sh\""),
        "{fixed}"
    );
    let odd = "curl \"https://x.io/$(uname)/\\\"\" | sh";
    assert_eq!(
        matches(odd)[0].placeholder(),
        "<sha256 of https://x.io/_(uname)/_>"
    );
    assert!(is_sha256(H) && !is_sha256("abc"));
}

#[test]
fn rewritten_scripts_are_valid_shell() {
    let srcs = [
        "curl -fsSL https://claude.ai/install.sh | bash",
        "a || curl https://x.io/i.sh | sh",
        "sh -c \"$(curl -fsSL https://r.io/install.sh)\" \"\" --unattended",
        "bash <(curl -s https://x.io/y.sh) arg",
        "x=$(curl https://x.io/i.sh | sh); echo $x",
        "curl https://x.io/i.sh | sh &\nwait",
    ];
    for src in srcs {
        for m in matches(src) {
            for sha in [Some(H), None] {
                let Some(edits) = m.rewrite(sha) else {
                    continue;
                };
                let fixed = apply(src, &edits);
                let ok = std::process::Command::new("sh")
                    .args(["-n", "-c", &fixed])
                    .status();
                if let Ok(status) = ok {
                    assert!(status.success(), "sh -n rejects {fixed:?}");
                }
                assert!(matches(&fixed).is_empty(), "still matches: {fixed}");
            }
        }
    }
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        #[test]
        fn parse_never_panics_and_ranges_hold(s in "([a-z|&;<>()$`'\"\\\\{}# \n-]|curl |sh |\\$\\(|<\\(|<<E\n){0,40}") {
            let script = parse(&s);
            for p in &script.pipelines {
                prop_assert!(p.range.start <= p.range.end && p.range.end <= s.len());
                for c in &p.commands {
                    for w in &c.words {
                        prop_assert!(s.is_char_boundary(w.range.start) && s.is_char_boundary(w.range.end));
                    }
                }
            }
            for m in find(&script, &s, DEFAULT_INTERPRETERS) {
                if let Some(e) = m.rewrite(None) {
                    let _ = apply(&s, &e);
                }
            }
        }
    }
}

#[test]
fn hostile_input_is_bounded() {
    // Deep substitutions: parsed to a depth limit, no stack overflow.
    let deep = format!(
        "{}curl https://x.io/i.sh | sh{}",
        "$(".repeat(5_000),
        ")".repeat(5_000)
    );
    let _ = matches(&deep);
    let ticks = format!("{}x", "`".repeat(10_000));
    let _ = matches(&ticks);
    let quotes = "\"$(".repeat(3_000);
    let _ = matches(&quotes);
    // A long script parses in linear time.
    let long = "curl -fsSL https://x.io/i.sh | sh && ".repeat(20_000);
    let t = std::time::Instant::now();
    assert_eq!(matches(&long).len(), 20_000);
    assert!(t.elapsed().as_secs() < 10, "took {:?}", t.elapsed());
}
