//! Verify before emit: the proof behind exit 0, for one document at a time.
//!
//! After the correction, every document that holds a targeted container or was changed is
//! read again the way Kubernetes reads it ([`crate::kube::read`]) and proved ([`proof`]): what
//! Kubernetes will read is the policy, and nothing else changed. A failed proof is an
//! `unverified-output` error, so nothing is written. This module decides nothing about what
//! to correct; it only checks what the correction wrote.
//!
//! A changed document is read back once: a spliced one by [`read_back`] when it is written,
//! whose reading both checks the splice and is the one the proof takes; one the emitter wrote
//! whole, by the proof.

pub mod proof;
pub mod tree;

pub use proof::{document, problems, targets, Problem, Target};

use crate::kube::libyaml::{Event, Style};
use crate::kube::{objects, read, sources, stream};
use crate::policy::Policy;
use crate::report::{self, Finding, Location};
use crate::yaml::{self, Node, Seen};

/// What Kubernetes reads of a changed document's text ([`read::read_own_output`]).
pub type ReadBack = Result<Option<serde_json::Value>, read::ReadError>;

/// Reads a changed document's text, as it will be written, once as Kubernetes reads it:
/// the reading the proof takes ([`all`]'s `read_backs`), and whether its parser events were
/// exactly `intended`, the corrected tree a splice must read back as ([`yaml::ReadsAs`]).
/// `false` is "not sure": an anchor, alias or tag, a text read more than once (patched where
/// go-yaml and libyaml differ), a byte-order mark, a line that could start another document,
/// or text between or inside the tokens that libyaml accepts and the tool's parser may not
/// ([`Between`]).
pub fn read_back(text: &str, intended: &Node) -> (ReadBack, bool) {
    // What the proof reads of a changed document (see `prove`).
    let text = text.trim_start_matches('\u{feff}');
    let mut check = yaml::ReadsAs::new(intended);
    let mut readings = 0;
    let bytes = text.as_bytes();
    let mut between = Between::new(bytes);
    let reading = read::read_own_output_observed(text, &mut |event| match event {
        None => readings += 1,
        Some(event) => {
            check.see(seen(event, bytes));
            between.see(event);
        }
    });
    let one_document = memchr::memmem::find(bytes, b"\n---").is_none()
        && memchr::memmem::find(bytes, b"\n...").is_none();
    let sure = readings == 1
        && one_document
        && !text.contains('\u{feff}')
        && matches!(reading, Ok(Some(_)))
        && check.same()
        && between.plain_to_both();
    (reading, sure)
}

/// The text around and inside the tokens of a reading, where the events say nothing: libyaml
/// is laxer there than the tool's parser (saphyr), which refuses, for one, the continuation
/// line of a flow collection or a quoted scalar indented no deeper than the block around it
/// (`a:\n  b: {c: 1,\n  d: 2}`, `a: 'b\nc'`), a comment right after a token (`a: "b"#c`,
/// `[b]#c`) and a tab where libyaml takes it for a space (`a:\tb`). Such a text reads as the
/// tree to Kubernetes, and a second render refuses it. Rather than copy saphyr's rules, a
/// reading is plain to both only where none of that can occur: a tab only inside a one-line
/// scalar; a flow collection, a quoted scalar and a scalar in a flow collection only on one
/// line; a comment only after a space or at a line's start. Anything else is left to the
/// tool's parser ([`yaml::reads_back`]): a second parse of that document, never a refusal.
struct Between<'t> {
    text: &'t [u8],
    /// Where the last token read ends: what follows up to the next one is between tokens.
    at: usize,
    /// The flow collections open.
    flow: usize,
    /// Every tab, and every `#` after something other than a space or a line break, in
    /// order: few or none, so a stretch of text is searched only when one of them is in it.
    odd: Vec<usize>,
    /// The first of `odd` not yet passed.
    next: usize,
    plain: bool,
}

