//! The engine's rooms (docs/adr/0016-engine-rooms.md), checked from its source text.
//!
//! The rule: every folder directly under `src/` is a room, and so is every file directly under
//! `src/` other than `lib.rs`. `lib.rs` is the front door: it declares the rooms and re-exports
//! the public API, so it names every room and is no room itself; a name it defines (`Engine`,
//! `EngineError`'s re-export aside) leads nowhere, and a name it re-exports or aliases
//! (`crate::slugify`, `crate::sites`) counts as the room it comes from. A room uses another
//! through `crate::ROOM::…`, a re-exported name, or `super::` paths that climb out of it.
//! Those uses must form no circle: the rooms are layers, and each uses only those below it.
//! The test names the circle it finds, with the file and line of each step.
//!
//! Also: no function over 80 lines anywhere in `src/` (from its `fn` line to its closing
//! brace), so long work reads as named steps.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The longest a function may be, in lines from `fn` to its closing brace.
const MAX_FN_LINES: usize = 80;

/// Functions allowed past [`MAX_FN_LINES`], as `file:function`, each with why. Empty: keep it
/// so.
const LONG_FUNCTIONS_ALLOWED: &[&str] = &[];

#[test]
fn the_rooms_form_no_circle() {
    let files = engine_sources();
    let graph = RoomGraph::of(&files);
    if let Some(circle) = graph.circle() {
        panic!("the engine's rooms import each other in a circle:\n{circle}");
    }
    // The layers are what the ADR says; a room that vanished or an empty graph would pass
    // the check above for the wrong reason.
    for (from, to) in
        [("queue", "pipeline"), ("live", "queue"), ("api", "live"), ("history", "queue")]
    {
        assert!(graph.uses(from, to), "expected {from} to use {to}; the rooms moved?");
    }
}

#[test]
fn no_function_is_over_80_lines() {
    let mut long = Vec::new();
    for file in engine_sources() {
        for f in functions(&file.code) {
            let name = format!("{}:{}", file.rel, f.name);
            if f.lines > MAX_FN_LINES && !LONG_FUNCTIONS_ALLOWED.contains(&name.as_str()) {
                long.push(format!("{}:{} {} is {} lines", file.rel, f.line, f.name, f.lines));
            }
        }
    }
    assert!(long.is_empty(), "split these into named steps:\n{}", long.join("\n"));
}

#[test]
fn a_circle_between_rooms_is_found_and_named() {
    let files = vec![
        source("lib.rs", "mod a;\nmod b;\nmod c;\npub use c::Thing;\n"),
        source("a/mod.rs", "pub mod one;\n"),
        source("a/one.rs", "use crate::b::two::Two;\n"),
        source("b/two.rs", "fn f() { let _ = crate::Thing; }\n"),
        source("c.rs", "mod inner {\n    use super::super::a::one;\n}\n"),
    ];
    let circle = RoomGraph::of(&files).circle().expect("a → b → c → a");
    assert!(circle.contains("a → b"), "{circle}");
    assert!(circle.contains("c → a"), "{circle}");
    assert!(circle.contains("b/two.rs:1"), "the step's place is named: {circle}");
    let layered = vec![
        source("lib.rs", "mod a;\nmod b;\n"),
        source("a/one.rs", "use crate::b::Two;\nmod tests { use super::*; }\n"),
        source("b/two.rs", "// use crate::a::one;\nconst S: &str = \"crate::a::x\";\n"),
    ];
    assert_eq!(RoomGraph::of(&layered).circle(), None);
}

#[test]
fn function_lengths_are_counted_from_fn_to_its_brace() {
    let code = strip("fn short() {\n    let s = \"}\";\n}\n\nfn f(a: [u8; 4]) -> u8 {\n    if true {\n        a[0]\n    } else { 0 }\n}\ntrait T { fn g(&self); }\n");
    let found: Vec<(String, usize)> =
        functions(&code).into_iter().map(|f| (f.name, f.lines)).collect();
    assert_eq!(found, vec![("short".to_string(), 3), ("f".to_string(), 5)]);
}

struct SourceFile {
    /// Path under `src/`, with `/`.
    rel: String,
    /// The text with comments and literals blanked out (line breaks kept).
    code: String,
}

fn source(rel: &str, text: &str) -> SourceFile {
    SourceFile { rel: rel.to_string(), code: strip(text) }
}

