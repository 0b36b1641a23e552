//! Parser events from libyaml itself (`unsafe-libyaml`, a line-for-line Rust translation of
//! the C library), behind a safe interface.
//!
//! [`crate::kube::read`] reads documents the way Kubernetes does; Kubernetes' Go YAML library is
//! a port of libyaml, so libyaml's own scanner is the closest reader to it there is. A safe
//! re-implementation was tried first and panicked on a block scalar at the end of the input;
//! libyaml reports every problem as an error instead. All `unsafe` of the crate is here.

#![allow(unsafe_code)]

use std::ffi::CStr;
use std::mem::MaybeUninit;
use unsafe_libyaml as unsafe_sys;

/// How a scalar was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Unquoted.
    Plain,
    /// `"…"`.
    DoubleQuoted,
    /// `'…'`, `|` or `>`.
    Other,
}

/// One parser event, with owned data.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Start of the stream.
    StreamStart,
    /// End of the stream.
    StreamEnd,
    /// `---` or an implicit document start.
    DocumentStart,
    /// `...` or an implicit document end.
    DocumentEnd,
    /// `*anchor`.
    Alias(String),
    /// A scalar.
    Scalar {
        /// `&anchor`.
        anchor: Option<String>,
        /// The tag, resolved to its full form (`tag:yaml.org,2002:str`, `!custom`).
        tag: Option<String>,
        /// The value, after escapes and folding.
        value: String,
        /// Plain or not.
        style: Style,
        /// Whether a plain scalar without a tag is left to tag resolution.
        plain_implicit: bool,
        /// Byte range of the scalar in the input (quotes included).
        span: (usize, usize),
    },
    /// Start of a sequence.
    SequenceStart {
        /// `&anchor`.
        anchor: Option<String>,
        /// `[…]` rather than a block sequence.
        flow: bool,
        /// Byte offset in the input where the node (its anchor or tag) starts.
        start: usize,
    },
    /// End of a sequence.
    SequenceEnd,
    /// Start of a mapping.
    MappingStart {
        /// `&anchor`.
        anchor: Option<String>,
        /// `{…}` rather than a block mapping.
        flow: bool,
        /// Byte offset in the input where the node (its anchor or tag) starts.
        start: usize,
    },
    /// End of a mapping.
    MappingEnd,
}

/// A parse error: libyaml's problem text and 0-based position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What libyaml said.
    pub problem: String,
    /// 0-based line.
    pub line: usize,
    /// 0-based column.
    pub column: usize,
    /// Byte offset in the input.
    pub index: usize,
}

/// A libyaml parser over a borrowed UTF-8 text.
pub struct Parser<'a> {
    // Boxed: libyaml keeps a pointer to the parser itself for string input, so it must not move.
    sys: Box<MaybeUninit<unsafe_sys::yaml_parser_t>>,
    _input: &'a [u8],
    failed: bool,
    /// Byte offset where the last event returned starts.
    start: usize,
}

impl<'a> Parser<'a> {
    /// A parser reading `input`.
    pub fn new(input: &'a str) -> Parser<'a> {
        let mut boxed = Box::new(MaybeUninit::<unsafe_sys::yaml_parser_t>::uninit());
        // SAFETY: the parser lives in a box that is never moved out of, initialised before any
        // other call; the input outlives the parser (lifetime 'a).
        unsafe {
            let parser = boxed.as_mut_ptr();
            // Initialisation fails only when allocation fails, which aborts in Rust anyway.
            let _ = unsafe_sys::yaml_parser_initialize(parser);
            unsafe_sys::yaml_parser_set_encoding(parser, unsafe_sys::YAML_UTF8_ENCODING);
            unsafe_sys::yaml_parser_set_input_string(parser, input.as_ptr(), input.len() as u64);
        }
        Parser {
            sys: boxed,
            _input: input.as_bytes(),
            failed: false,
            start: 0,
        }
    }

    /// The next event and its 0-based start (line, column).
    pub fn next_event(&mut self) -> Result<(Event, usize, usize), Error> {
        let parser = self.sys.as_mut_ptr();
        // SAFETY: `parser` was initialised in `new`; libyaml must not be called again after an
        // error, which `failed` prevents; the event is deleted after its data is copied.
        unsafe {
            if self.failed || (&*parser).error != unsafe_sys::YAML_NO_ERROR {
                self.failed = true;
                return Err(error(parser));
            }
            let mut event = MaybeUninit::<unsafe_sys::yaml_event_t>::uninit();
            if unsafe_sys::yaml_parser_parse(parser, event.as_mut_ptr()).fail {
                self.failed = true;
                return Err(error(parser));
            }
            let event = event.as_mut_ptr();
            let converted = convert(&*event);
            let mark = (*event).start_mark;
            self.start = mark.index as usize;
            unsafe_sys::yaml_event_delete(event);
            Ok((converted, mark.line as usize, mark.column as usize))
        }
    }
}

impl Parser<'_> {
    /// Byte offset in the input where the last event [`Parser::next_event`] returned starts
    /// (for an implicit document end: the token after the document, which the scanner has
    /// read).
    pub fn event_start(&self) -> usize {
        self.start
    }
}