impl<'t> Between<'t> {
    fn new(text: &'t [u8]) -> Self {
        let odd = memchr::memchr2_iter(b'\t', b'#', text)
            .filter(|&i| text[i] == b'\t' || i > 0 && !matches!(text[i - 1], b' ' | b'\n'))
            .collect();
        Between {
            text,
            at: 0,
            flow: 0,
            odd,
            next: 0,
            plain: true,
        }
    }

    /// Whether one of `odd` lies in `from..to`; `from` never goes back.
    fn odd_in(&mut self, from: usize, to: usize) -> bool {
        while self.odd.get(self.next).is_some_and(|&i| i < from) {
            self.next += 1;
        }
        self.odd.get(self.next).is_some_and(|&i| i < to)
    }

    fn see(&mut self, event: &Event) {
        if !self.plain {
            return;
        }
        self.plain = match event {
            Event::Scalar { span, .. } => self.upto(span.0) && self.scalar(*span),
            Event::SequenceStart { flow, start, .. } | Event::MappingStart { flow, start, .. } => {
                let plain = self.upto(*start);
                if *flow {
                    // Past its bracket.
                    self.flow += 1;
                    self.at = self.at.max(*start + 1);
                }
                plain
            }
            // A block collection ends where the next token starts; a flow one at its bracket.
            Event::SequenceEnd | Event::MappingEnd => self.flow == 0 || self.close(),
            Event::Alias(_)
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart
            | Event::DocumentEnd => true,
        };
    }

    /// Whether the text from the last token to `to` holds only what both parsers read
    /// alike: no tab; inside a flow collection, no line break or comment; else comments only
    /// after a space or a line break.
    fn upto(&mut self, to: usize) -> bool {
        let from = self.at;
        let Some(gap) = self.text.get(from..to) else {
            // An empty scalar stands at its indicator: nothing between.
            return true;
        };
        self.at = to;
        let plain = !self.odd_in(from, to)
            || memchr::memchr(b'\t', gap).is_none() && comments_follow_space(self.text, from, to);
        plain && (self.flow == 0 || memchr::memchr2(b'\n', b'#', gap).is_none())
    }

    /// A scalar at `span`: a quoted one, or any inside a flow collection, on one line; a block
    /// one whose header holds no tab and no comment glued to it; a plain one over lines with
    /// no tab.
    fn scalar(&mut self, (start, end): (usize, usize)) -> bool {
        let Some(s) = self.text.get(start..end) else {
            return false;
        };
        self.at = self.at.max(end);
        let one_line = |s: &[u8]| memchr::memchr(b'\n', s).is_none();
        match s.first() {
            _ if self.flow > 0 => one_line(s),
            Some(b'"' | b'\'') => one_line(s),
            _ if !self.odd_in(start, end) => true,
            Some(b'|' | b'>') => {
                let header = memchr::memchr(b'\n', s).map_or(end, |l| start + l);
                memchr::memchr(b'\t', s).is_none()
                    && comments_follow_space(self.text, start, header)
            }
            _ => one_line(s) || memchr::memchr(b'\t', s).is_none(),
        }
    }

    /// The end of the innermost flow collection open: its bracket, after only spaces and
    /// commas on the same line.
    fn close(&mut self) -> bool {
        self.flow -= 1;
        let rest = self.text.get(self.at..).unwrap_or_default();
        match rest.iter().position(|c| !matches!(c, b' ' | b',')) {
            Some(i) if matches!(rest[i], b']' | b'}') => {
                self.at += i + 1;
                true
            }
            _ => false,
        }
    }

    /// Whether the whole reading was plain to both: the text after its last token too.
    fn plain_to_both(&mut self) -> bool {
        self.plain && self.upto(self.text.len())
    }
}