fn engine_sources() -> Vec<SourceFile> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    collect(&src, &mut paths);
    paths.sort();
    assert!(paths.len() > 20, "found only {} files under {}", paths.len(), src.display());
    paths
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/");
            source(&rel, &std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file: `pipeline/planner.rs` → [pipeline, planner], `api/mod.rs` →
/// [api], `lib.rs` → [].
fn module_path(rel: &str) -> Vec<String> {
    let mut parts: Vec<String> = rel.trim_end_matches(".rs").split('/').map(String::from).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// One room using another: where, for the message.
#[derive(Clone)]
struct Use {
    file: String,
    line: usize,
}

struct RoomGraph {
    edges: BTreeMap<String, BTreeMap<String, Use>>,
}

impl RoomGraph {
    fn of(files: &[SourceFile]) -> RoomGraph {
        let front = files.iter().find(|f| f.rel == "lib.rs").expect("lib.rs");
        let names = FrontDoor::read(&front.code);
        let mut edges: BTreeMap<String, BTreeMap<String, Use>> = BTreeMap::new();
        for file in files.iter().filter(|f| f.rel != "lib.rs") {
            let here = module_path(&file.rel);
            let room = here[0].clone();
            for (line, target) in paths_used(&file.code, &here) {
                let Some(to) = names.room_of(&target) else { continue };
                if to != room {
                    let use_ = Use { file: file.rel.clone(), line };
                    edges.entry(room.clone()).or_default().entry(to).or_insert(use_);
                }
            }
        }
        RoomGraph { edges }
    }

    fn uses(&self, from: &str, to: &str) -> bool {
        self.edges.get(from).is_some_and(|e| e.contains_key(to))
    }

    /// The first circle found, one step a line: `a → b (a/one.rs:3)`.
    fn circle(&self) -> Option<String> {
        let mut done = BTreeSet::new();
        for start in self.edges.keys() {
            let mut trail = Vec::new();
            if let Some(circle) = self.walk(start, &mut trail, &mut done) {
                return Some(circle);
            }
        }
        None
    }

    fn walk(
        &self,
        room: &str,
        trail: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<String> {
        if let Some(at) = trail.iter().position(|r| r == room) {
            let mut rooms: Vec<&String> = trail[at..].iter().collect();
            let first = rooms[0].clone();
            rooms.push(&first);
            let steps: Vec<String> = rooms
                .windows(2)
                .map(|w| {
                    let u = &self.edges[w[0].as_str()][w[1].as_str()];
                    format!("  {} → {} ({}:{})", w[0], w[1], u.file, u.line)
                })
                .collect();
            return Some(steps.join("\n"));
        }
        if done.contains(room) {
            return None;
        }
        trail.push(room.to_string());
        for next in self.edges.get(room).into_iter().flat_map(|e| e.keys()) {
            if let Some(circle) = self.walk(next, trail, done) {
                return Some(circle);
            }
        }
        trail.pop();
        done.insert(room.to_string());
        None
    }
}

/// What `lib.rs` declares: its modules (the rooms) and the names it re-exports or aliases,
/// each with the room it comes from.
struct FrontDoor {
    rooms: BTreeSet<String>,
    aliases: BTreeMap<String, String>,
}

impl FrontDoor {
    fn read(code: &str) -> FrontDoor {
        let mut rooms = BTreeSet::new();
        let mut aliases = BTreeMap::new();
        for statement in code.split(';') {
            let words: Vec<&str> = statement.split_whitespace().collect();
            let Some(at) = words.iter().position(|w| *w == "mod" || *w == "use") else { continue };
            let rest = words[at + 1..].join(" ");
            if words[at] == "mod" {
                rooms.insert(rest.trim().to_string());
                continue;
            }
            let Some((first, tail)) = rest.split_once("::") else { continue };
            for name in leaf_names(tail) {
                aliases.insert(name, first.trim().to_string());
            }
        }
        aliases.retain(|_, from| rooms.contains(from));
        FrontDoor { rooms, aliases }
    }

    /// The room a path from the crate root leads to, if any.
    fn room_of(&self, target: &[String]) -> Option<String> {
        let first = target.first()?;
        if self.rooms.contains(first) {
            return Some(first.clone());
        }
        self.aliases.get(first).cloned()
    }
}

/// The names a use tree brings in: `{expand, slugify as slug, x::Y}` → expand, slug, Y.
fn leaf_names(tree: &str) -> Vec<String> {
    tree.split([',', '{', '}'])
        .filter_map(|item| {
            let item = item.trim();
            let name = match item.split_once(" as ") {
                Some((_, alias)) => alias.trim(),
                None => item.rsplit("::").next().unwrap_or(item).trim(),
            };
            (!name.is_empty() && name != "self" && name != "*").then(|| name.to_string())
        })
        .collect()
}

/// Every path from the crate root used in `code`, by line: `crate::a::b` → [a, b];
/// `crate::{a, b::c}` → [a] and [b, c]; `super::x` resolved against the module it is in
/// (inline modules such as `mod tests` count).
fn paths_used(code: &str, file_module: &[String]) -> Vec<(usize, Vec<String>)> {
    let bytes = code.as_bytes();
    let mut out = Vec::new();
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut line = 1;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => line += 1,
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
            }
            _ => {}
        }
        let word_start = i == 0 || !is_ident(bytes[i - 1]);
        if word_start && code[i..].starts_with("mod ") {
            if let Some(name) = inline_module(&code[i + 4..]) {
                inline.push((name, depth));
            }
        }
        let root = if word_start && code[i..].starts_with("crate::") {
            Some((Vec::new(), i + 7))
        } else if word_start && code[i..].starts_with("super::") {
            let mut module: Vec<String> = file_module.to_vec();
            module.extend(inline.iter().map(|(n, _)| n.clone()));
            let mut j = i;
            while code[j..].starts_with("super::") {
                module.pop();
                j += 7;
            }
            Some((module, j))
        } else {
            None
        };
        if let Some((base, after)) = root {
            for tail in use_tree_heads(&code[after..]) {
                let mut target = base.clone();
                target.push(tail);
                out.push((line, target));
            }
            let skipped = code[i..after].matches('\n').count();
            line += skipped;
            i = after;
            continue;
        }
        i += 1;
    }
    out
}

