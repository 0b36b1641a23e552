//! Splitting a multi-document YAML stream into documents whose text is kept verbatim, and
//! joining it back.
//!
//! Documents are cut at `---` lines (a document marker is only legal at column 0 and cannot
//! occur inside content, so a textual cut is exact). Each document keeps every byte of its
//! own text — its `---` line, `# Source:` comments, CRLF line ends, a leading BOM — so an
//! untouched document is written back byte for byte.

/// One document of the stream, as the exact text it had in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document<'a> {
    /// The document's bytes: its `---` line (if any), comments and content.
    pub raw: &'a str,
    /// 1-based line of the stream where `raw` starts.
    pub start_line: usize,
    /// 0-based position in the stream.
    pub index: usize,
}

fn is_marker(line: &str) -> bool {
    line.strip_prefix("---")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']))
}

/// Cuts `input` into documents. Concatenating every `raw` gives back `input` exactly.
pub fn split(input: &str) -> Vec<Document<'_>> {
    let mut docs = Vec::new();
    let (mut start, mut start_line, mut line_no, mut pos) = (0, 1, 1, 0);
    for line in input.split_inclusive('\n') {
        let text = if line_no == 1 {
            line.trim_start_matches('\u{feff}')
        } else {
            line
        };
        if is_marker(text) && pos > start {
            docs.push(Document {
                raw: &input[start..pos],
                start_line,
                index: docs.len(),
            });
            start = pos;
            start_line = line_no;
        }
        pos += line.len();
        line_no += 1;
    }
    if pos > start || docs.is_empty() {
        docs.push(Document {
            raw: &input[start..],
            start_line,
            index: docs.len(),
        });
    }
    docs
}

impl Document<'_> {
    /// The text to parse: `raw` without a leading byte-order mark.
    pub fn parse_text(&self) -> &str {
        self.raw.trim_start_matches('\u{feff}')
    }

    /// The line ending this document uses.
    pub fn newline(&self) -> &'static str {
        if self.raw.contains("\r\n") {
            "\r\n"
        } else {
            "\n"
        }
    }

    /// The document with its content replaced by `body` (LF-terminated block YAML), keeping
    /// the leading `---`/comment lines and the trailing comment lines of the original.
    pub fn with_body(&self, body: &str) -> String {
        let nl = self.newline();
        let lines: Vec<&str> = self.raw.split_inclusive('\n').collect();
        let is_decoration = |l: &str| {
            let t = l.trim_start_matches('\u{feff}').trim();
            t.is_empty() || t.starts_with('#') || t.starts_with('%')
        };
        let mut out = String::with_capacity(self.raw.len() + body.len());
        let mut first_content = lines.len();
        for (i, line) in lines.iter().enumerate() {
            let bare = line.trim_start_matches('\u{feff}');
            if is_marker(bare) {
                let rest = bare[3..].trim();
                if rest.is_empty() || rest.starts_with('#') {
                    out.push_str(line);
                    continue;
                }
                // Content on the `---` line itself: keep the marker, the content is re-emitted.
                if bare.len() != line.len() {
                    out.push('\u{feff}');
                }
                out.push_str("---");
                out.push_str(nl);
                first_content = i;
                break;
            }
            if !is_decoration(line) {
                first_content = i;
                break;
            }
            out.push_str(line);
        }
        // Trailing comments / `...` at column 0 after the last content line.
        let mut tail_start = lines.len();
        while tail_start > first_content {
            let l = lines[tail_start - 1];
            let t = l.trim_end();
            if t.is_empty() || t.starts_with('#') || t == "..." {
                tail_start -= 1;
            } else {
                break;
            }
        }
        if !out.is_empty() && !out.ends_with('\n') {
            out.push_str(nl);
        }
        if nl == "\n" {
            out.push_str(body);
        } else {
            out.push_str(&body.replace('\n', nl));
        }
        for l in &lines[tail_start.max(first_content)..] {
            out.push_str(l);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raws(input: &str) -> Vec<&str> {
        split(input).into_iter().map(|d| d.raw).collect()
    }

    #[test]
    fn helm3_stream_splits_and_joins_exactly() {
        let input = "---\n# Source: c/templates/a.yaml\nkind: A\n---\n# Source: c/templates/b.yaml\nkind: B\n";
        let docs = split(input);
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].start_line, 4);
        assert_eq!(docs.iter().map(|d| d.raw).collect::<String>(), input);
    }

    #[test]
    fn marker_needs_column_zero_and_a_break() {
        assert_eq!(raws("a: 1\n ---\nb: ---x\n---x: 1\n").len(), 1);
        assert_eq!(raws("a: 1\n--- # c\nb: 2\n---\tc\n").len(), 3);
    }

    #[test]
    fn crlf_bom_and_trailing_content() {
        let input = "\u{feff}---\r\na: 1\r\n--- |\r\n  text\r\n";
        let docs = split(input);
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].parse_text(), "---\r\na: 1\r\n");
        assert_eq!(docs.iter().map(|d| d.raw).collect::<String>(), input);
    }

    #[test]
    fn empty_input_is_one_empty_document() {
        assert_eq!(raws(""), vec![""]);
    }

    #[test]
    fn with_body_keeps_decoration() {
        let doc = &split("---\n# Source: x.yaml\nkind: A\n# trailing\n")[0];
        assert_eq!(
            doc.with_body("kind: B\n"),
            "---\n# Source: x.yaml\nkind: B\n# trailing\n"
        );
        let crlf = &split("---\r\n# c\r\nkind: A\r\n")[0];
        assert_eq!(
            crlf.with_body("kind: B\nx: 1\n"),
            "---\r\n# c\r\nkind: B\r\nx: 1\r\n"
        );
        let inline = &split("--- {kind: A}\n")[0];
        assert_eq!(inline.with_body("kind: B\n"), "---\nkind: B\n");
    }
}
