//! Inline suppressions: a comment `harden-ignore: CODE[,CODE] reason` (after
//! `//`, `/*` or `#`) silences those rules for the node it stands before, or
//! for its own line when it trails code. The node is the next line with code
//! plus the lines below it that are indented deeper or continue it (`\`).

use harden_core::LineCol;

const MARKER: &str = "harden-ignore:";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub codes: Vec<String>,
    pub reason: String,
    pub at: LineCol,
    /// 1-based line range the suppression covers (inclusive).
    pub lines: (usize, usize),
}

impl Suppression {
    pub fn covers(&self, code: &str, line: usize) -> bool {
        (self.lines.0..=self.lines.1).contains(&line)
            && self.codes.iter().any(|c| c.eq_ignore_ascii_case(code))
    }
}

fn comment_start(line: &str) -> Option<usize> {
    [line.find("//"), line.find("/*"), line.find('#')]
        .into_iter()
        .flatten()
        .min()
}

fn indent(line: &str) -> usize {
    line.chars().take_while(|c| *c == ' ' || *c == '\t').count()
}

fn is_code(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && comment_start(t) != Some(0)
}

/// Suppressions in `text`, and the comments that name no reason (ignored).
pub fn suppressions(text: &str) -> (Vec<Suppression>, Vec<LineCol>) {
    if !text.contains(MARKER) {
        return (Vec::new(), Vec::new());
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    let mut unreasoned = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(c) = comment_start(line) else {
            continue;
        };
        let Some(m) = line[c..].find(MARKER) else {
            continue;
        };
        let at = LineCol {
            line: i + 1,
            col: line[..c + m].chars().count() + 1,
        };
        let rest = line[c + m + MARKER.len()..]
            .trim()
            .trim_end_matches("*/")
            .trim();
        let (codes, reason) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let codes: Vec<String> = codes
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        if codes.is_empty() || reason.trim().is_empty() {
            unreasoned.push(at);
            continue;
        }
        let trailing = !line[..c].trim().is_empty();
        let lines_covered = if trailing {
            (i + 1, i + 1)
        } else {
            match (i + 1..lines.len()).find(|&j| is_code(lines[j])) {
                None => continue,
                Some(start) => {
                    let base = indent(lines[start]);
                    let mut end = start;
                    while end + 1 < lines.len() {
                        let next = lines[end + 1];
                        let continued = lines[end].trim_end().ends_with('\\');
                        if continued
                            || (is_code(next) && indent(next) > base)
                            || (!is_code(next) && !next.trim().is_empty() && indent(next) > base)
                        {
                            end += 1;
                        } else {
                            break;
                        }
                    }
                    (start + 1, end + 1)
                }
            }
        };
        found.push(Suppression {
            codes,
            reason: reason.trim().to_string(),
            at,
            lines: lines_covered,
        });
    }
    (found, unreasoned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_to_the_next_node_or_the_trailed_line() {
        let text = "{\n  // harden-ignore: DC003 dind for tests\n  \"privileged\": true,\n  \"runArgs\": [\n    \"--privileged\" // harden-ignore: DC003,DC005 reviewed\n  ]\n}\n";
        let (s, bad) = suppressions(text);
        assert!(bad.is_empty());
        assert_eq!(s[0].lines, (3, 3));
        assert!(s[0].covers("DC003", 3) && !s[0].covers("DC003", 5));
        assert_eq!(s[1].lines, (5, 5));
        assert_eq!(s[1].codes, ["DC003", "DC005"]);
    }

    #[test]
    fn yaml_blocks_and_dockerfile_continuations() {
        let yaml = "services:\n  # harden-ignore: CP003 needs host devices\n  app:\n    image: x\n    privileged: true\n  db:\n    image: y\n";
        assert_eq!(suppressions(yaml).0[0].lines, (3, 5));
        let df = "# harden-ignore: DF001 vendor installer, pinned by digest upstream\nRUN curl -fsSL https://x/i.sh \\\n  | bash\nUSER app\n";
        assert_eq!(suppressions(df).0[0].lines, (2, 3));
    }

    #[test]
    fn a_suppression_needs_a_reason() {
        let (s, bad) = suppressions("# harden-ignore: DF001\nRUN x\n");
        assert!(s.is_empty());
        assert_eq!(bad, [LineCol { line: 1, col: 3 }]);
    }
}
