//! The regular expressions of JSON Schema `pattern`s, for the subset the catalog emits:
//! literals, `.`, bracket classes with ranges, the escapes `\d \D \w \W \s \S` and
//! escaped punctuation, groups (`(...)`, `(?:...)`), `|`, `?`, `*`, `+`, `{n}`, `{n,}`,
//! `{n,m}`, and the anchors `^` and `$`. Matching is a Thompson-NFA simulation: linear
//! in the input whatever the pattern, so no input can make a call slow. Anything outside
//! the subset is refused when the schema is compiled, never misread at call time.
//!
//! Why not the `regex` crate: with `jsonschema` it was most of the Worker's bundle.

use std::fmt;

/// A compiled pattern. Like ECMA-262 `RegExp.test`, it matches anywhere in the input
/// unless anchored.
#[derive(Clone)]
pub struct Pattern {
    source: String,
    program: Vec<Inst>,
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pattern({:?})", self.source)
    }
}

/// Why a pattern is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PatternError(pub String);

/// Instructions of the NFA program.
#[derive(Debug, Clone)]
enum Inst {
    Class(Class),
    Split(usize, usize),
    Jump(usize),
    Start,
    End,
    Match,
}

#[derive(Debug, Clone, PartialEq)]
struct Class {
    ranges: Vec<(char, char)>,
    negated: bool,
}

impl Class {
    fn single(c: char) -> Class {
        Class {
            ranges: vec![(c, c)],
            negated: false,
        }
    }

    fn matches(&self, c: char) -> bool {
        self.ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != self.negated
    }
}

/// Parsed pattern.
#[derive(Debug, Clone)]
enum Node {
    Empty,
    Class(Class),
    Start,
    End,
    Concat(Vec<Node>),
    Alternate(Vec<Node>),
    Repeat {
        node: Box<Node>,
        min: u32,
        max: Option<u32>,
    },
}

/// Longest program a pattern may compile to (counted repetition expands).
const MAX_PROGRAM: usize = 10_000;
/// Largest bound of a counted repetition.
const MAX_REPEAT: u32 = 1_000;

