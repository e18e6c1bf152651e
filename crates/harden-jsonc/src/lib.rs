//! JSONC documents: a strict parse (only comments and trailing commas are
//! allowed beyond JSON), an owned tree with byte spans into the original
//! text, and edit builders that follow the file's own layout: indentation,
//! line endings, trailing-comma style, single-line containers.

mod edit;
mod path;
mod tree;

pub use edit::{render_block, render_value, Edits};
pub use path::Layout;
pub use tree::{Member, Node, NodeKind};

use harden_core::{Document, LineEnding, ParseError, SourceText};
use serde_json::Value;

/// A parsed JSONC file. Byte ranges in the tree index the full text,
/// including a leading BOM.
#[derive(Debug, Clone)]
pub struct JsoncDoc {
    text: String,
    root: Node,
    source: SourceText,
    /// Whether the file already puts a comma after the last member or element.
    trailing_commas: bool,
}

const BOM: &str = "\u{feff}";

fn parse_options() -> jsonc_parser::ParseOptions {
    jsonc_parser::ParseOptions {
        allow_comments: true,
        allow_trailing_commas: true,
        allow_loose_object_property_names: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

impl Document for JsoncDoc {
    fn parse(text: &str) -> Result<Self, ParseError> {
        let offset = if text.starts_with(BOM) { BOM.len() } else { 0 };
        let body = &text[offset..];
        let collect = jsonc_parser::CollectOptions {
            comments: jsonc_parser::CommentCollectionStrategy::Off,
            tokens: false,
        };
        let parsed = jsonc_parser::parse_to_ast(body, &collect, &parse_options()).map_err(|e| {
            ParseError::new(e.line_display(), e.column_display(), e.kind().to_string())
        })?;
        let Some(ast) = parsed.value else {
            return Err(ParseError::new(1, 1, "the file holds no JSON value"));
        };
        let root =
            tree::build(&ast, offset).map_err(|(at, msg)| ParseError::at_offset(text, at, msg))?;
        let trailing_commas = tree::uses_trailing_commas(text, &root);
        Ok(JsoncDoc {
            text: text.to_string(),
            root,
            source: SourceText::of(text),
            trailing_commas,
        })
    }

    fn source_text(&self) -> SourceText {
        self.source
    }

    fn text(&self) -> &str {
        &self.text
    }

    fn value(&self) -> Value {
        self.root.to_value()
    }
}

impl JsoncDoc {
    pub fn root(&self) -> &Node {
        &self.root
    }

    /// Edit builders bound to this document's text and style.
    pub fn edits(&self) -> Edits<'_> {
        Edits::new(self)
    }

    pub(crate) fn eol(&self) -> &'static str {
        match self.source.line_ending {
            LineEnding::Crlf => "\r\n",
            _ => "\n",
        }
    }

    pub fn source(&self) -> SourceText {
        self.source
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_except_comments_and_trailing_commas() {
        assert!(JsoncDoc::parse("{ // c\n \"a\": [1, 2,], /* b */ }").is_ok());
        let e = JsoncDoc::parse("{\"a\": 1 \"b\": 2}").unwrap_err();
        assert_eq!(e.pos.line, 1);
        assert!(JsoncDoc::parse("{'a': 1}").is_err());
        assert!(JsoncDoc::parse("{a: 1}").is_err());
        assert!(JsoncDoc::parse("").is_err());
    }

    #[test]
    fn bom_is_skipped_and_ranges_index_the_full_text() {
        let text = "\u{feff}{\"image\": \"x\"}";
        let doc = JsoncDoc::parse(text).unwrap();
        let m = doc.root().get("image").unwrap();
        assert_eq!(&text[m.value.range.clone()], "\"x\"");
        assert!(doc.source().has_bom);
    }

    #[test]
    fn duplicate_keys_are_refused_at_the_second_key() {
        let e = JsoncDoc::parse("{\n  \"a\": 1,\n  \"a\": 2\n}").unwrap_err();
        assert_eq!(
            e.to_string(),
            "3:3: duplicate key `a` (JSON keeps only the last one; remove one before hardening)"
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "[".repeat(10_000) + &"]".repeat(10_000);
        let e = JsoncDoc::parse(&text).unwrap_err();
        assert!(e.message.contains("nesting"), "{e}");
    }

    #[test]
    fn value_ignores_comments_and_keeps_numbers() {
        let doc = JsoncDoc::parse("{/*x*/\"n\": 1.5e3, \"a\": [true, null, \"s\\n\"],}").unwrap();
        assert_eq!(
            doc.value(),
            serde_json::json!({"n": 1.5e3, "a": [true, null, "s\n"]})
        );
    }
}
