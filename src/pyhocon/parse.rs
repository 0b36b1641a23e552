//! pyhocon 0.3.63's grammar (`ConfigParser.parse` in `config_parser.py`) as pyparsing 3 runs
//! it: each element skips spaces and tabs first, alternatives are tried in order, `-` makes a
//! later failure fatal (no backtracking), and the parse actions (`ConfigValues.transform`,
//! `ConfigTreeParser.postParse`, `ListParser`, `include`) run as the match completes. Builds
//! pyhocon's objects in the arena; resolving substitutions is `resolve`'s.

use super::model::{parse_key, Arena, Key, Obj, Subst, Tok};
use super::pystr;
use super::{Duration, Error};

/// How a pyparsing element did not match.
pub enum Stop {
    /// An ordinary failure: the caller may try something else.
    Fail,
    /// A failure after `-`: the whole parse fails.
    Fatal,
    /// An exception from a parse action: the whole parse fails with it.
    Abort(Error),
}

type R<T> = Result<T, Stop>;

fn abort(e: Error) -> Stop {
    Stop::Abort(e)
}

/// A failure after `-` is fatal.
fn stop<T>(r: R<T>) -> R<T> {
    match r {
        Err(Stop::Fail) => Err(Stop::Fatal),
        r => r,
    }
}

/// Nesting of objects and lists the reader accepts. pyhocon's parse recurses in Python and
/// fails with `RecursionError` at about 32 levels from a shallow stack (fewer from a deeper
/// caller, such as the apiserver's loader); the reader refuses deeper text with
/// [`Error::TooDeep`], below both, so it never accepts what pyhocon might not read.
pub const MAX_DEPTH: usize = 25;

pub struct Parser<'a> {
    s: Vec<char>,
    pub a: &'a mut Arena,
    depth: usize,
}

/// pyhocon's period units (`pyhocon/period_parser.py`: `period_type_map`; months and years
/// with python-dateutil installed, as in the apiserver's image).
pub const UNITS: &[&str] = &[
    "ns",
    "nano",
    "nanos",
    "nanosecond",
    "nanoseconds",
    "us",
    "micro",
    "micros",
    "microsecond",
    "microseconds",
    "ms",
    "milli",
    "millis",
    "millisecond",
    "milliseconds",
    "s",
    "second",
    "seconds",
    "m",
    "minute",
    "minutes",
    "h",
    "hour",
    "hours",
    "w",
    "week",
    "weeks",
    "d",
    "day",
    "days",
    "mo",
    "month",
    "months",
    "y",
    "year",
    "years",
];

/// Python's `str.expandtabs()` (tab size 8; the column restarts after `\n` and `\r`), which
/// pyparsing applies to the whole text before parsing.
pub fn expandtabs(text: &str) -> Vec<char> {
    let mut out = Vec::with_capacity(text.len());
    let mut col = 0usize;
    for c in text.chars() {
        match c {
            '\t' => {
                let n = 8 - col % 8;
                out.extend(std::iter::repeat_n(' ', n));
                col += n;
            }
            '\n' | '\r' => {
                out.push(c);
                col = 0;
            }
            c => {
                out.push(c);
                col += 1;
            }
        }
    }
    out
}

fn ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

fn ident_char_upper(c: char) -> bool {
    match pystr::upper1(c) {
        Some(u) => u.is_ascii_uppercase() || u.is_ascii_digit() || u == '_' || u == '$',
        None => false,
    }
}

fn key_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, '\u{c0}'..='\u{d6}' | '\u{d8}'..='\u{f6}' | '\u{f8}'..='\u{ff}')
        || matches!(c, '.' | '_' | '-' | ' ' | '/')
}

fn unquoted_excluded(c: char) -> bool {
    matches!(
        c,
        '^' | '`'
            | '+'
            | '?'
            | '!'
            | '@'
            | '*'
            | '&'
            | '"'
            | '['
            | '{'
            | ']'
            | '}'
            | '#'
            | ','
            | '='
            | '$'
            | '\\'
    ) || pystr::is_space(c)
}

