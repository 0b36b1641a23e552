//! Splitting a multi-document YAML stream into documents whose text is kept verbatim, and
//! joining it back.
//!
//! Documents are cut where Kubernetes cuts them: apimachinery's `YAMLReader` (kubectl's and
//! Helm's resource builder) reads the stream line by line (lines end at `\n`) and takes a line
//! for a separator when it starts with `---` and the rest, without Unicode spaces, is empty
//! or a `#` comment; any other line starting with `---` stops the stream
//! ([`crate::kube::read::read`] refuses the document holding it). Each document keeps every
//! byte of its own text — its `---` line, `# Source:` comments, CRLF line ends, a leading
//! BOM — so an untouched document is written back byte for byte. Whether a render changes
//! anything is decided here once ([`changed_documents`]). It never parses a document's
//! content.

/// One document of the stream, as the exact text it had in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document<'a> {
    /// The document's bytes: its `---` line (if any), comments and content.
    pub raw: &'a str,
    /// 1-based line of the stream where `raw` starts.
    pub start_line: usize,
    /// 0-based position in the stream.
    pub index: usize,
    /// Bytes at the start of `raw` that Kubernetes' reader drops: the separator line that
    /// ended the document before (without its line break).
    kube_skip: usize,
}

/// The number a document is shown by in every message and format: 1-based, like lines
/// (`document 1` is the first), from its 0-based `index`.
pub fn document_number(index: usize) -> usize {
    index + 1
}

impl Document<'_> {
    /// This document's number as shown to users ([`document_number`]).
    pub fn number(&self) -> usize {
        document_number(self.index)
    }
}

/// apimachinery's separator test (Go's `strings.TrimSpace` trims what Rust's `trim` does).
fn is_marker(line: &str) -> bool {
    line.strip_prefix("---").is_some_and(|rest| {
        let rest = rest.trim();
        rest.is_empty() || rest.starts_with('#')
    })
}

/// How many `\n` bytes `bytes` holds. In blocks of 64 whose byte comparisons the compiler
/// sums in vector registers: a byte-at-a-time count was most of what a split cost.
fn count_newlines(bytes: &[u8]) -> usize {
    let mut blocks = bytes.chunks_exact(64);
    let mut n = 0;
    for block in &mut blocks {
        // At most 64: the sum fits in a byte.
        n += usize::from(block.iter().map(|&b| u8::from(b == b'\n')).sum::<u8>());
    }
    n + blocks.remainder().iter().filter(|&&b| b == b'\n').count()
}

/// Cuts `input` into documents. Concatenating every `raw` gives back `input` exactly.
pub fn split(input: &str) -> Vec<Document<'_>> {
    // Candidate markers are found with a substring search (fast on large streams); only
    // those at the start of a line and followed by a break count.
    let body = input.strip_prefix('\u{feff}').unwrap_or(input);
    let offset = input.len() - body.len();
    let mut cuts: Vec<usize> = Vec::new();
    if is_marker(body.split('\n').next().unwrap_or_default()) {
        cuts.push(offset);
    }
    for found in memchr::memmem::find_iter(body.as_bytes(), b"\n---") {
        let at = found + 1;
        let line_end = memchr::memchr(b'\n', &body.as_bytes()[at..]).map_or(body.len(), |e| at + e);
        if is_marker(&body[at..line_end]) {
            cuts.push(offset + at);
        }
    }
    let mut docs = Vec::with_capacity(cuts.len() + 1);
    let (mut start, mut line) = (0, 1);
    // Whether Kubernetes' reader has lines buffered when the next separator comes: if so the
    // separator ends that document and is dropped, else it becomes the next one's first line.
    let mut buffered = false;
    let mut skip = 0;
    // A marker at the very start (after a BOM) opens the first document; it does not cut.
    for cut in cuts.into_iter().filter(|&c| c > offset) {
        let raw = &input[start..cut];
        let first_line = raw.find('\n').map_or(raw.len(), |e| e + 1);
        buffered = start == 0 || buffered || raw.len() > first_line;
        docs.push(Document {
            raw,
            start_line: line,
            index: docs.len(),
            kube_skip: skip,
        });
        line += count_newlines(raw.as_bytes());
        start = cut;
        let marker = &input[cut..];
        let marker_end = marker.find('\n').map_or(marker.len(), |e| e + 1);
        let dropped = buffered;
        buffered = !dropped;
        // A dropped separator goes from go-yaml's text too, but for its line break, which
        // keeps line numbers (a blank first line changes nothing for go-yaml, where the
        // marker would: a `%` directive or `...` after it would end its document).
        skip = if !dropped {
            0
        } else if marker[marker_end..].starts_with('\u{feff}') {
            // go-yaml skips a byte-order mark at the start of its text, not after a line
            // break: the whole line goes, so that the mark starts the text.
            marker_end
        } else {
            marker[..marker_end].trim_end_matches('\n').len()
        };
    }
    if start < input.len() || docs.is_empty() {
        docs.push(Document {
            raw: &input[start..],
            start_line: line,
            index: docs.len(),
            kube_skip: skip,
        });
    }
    docs
}