impl Pattern {
    pub fn new(source: &str) -> Result<Pattern, PatternError> {
        let mut parser = Parser {
            chars: source.chars().collect(),
            pos: 0,
        };
        let node = parser.alternation()?;
        if parser.pos < parser.chars.len() {
            return Err(PatternError(format!(
                "unexpected {:?} at position {} of pattern {source:?}",
                parser.chars[parser.pos], parser.pos
            )));
        }
        let mut program = Vec::new();
        emit(&node, &mut program)?;
        program.push(Inst::Match);
        Ok(Pattern {
            source: source.to_string(),
            program,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the pattern matches somewhere in `text`.
    pub fn is_match(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        let n = self.program.len();
        let mut current: Vec<usize> = Vec::new();
        let mut next: Vec<usize> = Vec::new();
        let mut seen = vec![usize::MAX; n];
        for i in 0..=chars.len() {
            // An unanchored search: a new thread starts at every position.
            if self.add(&mut current, &mut seen, 0, i, chars.len()) {
                return true;
            }
            if i == chars.len() {
                break;
            }
            let c = chars[i];
            next.clear();
            for &pc in &current {
                if let Inst::Class(class) = &self.program[pc] {
                    if class.matches(c)
                        && self.add(&mut next, &mut seen, pc + 1, i + 1, chars.len())
                    {
                        return true;
                    }
                }
            }
            std::mem::swap(&mut current, &mut next);
        }
        false
    }

    /// Follows jumps and assertions from `pc` at position `at`, adding the threads that
    /// wait on a character. True when `Match` is reached.
    fn add(
        &self,
        list: &mut Vec<usize>,
        seen: &mut [usize],
        pc: usize,
        at: usize,
        len: usize,
    ) -> bool {
        let mut stack = vec![pc];
        while let Some(pc) = stack.pop() {
            // `seen` holds the position a program counter was last added at.
            if seen[pc] == at {
                continue;
            }
            seen[pc] = at;
            match &self.program[pc] {
                Inst::Match => return true,
                Inst::Jump(to) => stack.push(*to),
                Inst::Split(a, b) => {
                    stack.push(*b);
                    stack.push(*a);
                }
                Inst::Start => {
                    if at == 0 {
                        stack.push(pc + 1);
                    }
                }
                Inst::End => {
                    if at == len {
                        stack.push(pc + 1);
                    }
                }
                Inst::Class(_) => list.push(pc),
            }
        }
        false
    }
}

fn emit(node: &Node, program: &mut Vec<Inst>) -> Result<(), PatternError> {
    if program.len() > MAX_PROGRAM {
        return Err(PatternError(
            "pattern too large (counted repetitions expand too far)".into(),
        ));
    }
    match node {
        Node::Empty => {}
        Node::Class(class) => program.push(Inst::Class(class.clone())),
        Node::Start => program.push(Inst::Start),
        Node::End => program.push(Inst::End),
        Node::Concat(nodes) => {
            for n in nodes {
                emit(n, program)?;
            }
        }
        Node::Alternate(branches) => {
            // split L1, next; L1: branch; jump end; next: split ...
            let mut jumps = Vec::new();
            for (i, branch) in branches.iter().enumerate() {
                if i + 1 < branches.len() {
                    let split = program.len();
                    program.push(Inst::Split(split + 1, 0));
                    emit(branch, program)?;
                    jumps.push(program.len());
                    program.push(Inst::Jump(0));
                    let next = program.len();
                    program[split] = Inst::Split(split + 1, next);
                } else {
                    emit(branch, program)?;
                }
            }
            let end = program.len();
            for j in jumps {
                program[j] = Inst::Jump(end);
            }
        }
        Node::Repeat { node, min, max } => {
            for _ in 0..*min {
                emit(node, program)?;
            }
            match max {
                None => {
                    // L: split body, end; body; jump L
                    let split = program.len();
                    program.push(Inst::Split(split + 1, 0));
                    emit(node, program)?;
                    program.push(Inst::Jump(split));
                    let end = program.len();
                    program[split] = Inst::Split(split + 1, end);
                }
                Some(max) => {
                    let mut splits = Vec::new();
                    for _ in *min..*max {
                        splits.push(program.len());
                        program.push(Inst::Split(0, 0));
                        emit(node, program)?;
                    }
                    let end = program.len();
                    for s in splits {
                        program[s] = Inst::Split(s + 1, end);
                    }
                }
            }
        }
    }
    Ok(())
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn error(&self, what: &str) -> PatternError {
        let source: String = self.chars.iter().collect();
        PatternError(format!(
            "{what} at position {} of pattern {source:?}",
            self.pos
        ))
    }

    fn alternation(&mut self) -> Result<Node, PatternError> {
        let mut branches = vec![self.concat()?];
        while self.peek() == Some('|') {
            self.pos += 1;
            branches.push(self.concat()?);
        }
        Ok(if branches.len() == 1 {
            branches.pop().unwrap_or(Node::Empty)
        } else {
            Node::Alternate(branches)
        })
    }

    fn concat(&mut self) -> Result<Node, PatternError> {
        let mut nodes = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            nodes.push(self.quantified(atom)?);
        }
        Ok(match nodes.len() {
            0 => Node::Empty,
            1 => nodes.pop().unwrap_or(Node::Empty),
            _ => Node::Concat(nodes),
        })
    }

    fn quantified(&mut self, atom: Node) -> Result<Node, PatternError> {
        let (min, max) = match self.peek() {
            Some('?') => (0, Some(1)),
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('{') => return self.counted(atom),
            _ => return Ok(atom),
        };
        self.pos += 1;
        self.refuse_lazy()?;
        Ok(Node::Repeat {
            node: Box::new(atom),
            min,
            max,
        })
    }

    fn refuse_lazy(&self) -> Result<(), PatternError> {
        match self.peek() {
            Some('?' | '*' | '+' | '{') => {
                Err(self.error("lazy or stacked quantifiers are not supported"))
            }
            _ => Ok(()),
        }
    }

    fn counted(&mut self, atom: Node) -> Result<Node, PatternError> {
        self.pos += 1; // '{'
        let min = self.number()?;
        let max = if self.peek() == Some(',') {
            self.pos += 1;
            if self.peek() == Some('}') {
                None
            } else {
                Some(self.number()?)
            }
        } else {
            Some(min)
        };
        if self.peek() != Some('}') {
            return Err(self.error("expected }"));
        }
        self.pos += 1;
        if max.is_some_and(|m| m < min) || min > MAX_REPEAT || max.is_some_and(|m| m > MAX_REPEAT) {
            return Err(self.error("bad repetition bounds"));
        }
        self.refuse_lazy()?;
        Ok(Node::Repeat {
            node: Box::new(atom),
            min,
            max,
        })
    }

    fn number(&mut self) -> Result<u32, PatternError> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        let digits: String = self.chars[start..self.pos].iter().collect();
        digits
            .parse::<u32>()
            .map_err(|_| self.error("expected a number"))
    }

    fn atom(&mut self) -> Result<Node, PatternError> {
        let Some(c) = self.peek() else {
            return Err(self.error("unexpected end"));
        };
        self.pos += 1;
        match c {
            '^' => Ok(Node::Start),
            '$' => Ok(Node::End),
            '.' => Ok(Node::Class(Class {
                ranges: vec![('\n', '\n'), ('\r', '\r')],
                negated: true,
            })),
            '(' => {
                if self.chars.get(self.pos..self.pos + 2) == Some(&['?', ':']) {
                    self.pos += 2;
                } else if self.peek() == Some('?') {
                    return Err(self.error("look-around and named groups are not supported"));
                }
                let inner = self.alternation()?;
                if self.peek() != Some(')') {
                    return Err(self.error("expected )"));
                }
                self.pos += 1;
                Ok(inner)
            }
            '[' => self.class().map(Node::Class),
            '\\' => self.escape().map(Node::Class),
            '*' | '+' | '?' | '{' => Err(self.error("nothing to repeat")),
            ')' | ']' | '}' => Err(self.error("unbalanced bracket")),
            c => Ok(Node::Class(Class::single(c))),
        }
    }

    /// After a backslash: a class escape or an escaped literal.
    fn escape(&mut self) -> Result<Class, PatternError> {
        let Some(c) = self.peek() else {
            return Err(self.error("dangling backslash"));
        };
        self.pos += 1;
        let digit = vec![('0', '9')];
        let word = vec![('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')];
        let space = vec![
            ('\t', '\r'),
            (' ', ' '),
            ('\u{a0}', '\u{a0}'),
            ('\u{1680}', '\u{1680}'),
            ('\u{2000}', '\u{200a}'),
            ('\u{2028}', '\u{2029}'),
            ('\u{202f}', '\u{202f}'),
            ('\u{205f}', '\u{205f}'),
            ('\u{3000}', '\u{3000}'),
            ('\u{feff}', '\u{feff}'),
        ];
        let class = |ranges, negated| Class { ranges, negated };
        Ok(match c {
            'd' => class(digit, false),
            'D' => class(digit, true),
            'w' => class(word, false),
            'W' => class(word, true),
            's' => class(space, false),
            'S' => class(space, true),
            'n' => Class::single('\n'),
            'r' => Class::single('\r'),
            't' => Class::single('\t'),
            c if c.is_ascii_punctuation() => Class::single(c),
            _ => return Err(self.error("unsupported escape")),
        })
    }

    /// After `[`: ranges, single characters and class escapes, up to `]`.
    fn class(&mut self) -> Result<Class, PatternError> {
        let negated = self.peek() == Some('^');
        if negated {
            self.pos += 1;
        }
        let mut ranges = Vec::new();
        let mut first = true;
        loop {
            let Some(c) = self.peek() else {
                return Err(self.error("unterminated ["));
            };
            self.pos += 1;
            if c == ']' && !first {
                break;
            }
            first = false;
            let lo = if c == '\\' {
                let escaped = self.escape()?;
                if escaped.negated
                    || escaped.ranges.len() != 1
                    || escaped.ranges[0].0 != escaped.ranges[0].1
                {
                    if escaped.negated {
                        return Err(self.error("negated class escapes inside [] are not supported"));
                    }
                    ranges.extend(escaped.ranges);
                    continue;
                }
                escaped.ranges[0].0
            } else {
                c
            };
            if self.peek() == Some('-') && self.chars.get(self.pos + 1).is_some_and(|n| *n != ']') {
                self.pos += 1;
                let Some(hi) = self.peek() else {
                    return Err(self.error("unterminated range"));
                };
                self.pos += 1;
                let hi = if hi == '\\' {
                    let escaped = self.escape()?;
                    match escaped.ranges.as_slice() {
                        [(a, b)] if a == b && !escaped.negated => *a,
                        _ => return Err(self.error("a class escape cannot end a range")),
                    }
                } else {
                    hi
                };
                if hi < lo {
                    return Err(self.error("range out of order"));
                }
                ranges.push((lo, hi));
            } else {
                ranges.push((lo, lo));
            }
        }
        Ok(Class { ranges, negated })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, text: &str) -> bool {
        Pattern::new(pattern).unwrap().is_match(text)
    }

    #[test]
    fn the_catalogs_patterns_match_what_they_should() {
        let sys_id = "^[0-9a-f]{32}$";
        assert!(m(sys_id, "0a826bf03710200044e0bfc8bcbe5d7a"));
        assert!(!m(sys_id, "0A826BF03710200044E0BFC8BCBE5D7A"));
        assert!(!m(sys_id, "0a826bf03710200044e0bfc8bcbe5d7"));
        assert!(!m(sys_id, "0a826bf03710200044e0bfc8bcbe5d7aa"));
        assert!(!m(sys_id, "Alice"));
        let id = "^([0-9a-f]{32}|INC[0-9]{4,})$";
        assert!(m(id, "INC0010001"));
        assert!(m(id, "0a826bf03710200044e0bfc8bcbe5d7a"));
        assert!(!m(id, "INC001"));
        assert!(!m(id, "inc0010001"));
        let empty_or_date = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$";
        assert!(m(empty_or_date, ""));
        assert!(m(empty_or_date, "2026-12-01"));
        assert!(!m(empty_or_date, "2026-12-1"));
        let decimal = "^-?[0-9]+([.][0-9]+)?$";
        for (t, ok) in [
            ("1", true),
            ("-1.5", true),
            ("1.", false),
            (".5", false),
            ("1e3", false),
        ] {
            assert_eq!(m(decimal, t), ok, "{t}");
        }
        let field = "^[a-z0-9_.]+$";
        assert!(m(field, "caller_id.name"));
        assert!(!m(field, "caller_id,name"));
        assert!(!m(field, ""));
    }

    #[test]
    fn unanchored_patterns_search_anywhere() {
        assert!(m("\\S", "  x "));
        assert!(!m("\\S", " \t\n"));
        assert!(m("b+", "aaabbb"));
        assert!(!m("^b", "ab"));
        assert!(m("a|^c", "xa"));
    }

    #[test]
    fn classes_escapes_and_quantifiers() {
        assert!(m("^[A-Z]{2,6}$", "INC"));
        assert!(!m("^[A-Z]{2,6}$", "I"));
        assert!(!m("^[A-Z]{2,6}$", "ABCDEFG"));
        assert!(m("^[a-z][a-z0-9_]*$", "add_work_note"));
        assert!(!m("^[a-z][a-z0-9_]*$", "1abc"));
        assert!(m("^[^,]+$", "abc"));
        assert!(!m("^[^,]+$", "a,c"));
        assert!(m("^\\d{3}-\\w+$", "123-ab_c"));
        assert!(m("^[\\w.-]+$", "a.b-c"));
        assert!(m("^a{2,}$", "aaaa"));
        assert!(!m("^a{2,}$", "a"));
        assert!(m("^(?:ab)+$", "ababab"));
        assert!(m("^.$", "é"));
        assert!(!m("^.$", "\n"));
        assert!(m("^[]a]$", "]"));
        assert!(m("^a\\.b$", "a.b"));
        assert!(!m("^a\\.b$", "axb"));
    }

    #[test]
    fn hostile_patterns_and_inputs_stay_linear() {
        // Catastrophic for a backtracker; linear here.
        let p = Pattern::new("^(a+)+$").unwrap();
        let mut text = "a".repeat(20_000);
        text.push('b');
        assert!(!p.is_match(&text));
    }

    #[test]
    fn unsupported_syntax_is_refused_with_a_reason() {
        for bad in [
            "(?=a)", "a**", "a+?", "[z-a]", "a{3,2}", "(a", "a)", "[abc", "\\", "\\q", "*a",
            "a{2000}", "(?<n>a)",
        ] {
            assert!(Pattern::new(bad).is_err(), "{bad}");
        }
    }
}