/// `tests {` after `mod ` → "tests"; `tests;` (a file module) → none.
fn inline_module(rest: &str) -> Option<String> {
    let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    let after = rest[name.len()..].trim_start();
    (!name.is_empty() && after.starts_with('{')).then_some(name)
}

/// The first segments a path continues with: `a::b` → [a]; `{a, b::c}` → [a, b].
fn use_tree_heads(rest: &str) -> Vec<String> {
    let rest = rest.trim_start();
    if let Some(inner) = rest.strip_prefix('{') {
        let mut heads = Vec::new();
        let mut depth = 0;
        let mut item = String::new();
        for c in inner.chars() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    heads.push(std::mem::take(&mut item));
                    continue;
                }
                _ => {}
            }
            if depth == 0 || c != '{' {
                item.push(c);
            }
        }
        heads.push(item);
        return heads.into_iter().filter_map(|h| first_word(&h)).collect();
    }
    first_word(rest).into_iter().collect()
}

fn first_word(s: &str) -> Option<String> {
    let w: String =
        s.trim_start().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    (!w.is_empty() && w != "self").then_some(w)
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

struct Function {
    name: String,
    line: usize,
    lines: usize,
}

/// Every function with a body, with its length in lines from `fn` to its closing brace.
fn functions(code: &str) -> Vec<Function> {
    let bytes = code.as_bytes();
    let line_at = |at: usize| code[..at].matches('\n').count() + 1;
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(found) = code[i..].find("fn ") {
        let at = i + found;
        i = at + 3;
        if at > 0 && is_ident(bytes[at - 1]) {
            continue;
        }
        let name: String =
            code[at + 3..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if name.is_empty() {
            continue;
        }
        let Some(open) = body_start(&code[at..]).map(|o| at + o) else { continue };
        let Some(close) = matching_brace(&code[open..]).map(|c| open + c) else { continue };
        let (first, last) = (line_at(at), line_at(close));
        out.push(Function { name, line: first, lines: last - first + 1 });
    }
    out
}

/// Where the body's `{` is, or `None` for a declaration that ends in `;` (in a trait).
fn body_start(from_fn: &str) -> Option<usize> {
    let mut depth = 0i32;
    let mut previous = ' ';
    for (k, c) in from_fn.char_indices() {
        let arrow = previous == '-';
        previous = c;
        match c {
            '(' | '[' | '<' => depth += 1,
            '>' if arrow => {}
            ')' | ']' | '>' => depth -= 1,
            ';' if depth <= 0 => return None,
            '{' if depth <= 0 => return Some(k),
            _ => {}
        }
    }
    None
}

fn matching_brace(from_open: &str) -> Option<usize> {
    let mut depth = 0;
    for (k, c) in from_open.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(k);
                }
            }
            _ => {}
        }
    }
    None
}

/// Blanks comments, strings and character literals (keeping line breaks), so that neither a
/// `crate::` in a doc comment nor a `}` in a string is taken for code.
fn strip(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('#') || next == Some('"')) && !prev_ident(&chars, i) {
            let mut hashes = 0;
            let mut j = i + 1;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let end = (j + 1..chars.len())
                .find(|&k| chars[k] == '"' && (1..=hashes).all(|h| chars.get(k + h) == Some(&'#')));
            let end = end.map_or(chars.len(), |k| k + 1 + hashes);
            out.extend(chars[i..end].iter().map(|&c| blank(c)));
            i = end;
        } else if c == '"' {
            let mut j = i + 1;
            while j < chars.len() && chars[j] != '"' {
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            let end = (j + 1).min(chars.len());
            out.extend(chars[i..end].iter().map(|&c| blank(c)));
            i = end;
        } else if c == '\'' && char_literal_end(&chars, i).is_some() {
            let end = char_literal_end(&chars, i).unwrap();
            out.extend(chars[i..end].iter().map(|&c| blank(c)));
            i = end;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn prev_ident(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

/// The end of a character literal starting at `i` (`'a'`, `'\n'`, `'\u{7f}'`), or `None` for
/// a lifetime (`'a`).
fn char_literal_end(chars: &[char], i: usize) -> Option<usize> {
    if chars.get(i + 1) == Some(&'\\') {
        let close = (i + 2..chars.len().min(i + 12)).find(|&k| chars[k] == '\'')?;
        return Some(close + 1);
    }
    (chars.get(i + 2) == Some(&'\'')).then_some(i + 3)
}
