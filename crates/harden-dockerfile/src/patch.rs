//! Builders that return the edits together with the value changes they
//! make, in the value shape of [`crate::instruction_value`].

use harden_core::{Change, Edit, Patch, ValuePath};
use serde_json::{json, Value};

use crate::{instruction_value, DockerfileDoc};

/// The value path of instruction `index`.
pub fn instruction_path(index: usize) -> ValuePath {
    ValuePath::root().child("instructions").child(index)
}

/// An instruction a fix writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewInstruction {
    User(String),
    /// Shell form; the command on one line.
    Run(String),
}

impl NewInstruction {
    fn line(&self) -> String {
        match self {
            NewInstruction::User(u) => format!("USER {u}"),
            NewInstruction::Run(c) => format!("RUN {c}"),
        }
    }

    fn value(&self) -> Value {
        match self {
            NewInstruction::User(u) => json!({"keyword": "USER", "args": u}),
            NewInstruction::Run(c) => json!({"keyword": "RUN", "shell": crate::shell_value(c)}),
        }
    }
}

impl DockerfileDoc {
    /// Insert `new` as instructions `index..`, one per line: before the
    /// instruction at `index`, or after the last one when `index` is the
    /// count. `None` when appending is impossible: the file ends inside a
    /// line continuation (see [`DockerfileDoc::append_offset`]).
    pub fn insert_instructions(&self, index: usize, new: &[NewInstruction]) -> Option<Patch> {
        let eol = self.source().line_ending.as_str();
        let (offset, text) = match self.instructions().get(index) {
            Some(ins) => (
                self.line_start_of(ins.span.start),
                new.iter().map(|n| format!("{}{eol}", n.line())).collect(),
            ),
            None => (
                self.append_offset()?,
                new.iter()
                    .map(|n| format!("{eol}{}", n.line()))
                    .collect::<String>(),
            ),
        };
        let changes = new
            .iter()
            .enumerate()
            .map(|(k, n)| Change::Insert {
                path: instruction_path(index + k),
                value: n.value(),
            })
            .collect();
        Some(Patch::new(vec![Edit::insert(offset, text)], changes))
    }

    /// Put `--name=value` first among the flags of instruction `index`.
    pub fn prepend_flag(&self, index: usize, name: &str, value: &str) -> Patch {
        let ins = &self.instructions()[index];
        let mut flags = vec![json!({"name": name, "value": value})];
        if let Some(Value::Array(old)) = instruction_value(self, ins).get("flags") {
            flags.extend(old.iter().cloned());
        }
        Patch::new(
            vec![Edit::insert(
                ins.keyword_span.end,
                format!(" --{name}={value}"),
            )],
            vec![Change::Set {
                path: instruction_path(index).child("flags"),
                value: Value::Array(flags),
            }],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use harden_core::{apply_changes, apply_edits, Document};

    fn applied(text: &str, patch: &Patch) -> String {
        let doc = DockerfileDoc::parse(text).unwrap();
        let out = apply_edits(text, &patch.edits).unwrap();
        let want = apply_changes(&doc.value(), &patch.changes).unwrap();
        assert_eq!(DockerfileDoc::parse(&out).unwrap().value(), want, "{out}");
        out
    }

    #[test]
    fn instructions_go_before_an_index_or_at_the_end() {
        let text = "FROM debian\r\nRUN true\r\nUSER app";
        let doc = DockerfileDoc::parse(text).unwrap();
        let root = NewInstruction::User("root".into());
        let run = NewInstruction::Run("rm -f /usr/bin/curl".into());
        let p = doc
            .insert_instructions(2, &[root.clone(), run.clone()])
            .unwrap();
        assert_eq!(
            applied(text, &p),
            "FROM debian\r\nRUN true\r\nUSER root\r\nRUN rm -f /usr/bin/curl\r\nUSER app"
        );
        let p = doc
            .insert_instructions(3, &[NewInstruction::User("app".into())])
            .unwrap();
        assert_eq!(
            applied(text, &p),
            "FROM debian\r\nRUN true\r\nUSER app\r\nUSER app"
        );
        let open = DockerfileDoc::parse("FROM debian\nRUN true \\\n").unwrap();
        assert_eq!(open.insert_instructions(2, &[run]), None);
    }

    #[test]
    fn a_flag_goes_first() {
        let text = "FROM debian\nADD --chown=app https://example.com/a.tgz /a.tgz\n";
        let doc = DockerfileDoc::parse(text).unwrap();
        let p = doc.prepend_flag(1, "checksum", "sha256:00");
        assert_eq!(
            applied(text, &p),
            "FROM debian\nADD --checksum=sha256:00 --chown=app https://example.com/a.tgz /a.tgz\n"
        );
    }
}