/// Whether every comment starting in `text[from..to]` follows a space or a line break (or
/// starts the text): libyaml also takes `#` right after a token (`"a"#b`) for a comment.
fn comments_follow_space(text: &[u8], from: usize, to: usize) -> bool {
    let mut at = from;
    while let Some(i) = memchr::memchr(b'#', &text[at..to]) {
        let hash = at + i;
        if hash > 0 && !matches!(text[hash - 1], b' ' | b'\n') {
            return false;
        }
        // The rest of the line is the comment's.
        match memchr::memchr(b'\n', &text[hash..to]) {
            Some(l) => at = hash + l,
            None => return true,
        }
    }
    true
}

/// A libyaml event as [`yaml::ReadsAs`] follows it. A collection's tag is not in its event:
/// its node starts at the tag then (a plain key cannot start with `!`).
fn seen<'e>(event: &'e Event, text: &[u8]) -> Seen<'e> {
    let tagged = |start: &usize| text.get(*start) == Some(&b'!');
    match event {
        Event::StreamStart | Event::StreamEnd | Event::DocumentStart | Event::DocumentEnd => {
            Seen::Document
        }
        Event::Scalar {
            anchor: None,
            tag: None,
            value,
            style,
            ..
        } => Seen::Scalar {
            value,
            plain: *style == Style::Plain,
        },
        Event::SequenceStart {
            anchor: None,
            start,
            ..
        } if !tagged(start) => Seen::SeqStart,
        Event::MappingStart {
            anchor: None,
            start,
            ..
        } if !tagged(start) => Seen::MapStart,
        Event::SequenceEnd => Seen::SeqEnd,
        Event::MappingEnd => Seen::MapEnd,
        _ => Seen::Other,
    }
}

/// The proof for one document that holds a targeted container or was changed (see
/// [`proof`]): that what Kubernetes will read is the policy and nothing else changed; its
/// findings, empty when it holds. A failure is an error finding, so nothing is written.
/// `before`: Kubernetes' reading of the document; `after_text`: what is written in its place,
/// if anything; `read_back`: what Kubernetes reads of that text when it was read already
/// ([`read_back`]), which is not read again. The caller proves each document, in any order.
pub fn prove(
    doc: &stream::Document,
    before: &serde_json::Value,
    after_text: Option<&str>,
    read_back: Option<&ReadBack>,
    policy: &Policy,
    inventory: &sources::Inventory,
    services: &crate::kube::env::ServiceLinks,
) -> Vec<Finding> {
    let fail = |problem: &str| vec![unverified(doc, before, problem.to_string(), None)];
    let fresh;
    let after = match after_text {
        None if targets(before, policy).is_empty() => return Vec::new(),
        None => before,
        // Readers disagree on where lines end there, and the tool keeps leading and trailing
        // comment lines verbatim: a "comment" could hold content twice.
        Some(_) if odd_line_break(doc).is_some() => {
            return fail(
                "the document would be rewritten, and it holds a line break other than \\n",
            )
        }
        // Read back as Kubernetes does, with no key written twice: the tool's own parser must
        // read it too (a second render changes nothing).
        Some(t) => match read_back {
            Some(Ok(Some(v))) => v,
            None => match read::read_own_output(t.trim_start_matches('\u{feff}')) {
                Ok(Some(v)) => {
                    fresh = v;
                    &fresh
                }
                Ok(None) | Err(_) => return fail("the corrected document cannot be read back"),
            },
            Some(Ok(None) | Err(_)) => return fail("the corrected document cannot be read back"),
        },
    };
    problems(before, after, policy, inventory, services)
        .into_iter()
        .map(|p| {
            let help = p.help.map(|h| format!("nothing was written. {h}"));
            match p.unfit {
                Some(at) => unfit(doc, before, at, p.message, help),
                None => unverified(doc, before, p.message, help),
            }
        })
        .collect()
}