/// A value's text without a trailing ` # comment`.
fn strip_comment(rest: &str) -> &str {
    match rest.find(" #") {
        Some(i) => &rest[..i],
        None => rest,
    }
}

impl<'a> Document<'a> {
    /// The text to parse: `raw` without a leading byte-order mark, and without the separator
    /// line Kubernetes drops (its line break stays, so line numbers do not move).
    pub fn parse_text(&self) -> &'a str {
        let text = self.raw[self.kube_skip..].trim_start_matches('\u{feff}');
        // After a BOM, Kubernetes' reader sees no separator on the first line, so a `--- x`
        // there is content (go-yaml skips the BOM itself): keep the BOM for it.
        let first = text.split('\n').next().unwrap_or_default();
        if text.len() != self.raw.len() - self.kube_skip
            && !is_marker(first)
            && first.starts_with("---")
        {
            return &self.raw[self.kube_skip..];
        }
        text
    }

    /// The line ending this document uses.
    pub fn newline(&self) -> &'static str {
        if self.raw.contains("\r\n") {
            "\r\n"
        } else {
            "\n"
        }
    }

    /// `kind` and `metadata.name` read from the text without parsing, when the document is
    /// plain block YAML that states them simply (`kind: X` at column 0; `name: y` directly
    /// under a column-0 `metadata:`). The answer must be what Kubernetes reads, because a
    /// document ruled out here is never parsed: so `None` (parse it) for anything that could
    /// make the two differ — JSON or flow form, quoting, anchors, a repeated or unusual
    /// top-level key (Kubernetes keeps the *last* of a repeated key; `<<` merges), and line
    /// breaks other than `\n` (a lone `\r`, NEL, LS, PS end a line for Kubernetes' reader).
    /// The name is `None` when the `metadata` block is not simple enough to be sure of it.
    pub fn quick_identity(&self) -> Option<(&'a str, Option<&'a str>)> {
        fn simple(v: &str) -> Option<&str> {
            let v = v.trim_matches(' ');
            let ok = !v.is_empty()
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c));
            ok.then_some(v)
        }
        /// `key:` followed by a space or the end: the key if it is plain word characters.
        fn key_of(line: &str) -> Option<(&str, &str)> {
            let (key, rest) = line.split_once(':')?;
            let plain = !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-._/".contains(c));
            (plain && (rest.is_empty() || rest.starts_with(' '))).then_some((key, rest))
        }
        let text = self.parse_text();
        let bytes = text.as_bytes();
        let lone_cr = memchr::memchr_iter(b'\r', bytes).any(|i| bytes.get(i + 1) != Some(&b'\n'));
        // Each of the three starts with a byte that is not ASCII: most documents are.
        let unicode_break = !text.is_ascii()
            && (memchr::memmem::find(bytes, "\u{85}".as_bytes()).is_some()
                || memchr::memmem::find(bytes, "\u{2028}".as_bytes()).is_some()
                || memchr::memmem::find(bytes, "\u{2029}".as_bytes()).is_some());
        if lone_cr || unicode_break {
            return None;
        }
        let mut kind = None;
        let mut name = None;
        let mut name_sure = true;
        let mut top_keys: Vec<&str> = Vec::new();
        let mut in_metadata = false;
        let mut metadata_indent = None;
        // `text.split('\n')`, found with `memchr` (a per-line character search costs more than
        // the rest of this scan; `\n` is ASCII, so every cut is on a character boundary).
        let ends = memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len()));
        let mut start = 0;
        for (i, end) in ends.enumerate() {
            let line = &text[start..end];
            start = end + 1;
            // An indented line outside `metadata` says nothing of the identity, whatever it
            // holds: only top-level lines and `metadata`'s are looked at.
            if !in_metadata && matches!(line.as_bytes().first(), Some(b' ' | b'\t')) {
                continue;
            }
            let line = line.strip_suffix('\r').unwrap_or(line);
            let trimmed = line.trim_start_matches([' ', '\t']);
            if trimmed.is_empty()
                || trimmed.starts_with('#')
                || (i == 0 && line.trim_end() == "---")
            {
                continue;
            }
            if line.len() == trimmed.len() {
                // A top-level line: it must be a plain `key:` seen once.
                let (key, rest) = key_of(line)?;
                // Only a repeated `kind` or `metadata` changes the identity read here.
                if matches!(key, "kind" | "metadata") && top_keys.contains(&key) {
                    return None;
                }
                top_keys.push(key);
                in_metadata = false;
                match key {
                    // Any document with `items` is a list to kubectl and Helm: parse it.
                    "items" => return None,
                    "kind" => kind = Some(simple(strip_comment(rest))?),
                    "metadata" if strip_comment(rest).trim().is_empty() => in_metadata = true,
                    "metadata" => name_sure = false,
                    _ => {}
                }
                continue;
            }
            if in_metadata {
                let indent = line.len() - trimmed.len();
                let first = *metadata_indent.get_or_insert(indent);
                if indent < first || line[..indent].contains('\t') {
                    name_sure = false;
                } else if indent == first {
                    match key_of(trimmed) {
                        Some(("name", rest)) if name.is_none() => match simple(strip_comment(rest))
                        {
                            Some(n) => name = Some(n),
                            None => name_sure = false,
                        },
                        Some((_, _)) if !trimmed.starts_with("name:") => {}
                        _ => name_sure = false,
                    }
                }
            }
        }
        Some((kind?, name.filter(|_| name_sure)))
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
            // A separator holds no content (Kubernetes' reader refuses a stream where one does).
            if is_marker(bare) {
                out.push_str(line);
                continue;
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
        push_body(&mut out, body, nl);
        for l in &lines[tail_start.max(first_content)..] {
            out.push_str(l);
        }
        out
    }
}