impl Drop for Parser<'_> {
    fn drop(&mut self) {
        // SAFETY: initialised in `new`, deleted once.
        unsafe { unsafe_sys::yaml_parser_delete(self.sys.as_mut_ptr()) }
    }
}

/// # Safety
/// `parser` is an initialised parser.
unsafe fn error(parser: *const unsafe_sys::yaml_parser_t) -> Error {
    let parser = unsafe { &*parser };
    let problem =
        unsafe { text(parser.problem.cast()) }.unwrap_or_else(|| "not valid YAML".to_string());
    let mark = parser.problem_mark;
    Error {
        problem,
        line: mark.line as usize,
        column: mark.column as usize,
        index: mark.index as usize,
    }
}

/// # Safety
/// `ptr` is null or a NUL-terminated string.
unsafe fn text(ptr: *const u8) -> Option<String> {
    if ptr.is_null() {
        return None;
    }
    let c = unsafe { CStr::from_ptr(ptr.cast()) };
    Some(String::from_utf8_lossy(c.to_bytes()).into_owned())
}

/// # Safety
/// `e` is an event libyaml produced and has not deleted.
unsafe fn convert(e: &unsafe_sys::yaml_event_t) -> Event {
    unsafe {
        match e.type_ {
            unsafe_sys::YAML_STREAM_START_EVENT => Event::StreamStart,
            unsafe_sys::YAML_DOCUMENT_START_EVENT => Event::DocumentStart,
            unsafe_sys::YAML_DOCUMENT_END_EVENT => Event::DocumentEnd,
            unsafe_sys::YAML_ALIAS_EVENT => {
                Event::Alias(text(e.data.alias.anchor).unwrap_or_default())
            }
            unsafe_sys::YAML_SCALAR_EVENT => {
                let s = &e.data.scalar;
                let bytes = if s.value.is_null() {
                    &[][..]
                } else {
                    std::slice::from_raw_parts(s.value, s.length as usize)
                };
                Event::Scalar {
                    anchor: text(s.anchor),
                    tag: text(s.tag),
                    // Valid UTF-8 (the input is, and libyaml writes escapes as UTF-8):
                    // checked without `from_utf8_lossy`'s slower chunked walk.
                    value: match std::str::from_utf8(bytes) {
                        Ok(s) => s.to_owned(),
                        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
                    },
                    style: match s.style {
                        unsafe_sys::YAML_PLAIN_SCALAR_STYLE => Style::Plain,
                        unsafe_sys::YAML_DOUBLE_QUOTED_SCALAR_STYLE => Style::DoubleQuoted,
                        _ => Style::Other,
                    },
                    plain_implicit: s.plain_implicit,
                    span: (e.start_mark.index as usize, e.end_mark.index as usize),
                }
            }
            unsafe_sys::YAML_SEQUENCE_START_EVENT => Event::SequenceStart {
                anchor: text(e.data.sequence_start.anchor),
                flow: e.data.sequence_start.style == unsafe_sys::YAML_FLOW_SEQUENCE_STYLE,
                start: e.start_mark.index as usize,
            },
            unsafe_sys::YAML_SEQUENCE_END_EVENT => Event::SequenceEnd,
            unsafe_sys::YAML_MAPPING_START_EVENT => Event::MappingStart {
                anchor: text(e.data.mapping_start.anchor),
                flow: e.data.mapping_start.style == unsafe_sys::YAML_FLOW_MAPPING_STYLE,
                start: e.start_mark.index as usize,
            },
            unsafe_sys::YAML_MAPPING_END_EVENT => Event::MappingEnd,
            // YAML_STREAM_END_EVENT, and YAML_NO_EVENT which libyaml never returns on success.
            _ => Event::StreamEnd,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(text: &str) -> Result<Vec<Event>, Error> {
        let mut p = Parser::new(text);
        let mut out = Vec::new();
        loop {
            let (e, _, _) = p.next_event()?;
            if e == Event::StreamEnd {
                return Ok(out);
            }
            out.push(e);
        }
    }

    #[test]
    fn block_scalar_at_the_end_of_the_input() {
        let e = events("a: |\n  #").unwrap();
        assert!(e
            .iter()
            .any(|e| matches!(e, Event::Scalar { value, .. } if value == "#")));
    }

    #[test]
    fn errors_have_positions_and_stop_the_parser() {
        let mut p = Parser::new("a: [\n");
        let err = loop {
            match p.next_event() {
                Ok(_) => continue,
                Err(e) => break e,
            }
        };
        assert!(!err.problem.is_empty());
        assert!(p.next_event().is_err());
    }
}