/// An `env-too-long` error (a targeted container that never starts, for a variable longer than
/// Linux lets a process have) or an `env-not-text` one (a variable Kubernetes' expansion makes
/// into bytes that are not UTF-8): [`proof::UnfitAt`].
fn unfit(
    doc: &stream::Document,
    object: &serde_json::Value,
    at: proof::UnfitAt,
    message: String,
    help: Option<String>,
) -> Finding {
    let object = objects::ObjectRef::of_json(object, objects::source_comment(doc.raw));
    let code = match at.why {
        objects::Unrepresentable::TooLong => report::ENV_TOO_LONG,
        objects::Unrepresentable::NotUtf8 => report::ENV_NOT_TEXT,
    };
    let mut f = Finding::new(code, message).at(Location {
        document: doc.index,
        line: doc.start_line,
        object,
        container: Some(at.container),
        variable: Some(at.variable),
    });
    f.help = help;
    f
}

/// The stream line of the first line break other than `\n`/`\r\n` in a document (a lone
/// carriage return, U+0085, U+2028, U+2029): Kubernetes' reader ends a line there.
fn odd_line_break(doc: &stream::Document) -> Option<usize> {
    let bytes = doc.raw.as_bytes();
    // Byte searches (the UTF-8 of each break): a walk over every character costs far more.
    let lone_cr = memchr::memchr_iter(b'\r', bytes).find(|&i| bytes.get(i + 1) != Some(&b'\n'));
    let first = ["\u{85}", "\u{2028}", "\u{2029}"]
        .iter()
        .filter_map(|c| memchr::memmem::find(bytes, c.as_bytes()))
        .chain(lone_cr)
        .min()?;
    Some(doc.start_line + memchr::memchr_iter(b'\n', &bytes[..first]).count())
}