/// Appends `body` (LF-terminated block YAML) to a document's leading lines `out`, on a line of
/// its own, in the document's line ending `nl`.
fn push_body(out: &mut String, body: &str, nl: &str) {
    if !out.is_empty() && !out.ends_with('\n') {
        out.push_str(nl);
    }
    if nl == "\n" {
        out.push_str(body);
    } else {
        out.push_str(&body.replace('\n', nl));
    }
}

impl<'a> Document<'a> {
    /// The same document (number, line, separator) with `raw` as its text: for a document the
    /// tool rewrote in canonical form ([`Document::canonical_raw`]), which keeps the original's
    /// leading separator line, so the separator Kubernetes drops is the same.
    pub fn rewritten<'b>(&self, raw: &'b str) -> Document<'b> {
        Document {
            raw,
            start_line: self.start_line,
            index: self.index,
            kube_skip: self.kube_skip.min(raw.len()),
        }
    }

    /// The document's leading lines — its `---` separator, a byte-order mark, comments and
    /// blank lines before any content — followed by `body` (LF-terminated block YAML) in the
    /// document's own line ending. Nothing after the first content line is kept: in a
    /// document the editing parser cannot read, a line that looks like a comment may be
    /// content (a continuation line of a quoted scalar), so only what precedes all content is
    /// sure to be decoration. A directive (`%`) line is content here, as is a `---` line with
    /// something after it.
    pub fn canonical_raw(&self, body: &str) -> String {
        let nl = self.newline();
        let mut out = String::with_capacity(body.len() + 64);
        for line in self.raw.split_inclusive('\n') {
            let bare = line.trim_start_matches('\u{feff}');
            let t = bare.trim_end_matches(['\n', '\r']);
            // Only `\n`/`\r\n` line ends: elsewhere Kubernetes' reader sees more lines.
            let plain_line = !t.contains(['\r', '\u{85}', '\u{2028}', '\u{2029}']);
            let decoration = is_marker(bare)
                || t.trim_matches([' ', '\t']).is_empty()
                || t.trim_start_matches([' ', '\t']).starts_with('#');
            if !(plain_line && decoration) {
                break;
            }
            out.push_str(line);
        }
        push_body(&mut out, body, nl);
        out
    }
}