/// pyhocon's `norm_string`: `\\`, `\n`, `\r`, `\t`, `\=`, `\#`, `\!`, `\"` are replaced, any
/// other backslash pair is kept as it is.
fn norm_string(chars: &[char]) -> String {
    let mut out = String::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\\' && i + 1 < chars.len() && chars[i + 1] != '\n' {
            match chars[i + 1] {
                '\\' => out.push('\\'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                '=' => out.push('='),
                '#' => out.push('#'),
                '!' => out.push('!'),
                '"' => out.push('"'),
                c => {
                    out.push('\\');
                    out.push(c);
                }
            }
            i += 2;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

impl<'a> Parser<'a> {
    pub fn new(text: &str, a: &'a mut Arena) -> Self {
        Parser {
            s: expandtabs(text),
            a,
            depth: 0,
        }
    }

    fn at(&self, i: usize) -> Option<char> {
        self.s.get(i).copied()
    }

    fn starts(&self, i: usize, lit: &str) -> bool {
        lit.chars()
            .enumerate()
            .all(|(k, c)| self.at(i + k) == Some(c))
    }

    fn text(&self, from: usize, to: usize) -> String {
        self.s[from..to].iter().collect()
    }

    /// Skips the default whitespace pyhocon sets (space and tab).
    fn ws(&self, mut i: usize) -> usize {
        while matches!(self.at(i), Some(' ' | '\t')) {
            i += 1;
        }
        i
    }

    fn run(&self, loc: usize, set: &[char]) -> R<usize> {
        let l = self.ws(loc);
        let mut i = l;
        while self.at(i).is_some_and(|c| set.contains(&c)) {
            i += 1;
        }
        if i == l {
            Err(Stop::Fail)
        } else {
            Ok(i)
        }
    }

    fn eol(&self, loc: usize) -> R<usize> {
        self.run(loc, &['\n', '\r'])
    }

    fn eol_comma(&self, loc: usize) -> R<usize> {
        self.run(loc, &['\n', '\r', ','])
    }

    fn lit(&self, loc: usize, lit: &str) -> R<usize> {
        let l = self.ws(loc);
        if self.starts(l, lit) {
            Ok(l + lit.chars().count())
        } else {
            Err(Stop::Fail)
        }
    }

    /// `(Literal('#') | Literal('//')) - SkipTo(eol | StringEnd())`.
    fn comment(&self, loc: usize) -> R<usize> {
        let l = self.ws(loc);
        let p = if self.at(l) == Some('#') {
            l + 1
        } else if self.starts(l, "//") {
            l + 2
        } else {
            return Err(Stop::Fail);
        };
        let mut q = p;
        while q < self.s.len() && !matches!(self.s[q], '\n' | '\r') {
            q += 1;
        }
        while q > p && matches!(self.s[q - 1], ' ' | '\t') {
            q -= 1;
        }
        Ok(q)
    }

    /// `Suppress(Optional(eol_comma) + comment)`.
    fn comment_eol(&self, loc: usize) -> R<usize> {
        let l = self.ws(loc);
        let l = self.eol_comma(l).unwrap_or(l);
        self.comment(l)
    }

    fn comment_no_comma_eol(&self, loc: usize) -> R<usize> {
        match self.comment(loc) {
            Err(Stop::Fail) => self.eol(loc),
            r => r,
        }
    }

    fn keyword_caseless(&self, loc: usize, word: &str) -> R<usize> {
        let l = self.ws(loc);
        let n = word.chars().count();
        let ok = word
            .chars()
            .enumerate()
            .all(|(k, w)| self.at(l + k).and_then(pystr::upper1) == Some(w.to_ascii_uppercase()));
        if !ok {
            return Err(Stop::Fail);
        }
        if l > 0 && ident_char_upper(self.s[l - 1]) {
            return Err(Stop::Fail);
        }
        if l + n >= self.s.len() || !ident_char_upper(self.s[l + n]) {
            Ok(l + n)
        } else {
            Err(Stop::Fail)
        }
    }

    fn keyword(&self, loc: usize, word: &str) -> R<usize> {
        let l = self.ws(loc);
        let n = word.chars().count();
        if !self.starts(l, word) {
            return Err(Stop::Fail);
        }
        if l > 0 && ident_char(self.s[l - 1]) {
            return Err(Stop::Fail);
        }
        if l + n >= self.s.len() || !ident_char(self.s[l + n]) {
            Ok(l + n)
        } else {
            Err(Stop::Fail)
        }
    }

    /// pyhocon's `get_period_expr()`: digits, spaces, the longest unit, end of word.
    fn period(&self, loc: usize) -> R<(usize, Tok)> {
        let l = self.ws(loc);
        let mut i = l;
        while self.at(i).is_some_and(|c| c.is_ascii_digit()) {
            i += 1;
        }
        if i == l {
            return Err(Stop::Fail);
        }
        let digits = self.text(l, i);
        while self.at(i) == Some(' ') {
            i += 1;
        }
        let unit = UNITS
            .iter()
            .filter(|u| self.starts(i, u))
            .max_by_key(|u| u.len())
            .ok_or(Stop::Fail)?;
        let e = i + unit.len();
        if e < self.s.len()
            && (self.s[e].is_ascii_alphanumeric() || !self.s[e - 1].is_ascii_alphanumeric())
        {
            return Err(Stop::Fail);
        }
        let d = Duration::from_unit(&digits, unit).map_err(abort)?;
        Ok((e, Tok::Period(d)))
    }

    fn number(&self, loc: usize) -> R<(usize, Tok)> {
        let l = self.ws(loc);
        let dig = |i: usize| self.at(i).and_then(pystr::decimal).is_some();
        let mut i = l;
        if matches!(self.at(i), Some('+' | '-')) {
            i += 1;
        }
        let int_start = i;
        while dig(i) {
            i += 1;
        }
        let int_digits = i - int_start;
        let mut float = false;
        if self.at(i) == Some('.') && dig(i + 1) {
            i += 1;
            while dig(i) {
                i += 1;
            }
            float = true;
        } else if int_digits == 0 {
            return Err(Stop::Fail);
        }
        if matches!(self.at(i), Some('e' | 'E')) {
            let mut j = i + 1;
            if matches!(self.at(j), Some('+' | '-')) {
                j += 1;
            }
            if dig(j) {
                while dig(j) {
                    j += 1;
                }
                i = j;
                float = true;
            }
        }
        // (?=$|[ \t]*([\$\}\],#\n\r]|//))
        let end_ok = i == self.s.len() || (i + 1 == self.s.len() && self.s[i] == '\n');
        let k = self.ws(i);
        let follow_ok = matches!(self.at(k), Some('$' | '}' | ']' | ',' | '#' | '\n' | '\r'))
            || self.starts(k, "//");
        if !(end_ok || follow_ok) {
            return Err(Stop::Fail);
        }
        let ascii: String = self.s[l..i]
            .iter()
            .map(|&c| match pystr::decimal(c) {
                Some(d) => (b'0' + d) as char,
                None => c,
            })
            .collect();
        // int(n, 10), and float(n) when that fails (a fraction, an exponent, or more than
        // the 4300 digits Python converts).
        if !float && int_digits <= 4300 {
            let neg = ascii.starts_with('-');
            let digits = pystr::normalize_digits(ascii.trim_start_matches(['+', '-']));
            let v = if neg && digits != "0" {
                format!("-{digits}")
            } else {
                digits
            };
            return Ok((i, Tok::Int(v)));
        }
        Ok((i, Tok::Float(ascii.parse::<f64>().unwrap_or(f64::NAN))))
    }

    /// `Regex(r'"(?:[^"\\\n]|\\.)*"[ \t]*')` with `create_quoted_string`.
    fn quoted_string(&self, loc: usize) -> R<(usize, Tok)> {
        let l = self.ws(loc);
        if self.at(l) != Some('"') {
            return Err(Stop::Fail);
        }
        let mut i = l + 1;
        loop {
            match self.at(i) {
                None | Some('\n') => return Err(Stop::Fail),
                Some('"') => break,
                Some('\\') => {
                    if matches!(self.at(i + 1), None | Some('\n')) {
                        return Err(Stop::Fail);
                    }
                    i += 2;
                }
                Some(_) => i += 1,
            }
        }
        let value = norm_string(&self.s[l + 1..i]);
        let ws_start = i + 1;
        let mut e = ws_start;
        while matches!(self.at(e), Some(' ' | '\t')) {
            e += 1;
        }
        Ok((e, Tok::Quoted(value, self.text(ws_start, e))))
    }

    /// `Regex('""".*?"*"""', DOTALL)`, returned without its quotes and unescaped.
    fn multiline_string(&self, loc: usize) -> R<(usize, Tok)> {
        let l = self.ws(loc);
        if !self.starts(l, "\"\"\"") {
            return Err(Stop::Fail);
        }
        let mut p = l + 3;
        while p < self.s.len() {
            let mut q = p;
            while self.at(q) == Some('"') {
                q += 1;
            }
            if q - p >= 3 {
                return Ok((q, Tok::Str(self.text(l + 3, q - 3))));
            }
            p = if q > p { q } else { p + 1 };
        }
        Err(Stop::Fail)
    }

    fn unquoted(&self, loc: usize) -> R<(usize, Tok)> {
        let l = self.ws(loc);
        let mut i = l;
        while let Some(c) = self.at(i) {
            if c == '\\' {
                if matches!(self.at(i + 1), None | Some('\n')) {
                    break;
                }
                i += 2;
            } else if unquoted_excluded(c) {
                break;
            } else {
                i += 1;
            }
        }
        if i == l {
            return Err(Stop::Fail);
        }
        while matches!(self.at(i), Some(' ' | '\t')) {
            i += 1;
        }
        Ok((i, Tok::Unq(norm_string(&self.s[l..i]))))
    }

    fn substitution(&mut self, loc: usize) -> R<(usize, Tok)> {
        let l = self.ws(loc);
        if !self.starts(l, "${") {
            return Err(Stop::Fail);
        }
        let mut i = l + 2;
        while self.at(i).is_some_and(|c| c != '}') {
            i += 1;
        }
        if i == l + 2 || self.at(i) != Some('}') {
            return Err(Stop::Fail);
        }
        let inner: Vec<char> = self.s[l + 2..i].to_vec();
        let mut e = i + 1;
        while matches!(self.at(e), Some(' ' | '\t')) {
            e += 1;
        }
        let (optional, variable) = if inner[0] == '?' && inner.len() > 1 {
            (true, inner[1..].iter().collect())
        } else {
            (false, inner.iter().collect())
        };
        let id = self.a.add(Obj::Subst(Subst {
            variable,
            optional,
            ws: self.text(i + 1, e),
            parent: None,
            index: 0,
        }));
        Ok((e, Tok::Subst(id)))
    }

    /// `include ...`: when it matches, pyhocon would read a file or a URL.
    fn include(&self, loc: usize) -> R<usize> {
        let l = self.keyword_caseless(loc, "include")?;
        let content = |p: &Self, l: usize| -> R<usize> {
            match p.quoted_string(l) {
                Ok((e, _)) => return Ok(e),
                Err(Stop::Fail) => {}
                Err(e) => return Err(e),
            }
            let k = ["url", "file", "package"]
                .iter()
                .find_map(|w| p.keyword(l, w).ok())
                .ok_or(Stop::Fail)?;
            let k = stop(p.lit(k, "("))?;
            let (k, _) = stop(p.quoted_string(k))?;
            stop(p.lit(k, ")"))
        };
        let r = match content(self, l) {
            Err(Stop::Fail) => {
                let k = self.keyword(l, "required")?;
                let k = stop(self.lit(k, "("))?;
                let k = stop(content(self, k))?;
                stop(self.lit(k, ")"))
            }
            r => r,
        };
        r?;
        Err(Stop::Abort(Error::Include))
    }

    fn value_expr(&mut self, loc: usize) -> R<(usize, Tok)> {
        macro_rules! attempt {
            ($e:expr) => {
                match $e {
                    Err(Stop::Fail) => {}
                    r => return r,
                }
            };
        }
        attempt!(self.period(loc));
        attempt!(self.number(loc));
        attempt!(self
            .keyword_caseless(loc, "true")
            .map(|e| (e, Tok::Bool(true))));
        attempt!(self
            .keyword_caseless(loc, "false")
            .map(|e| (e, Tok::Bool(false))));
        attempt!(self.keyword_caseless(loc, "null").map(|e| (e, Tok::NoneV)));
        attempt!(self.multiline_string(loc));
        attempt!(self.quoted_string(loc));
        self.unquoted(loc)
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Stop::Abort(Error::TooDeep));
        }
        Ok(())
    }

    fn dict_expr(&mut self, loc: usize, root: bool) -> R<(usize, Tok)> {
        let l = self.lit(loc, "{")?;
        self.enter()?;
        let (l, tree) = stop(self.inside_dict(l, root))?;
        let l = stop(self.lit(l, "}"))?;
        self.depth -= 1;
        Ok((l, Tok::Tree(tree)))
    }

    fn list_expr(&mut self, loc: usize) -> R<(usize, Tok)> {
        let l = self.lit(loc, "[")?;
        self.enter()?;
        let (mut l, first) = stop(self.concat_value(l))?;
        let mut items = vec![first];
        loop {
            match self.eol_comma(l) {
                Ok(k) => {
                    let (k, v) = stop(self.concat_value(k))?;
                    items.push(v);
                    l = k;
                }
                Err(Stop::Fail) => break,
                Err(e) => return Err(e),
            }
        }
        let l = stop(self.lit(l, "]"))?;
        self.depth -= 1;
        // ListParser: drops empty `str`s (an empty entry, a trailing comma, and "" too).
        let items: Vec<Tok> = items
            .into_iter()
            .filter(|t| !matches!(t, Tok::Str(s) | Tok::Unq(s) if s.is_empty()))
            .collect();
        Ok((l, Tok::List(self.a.config_list(items))))
    }

    fn multi_value(&mut self, mut loc: usize) -> R<(usize, Vec<Tok>)> {
        let mut toks = Vec::new();
        loop {
            macro_rules! attempt {
                ($e:expr) => {
                    match $e {
                        Ok((e, t)) => {
                            toks.push(t);
                            loc = e;
                            continue;
                        }
                        Err(Stop::Fail) => {}
                        Err(e) => return Err(e),
                    }
                };
            }
            match self.comment_eol(loc) {
                Ok(e) => {
                    loc = e;
                    continue;
                }
                Err(Stop::Fail) => {}
                Err(e) => return Err(e),
            }
            match self.include(loc) {
                Err(Stop::Fail) => {}
                Err(e) => return Err(e),
                Ok(_) => unreachable!("include always stops"),
            }
            attempt!(self.substitution(loc));
            attempt!(self.dict_expr(loc, false));
            attempt!(self.list_expr(loc));
            attempt!(self.value_expr(loc));
            let l = self.ws(loc);
            if self.at(l) == Some('\\') {
                loc = stop(self.eol(l + 1))?;
                continue;
            }
            return Ok((loc, toks));
        }
    }

    /// `ConcatenatedValueParser(multi_value_expr)`.
    fn concat_value(&mut self, loc: usize) -> R<(usize, Tok)> {
        let (l, toks) = self.multi_value(loc)?;
        let cv = self.a.new_values(toks);
        let t = self.a.transform(cv).map_err(abort)?;
        Ok((l, t))
    }

    fn key(&self, loc: usize) -> R<(usize, String)> {
        let l = self.ws(loc);
        // QuotedString('"""', esc_char='\\') and QuotedString('"', esc_char='\\'), kept quoted.
        if self.starts(l, "\"\"\"") {
            let mut i = l + 3;
            loop {
                match self.at(i) {
                    Some('\\') if !matches!(self.at(i + 1), None | Some('\n')) => i += 2,
                    Some('"') => {
                        let mut q = i;
                        while self.at(q) == Some('"') {
                            q += 1;
                        }
                        if q - i >= 3 {
                            return Ok((i + 3, self.text(l, i + 3)));
                        }
                        i = q;
                    }
                    Some('\n' | '\r' | '\\') | None => break,
                    Some(_) => i += 1,
                }
            }
        }
        if self.at(l) == Some('"') {
            let mut i = l + 1;
            loop {
                match self.at(i) {
                    Some('\\') if !matches!(self.at(i + 1), None | Some('\n')) => i += 2,
                    Some('"') => return Ok((i + 1, self.text(l, i + 1))),
                    Some('\n' | '\r' | '\\') | None => break,
                    Some(_) => i += 1,
                }
            }
        }
        let mut i = l;
        while self.at(i).is_some_and(key_char) {
            i += 1;
        }
        if i == l {
            return Err(Stop::Fail);
        }
        Ok((i, self.text(l, i)))
    }

    fn assign(&mut self, loc: usize) -> R<(usize, Tok)> {
        let (mut l, key) = self.key(loc)?;
        loop {
            match self.comment_no_comma_eol(l) {
                Ok(e) => l = e,
                Err(Stop::Fail) => break,
                Err(e) => return Err(e),
            }
        }
        match self.dict_expr(l, false) {
            Ok((e, t)) => return Ok((e, Tok::Group(vec![Tok::Str(key), t]))),
            Err(Stop::Fail) => {}
            Err(e) => return Err(e),
        }
        let l = self.ws(l);
        let (mut l, op) = if self.at(l) == Some('=') {
            (l + 1, "=")
        } else if self.at(l) == Some(':') {
            (l + 1, ":")
        } else if self.starts(l, "+=") {
            (l + 2, "+=")
        } else {
            return Err(Stop::Fatal);
        };
        loop {
            match self.comment_no_comma_eol(l) {
                Ok(e) => l = e,
                Err(Stop::Fail) => break,
                Err(e) => return Err(e),
            }
        }
        let (l, v) = stop(self.concat_value(l))?;
        Ok((l, Tok::Group(vec![Tok::Str(key), Tok::Str(op.into()), v])))
    }

    /// `ConfigTreeParser(ZeroOrMore(comment_eol | include_expr | assign_expr | eol_comma))`.
    fn inside_dict(&mut self, mut loc: usize, root: bool) -> R<(usize, usize)> {
        let mut groups = Vec::new();
        loop {
            match self.comment_eol(loc) {
                Ok(e) => {
                    loc = e;
                    continue;
                }
                Err(Stop::Fail) => {}
                Err(e) => return Err(e),
            }
            match self.include(loc) {
                Err(Stop::Fail) => {}
                Err(e) => return Err(e),
                Ok(_) => unreachable!("include always stops"),
            }
            match self.assign(loc) {
                Ok((e, g)) => {
                    groups.push(g);
                    loc = e;
                    continue;
                }
                Err(Stop::Fail) => {}
                Err(e) => return Err(e),
            }
            match self.eol_comma(loc) {
                Ok(e) => {
                    loc = e;
                    continue;
                }
                Err(Stop::Fail) => break,
                Err(e) => return Err(e),
            }
        }
        let tree = self.tree_parser(groups, root).map_err(abort)?;
        Ok((loc, tree))
    }

    /// `ConfigTreeParser.postParse`.
    fn tree_parser(&mut self, groups: Vec<Tok>, root: bool) -> Result<usize, Error> {
        let t = self.a.new_tree(root);
        for g in groups {
            let Tok::Group(tokens) = g else { continue };
            let Tok::Str(raw_key) = &tokens[0] else {
                continue;
            };
            let key: String = raw_key.trim_matches(pystr::is_space).to_string();
            let (op, value) = match tokens.len() {
                3 => match &tokens[1] {
                    Tok::Str(o) => (o.as_str(), tokens[2].clone()),
                    _ => ("=", tokens[2].clone()),
                },
                _ => ("=", tokens[1].clone()),
            };
            match (&value, op) {
                (Tok::List(_), "+=") => {
                    let s = self.plus_subst(&key);
                    let cv = self.a.new_values(vec![s, value]);
                    self.a.put(t, &key, Tok::Values(cv), false)?;
                }
                (Tok::Str(v) | Tok::Unq(v), "+=") => {
                    let s = self.plus_subst(&key);
                    let cv = self.a.new_values(vec![s, Tok::Str(format!(" {v}"))]);
                    self.a.put(t, &key, Tok::Values(cv), false)?;
                }
                (Tok::List(_), _) => self.a.put(t, &key, value, false)?,
                _ => {
                    let existing = self.a.get(t, &key, true)?;
                    let parsed = parse_key(&key);
                    let first = parsed.first().cloned().ok_or(Error::Python("IndexError"))?;
                    let mut value = value;
                    if parsed.len() > 1 {
                        let nv = self.a.new_tree(false);
                        let sub: Vec<String> =
                            parsed[1..].iter().map(|k| format!("\"{k}\"")).collect();
                        self.a.put(nv, &sub.join("."), value, false)?;
                        value = Tok::Tree(nv);
                    }
                    let existing_list = matches!(existing, Some(Tok::List(_)));
                    let existing_tree = matches!(existing, Some(Tok::Tree(_)));
                    match value {
                        Tok::Tree(_) if !existing_list => self.a.put(t, &first, value, true)?,
                        Tok::Values(c) => {
                            let cv = self.a.cv_mut(c);
                            cv.parent = Some(Tok::Tree(t));
                            cv.key = Key::Str(first.clone());
                            self.a
                                .put(t, &first, value, existing_list || existing_tree)?;
                        }
                        _ => self.a.put(t, &first, value, false)?,
                    }
                }
            }
        }
        Ok(t)
    }

    fn plus_subst(&mut self, key: &str) -> Tok {
        Tok::Subst(self.a.add(Obj::Subst(Subst {
            variable: key.to_string(),
            optional: true,
            ws: String::new(),
            parent: None,
            index: 0,
        })))
    }

    /// `config_expr.parse_string(content, parse_all=True)[0]`.
    pub fn parse_all(&mut self) -> Result<Tok, Error> {
        let r = self.config_expr();
        match r {
            Ok(t) => Ok(t),
            Err(Stop::Fail | Stop::Fatal) => Err(Error::Syntax),
            Err(Stop::Abort(e)) => Err(e),
        }
    }

    fn config_expr(&mut self) -> R<Tok> {
        let mut loc = 0;
        loop {
            match self.comment_eol(loc) {
                Ok(e) => loc = e,
                Err(Stop::Fail) => match self.eol(loc) {
                    Ok(e) => loc = e,
                    Err(Stop::Fail) => break,
                    Err(e) => return Err(e),
                },
                Err(e) => return Err(e),
            }
        }
        let (mut loc, t) = match self.list_expr(loc) {
            Err(Stop::Fail) => match self.dict_expr(loc, true) {
                Err(Stop::Fail) => {
                    let (e, t) = self.inside_dict(loc, true)?;
                    (e, Tok::Tree(t))
                }
                r => r?,
            },
            r => r?,
        };
        loop {
            match self.comment_eol(loc) {
                Ok(e) => loc = e,
                Err(Stop::Fail) => match self.eol_comma(loc) {
                    Ok(e) => loc = e,
                    Err(Stop::Fail) => break,
                    Err(e) => return Err(e),
                },
                Err(e) => return Err(e),
            }
        }
        if self.ws(loc) != self.s.len() {
            return Err(Stop::Fail);
        }
        Ok(t)
    }
}