/// An `unverified-output` error; `help` is the proof's own advice for the problem, else it is
/// the line-break or YAML advice (what makes a proof fail that the rules did not foresee).
fn unverified(
    doc: &stream::Document,
    object: &serde_json::Value,
    problem: String,
    help: Option<String>,
) -> Finding {
    let object = objects::ObjectRef::of_json(object, objects::source_comment(doc.raw));
    let help = match odd_line_break(doc) {
        _ if help.is_some() => help.unwrap_or_default(),
        Some(line) => format!("nothing was written. Line {line} holds a line break other than \\n (a lone carriage return, U+0085, U+2028 or U+2029): Kubernetes' YAML reader starts a new line there, so text that looks like a comment is read as content. Remove it from the chart"),
        None => "nothing was written. The document relies on YAML that hides values from the tool or that readers disagree on (anchors and aliases, `<<` merge keys): write the apiserver workload out plainly in the chart".to_string(),
    };
    Finding::new(report::UNVERIFIED_OUTPUT, problem)
        .help(help)
        .at(Location {
            document: doc.index,
            line: doc.start_line,
            object,
            container: None,
            variable: None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(text: &str) -> Node {
        yaml::parse(text).unwrap().unwrap()
    }

    #[test]
    fn the_first_odd_line_break_is_found_with_its_line() {
        let at = |raw: &str| {
            let docs = stream::split(raw);
            odd_line_break(docs.last().unwrap())
        };
        assert_eq!(at("a: 1\r\nb: 2\n"), None);
        assert_eq!(at("a: 1\nb: 2\rc\n"), Some(2));
        assert_eq!(at("a: 1\r\nb: \u{2029}\nc: \u{85}\rd\n"), Some(2));
        assert_eq!(at("a: 1\n---\nb: 1\nc: \u{2028}"), Some(4));
        assert_eq!(at("a: \r"), Some(1));
    }

    #[test]
    fn one_reading_is_the_proofs_and_says_whether_it_is_the_tree() {
        let text = "---\nkind: A\nenv:\n- name: X\n  value: 'on'\n";
        let (reading, sure) = read_back(text, &tree(text));
        assert!(sure);
        assert_eq!(reading, read::read_own_output(text));
        // Another tree, or the same one quoted otherwise: not the tree.
        assert!(!read_back(text, &tree("kind: A\nenv: []\n")).1);
        assert!(!read_back(text, &tree(&text.replace("'on'", "on"))).1);
        // A byte-order mark before the text is not read (as the proof does not).
        assert!(read_back(&format!("\u{feff}{text}"), &tree(text)).1);
    }

    #[test]
    fn what_the_events_do_not_show_is_left_to_the_tools_parser() {
        for text in [
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "a: !!map {b: 1}\n",
            "a: !!seq\n- 1\n",
            "a: 1\n---\na: 1\n",
            "a: 1\n...\n",
            "a: \"x\u{feff}\"\n",
            // Read again where go-yaml and libyaml differ.
            "a: {b:}\n",
        ] {
            // The tree of the first document: the tool's parser reads no second one.
            let first = text.split("\n---").next().unwrap_or(text);
            let (reading, sure) = read_back(text, &tree(first));
            assert!(!sure, "{text}");
            assert_eq!(reading, read::read_own_output(text), "{text}");
        }
        // Nothing Kubernetes reads, or a reading that fails: never sure.
        assert!(!read_back("a: 1\na: 2\n", &tree("a: 1\n")).1);
        assert!(!read_back("# none\n", &tree("a: 1\n")).1);
    }

    #[test]
    fn what_libyaml_alone_reads_as_the_tree_is_left_to_the_tools_parser() {
        // (text, the tree it is meant to be): Kubernetes reads each as the tree, the tool's
        // parser refuses it.
        for (text, meant) in [
            // Continuation lines of flow collections and quoted scalars, not indented enough.
            ("a: {\nb: 1}\n", "a: {b: 1}\n"),
            ("x:\n  a: {\nb: 1}\n", "x:\n  a: {b: 1}\n"),
            ("x:\n  a: [\nb]\n", "x:\n  a: [b]\n"),
            ("x:\n  a: [b,\n  c]\n", "x:\n  a: [b, c]\n"),
            ("x:\n  a: [b\n ]\n", "x:\n  a: [b]\n"),
            ("a:\n  b: {c: d,\n  e: f}\n", "a:\n  b: {c: d, e: f}\n"),
            ("x:\n  a: \"b\nc\"\n", "x:\n  a: \"b c\"\n"),
            ("x:\n  a: 'b\nc'\n", "x:\n  a: 'b c'\n"),
            ("x:\n  a: 'b\n  c'\n", "x:\n  a: 'b c'\n"),
            ("a: 'b\nc'\n", "a: 'b c'\n"),
            ("a:\n  b: \"c\n  d\"\n", "a:\n  b: \"c d\"\n"),
            ("a: \"x\\\ny\"\n", "a: \"xy\"\n"),
            ("x:\n  a: 'b\n\n  c'\n", "x:\n  a: \"b\\nc\"\n"),
            // A comment right after a token.
            ("a: \"x\"#c\n", "a: \"x\"\n"),
            ("a: 'x'#c\n", "a: 'x'\n"),
            ("a: [x]#c\n", "a: [x]\n"),
            ("a: {x: 1}#c\n", "a: {x: 1}\n"),
            // A tab for a space.
            ("a:\t1\n", "a: 1\n"),
        ] {
            let meant = tree(meant);
            assert!(read::read_own_output(text).is_ok(), "{text}");
            assert!(!yaml::reads_back(text, &meant), "{text}");
            assert!(!read_back(text, &meant).1, "{text}");
        }
        // What both read alike stays sure: flow collections and quoted scalars on one line,
        // comments after a space, folded plain scalars, block scalars.
        for text in [
            "a: {b: 1, c: [d, 'e', \"f\"]} # g\nh: []\ni: {}\n",
            "a: {b: 1,}\nc: [d, ]\ne: {f: }\n",
            "a: x\n  y # z\n# w\nb: \"c\" #d\n",
            "a: |-  # b\n  c #d\n\n  e\nf: >\n  g\n",
            "- a\n-  - b\n   - 'c'\n",
        ] {
            let (reading, sure) = read_back(text, &tree(text));
            assert!(
                reading.is_ok() && yaml::reads_back(text, &tree(text)),
                "{text}"
            );
            assert!(sure, "{text}");
        }
    }
}