/// How many documents `output` changes: those whose text differs from the input's. The one
/// answer to "does the render change anything": `Outcome::changed` (`check --strict`) and
/// `diff` (its headers, `--exit-code`) both read it.
pub fn changed_documents(input: &str, output: &str) -> usize {
    // The same text cuts into the same documents: none differs.
    if input == output {
        return 0;
    }
    let (before, after) = (split(input), split(output));
    before
        .iter()
        .zip(&after)
        .filter(|(a, b)| a.raw != b.raw)
        .count()
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
        // `---\tc` is no separator: Kubernetes' reader refuses the stream, and so does the
        // reading of the document that holds it.
        let docs = split("a: 1\n--- # c\nb: 2\n---\tc\n");
        assert_eq!(docs.len(), 2);
        assert!(crate::kube::read::read(docs[1].parse_text()).is_err());
        // A comment right after `---`, and Unicode spaces, still make a separator.
        assert_eq!(raws("a: 1\n---#c\nb: 2\n---\u{a0}\nc: 3\n").len(), 3);
    }

    #[test]
    fn crlf_bom_and_trailing_content() {
        let input = "\u{feff}---\r\na: 1\r\n--- # c\r\n  text\r\n";
        let docs = split(input);
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].parse_text(), "---\r\na: 1\r\n");
        // Kubernetes' reader drops the separator that ends a document (its line break stays).
        assert_eq!(docs[1].parse_text(), "\n  text\r\n");
        assert_eq!(docs.iter().map(|d| d.raw).collect::<String>(), input);
    }

    #[test]
    fn newlines_are_counted_in_and_after_whole_blocks() {
        for len in [0, 1, 63, 64, 65, 130, 200] {
            let text: Vec<u8> = (0..len)
                .map(|i| if i % 3 == 0 { b'\n' } else { b'a' })
                .collect();
            let want = text.iter().filter(|&&b| b == b'\n').count();
            assert_eq!(count_newlines(&text), want, "{len}");
        }
        assert_eq!(count_newlines(&[b'\n'; 64]), 64);
    }

    #[test]
    fn empty_input_is_one_empty_document() {
        assert_eq!(raws(""), vec![""]);
    }

    #[test]
    fn quick_identity_reads_simple_documents_only() {
        let id = |t: &str| {
            split(t)[0]
                .quick_identity()
                .map(|(k, n)| (k.to_string(), n.map(str::to_string)))
        };
        let s = |k: &str, n: Option<&str>| Some((k.to_string(), n.map(str::to_string)));
        assert_eq!(id("---\n# Source: x\napiVersion: v1\nkind: Service\nmetadata:\n  labels:\n    name: no\n  name: svc\nspec: {}\n"), s("Service", Some("svc")));
        assert_eq!(
            id("kind: ConfigMap\r\nmetadata:\r\n  name: c\r\n"),
            s("ConfigMap", Some("c"))
        );
        assert_eq!(id("kind: Pod\n"), s("Pod", None));
        assert_eq!(id("{\"kind\": \"Pod\"}\n"), None);
        assert_eq!(id("--- {kind: Pod}\n"), None);
        assert_eq!(id("kind: \"Pod\"\n"), None);
        assert_eq!(id("kind: Pod\nkind: Secret\n"), None);
        assert_eq!(
            id("kind: Pod\nmetadata:\n  name: a\n  name: b\n"),
            s("Pod", None)
        );
        assert_eq!(id("metadata:\n  name: a\n"), None, "no kind");
        // Kubernetes keeps the last of a repeated key: never trust the first.
        assert_eq!(
            id("kind: Deployment\nmetadata:\n  name: a\nspec: {}\nmetadata:\n  name: b\n"),
            None
        );
        assert_eq!(id("kind: Service\nspec: {}\nkind: Deployment\n"), None);
        // Line breaks other than LF, merges, anchors and odd keys: parse to be sure.
        assert_eq!(id("kind: Service\n# c\rkind: Deployment\n"), None);
        assert_eq!(id("kind: Service\n# c\u{85}kind: Deployment\n"), None);
        assert_eq!(id("kind: Service\n<<: *base\n"), None);
        assert_eq!(id("kind: Service\n\"kind\": Deployment\n"), None);
        assert_eq!(id("kind: Service\nkind : Deployment\n"), None);
        assert_eq!(
            id("kind: Deployment\nmetadata:\n  <<: *m\n  name: a\n"),
            s("Deployment", None)
        );
        assert_eq!(
            id("kind: Deployment\nmetadata: &m\n  name: a\n"),
            s("Deployment", None)
        );
        assert_eq!(
            id("kind: Deployment\nmetadata:\n  name: &n a\n"),
            s("Deployment", None)
        );
        assert_eq!(
            id("kind: Deployment # c\nmetadata:\n  name: a # c\n"),
            s("Deployment", Some("a"))
        );
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
        let commented = &split("--- # c\nkind: A\n")[0];
        assert_eq!(commented.with_body("kind: B\n"), "--- # c\nkind: B\n");
    }
}
