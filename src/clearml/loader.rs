//! ClearML's configuration loader, exactly: the tree the apiserver ends with for one container,
//! or why it would not start. A port of clearml-server's `apiserver/config/basic.py`
//! (`BasicConfig()` with its defaults, as `apiserver/config_repo.py` builds it), branch by
//! branch, on pyhocon 0.3.63's object model ([`crate::pyhocon`] reads each text):
//!
//! 1. folders: the image's default folder ([`DEFAULT_FOLDER`]; it must be a directory or the
//!    apiserver stops with `ValueError`), then the first *non-empty* of `CLEARML_CONFIG_DIR`,
//!    `TRAINS_CONFIG_DIR`, else `/opt/trains/config:/opt/clearml/config`, split on `:`, each
//!    through `os.path.expandvars` then `Path.expanduser`, kept only when it is a directory.
//!    An empty entry (`a::b`, a trailing `:`) is `Path('')`, the working directory: the loader
//!    then reads every `*.conf` under it (under `/opt/clearml` in the image).
//! 2. each folder: every `*.conf` found by `rglob` (hidden files and hidden directories
//!    included — a ConfigMap volume's `..<timestamp>` directory is read too; a directory that
//!    is a symbolic link below the folder is not entered — a ConfigMap volume's `..data` and
//!    the links to its top-level directories, [`Input::symlinked_dirs`]; a *directory*
//!    named `x.conf` fails to open and stops the apiserver), keyed by its relative path without
//!    the suffix joined with `.`, and `ConfigTree.put` into that folder's tree: the key is split
//!    by pyhocon's `parse_key`, an existing tree there is merged into in place.
//! 3. the environment: prefixes `TRAINS__` then `CLEARML__` (exact, case-sensitive
//!    `startswith`), names sorted by code point, path = rest with `__` → `.`, Python's
//!    `.lower()`, each `"{path}: {value}"` read by pyhocon (the process environment as its
//!    `${X}` fallback) and merged into the result with ClearML's `_merge_configs`.
//! 4. the folder trees then the environment tree merged, in order, with `_merge_configs(...,
//!    copy_trees=True)`: a key starting with `-` replaces instead of merging (the `-` is
//!    dropped), and every `key in a` / `a[key]` is pyhocon's path lookup (`parse_key`) while
//!    every `a[key] = v` is a raw dict store — this port keeps both, and Python's object
//!    identity (a merged subtree is shared, `copy()` is shallow and reads through the path
//!    lookup), so quirks such as an empty key raising `IndexError` are the loader's.
//!
//! What the caller must give: the container's final environment (Kubernetes' `envFrom`/`env`
//! order and `$(VAR)` expansion already applied), every file visible in the container under
//! the folders the loader may read, and the directories it cannot see ([`Input::opaque_dirs`]:
//! the image's own files, volumes not in the stream). What those could change is reported as
//! unknown ([`Loaded::unknown`]), never guessed. `rglob`'s order is the filesystem's: where two
//! files of one folder have keys one of which is a prefix of the other, the result depends on
//! it, and [`Loaded::order_dependent`] says so (the tree is then the one for the order of
//! [`Input::listing_order`], else names in code-point order, a directory's own files first).
//! A `..` in a folder is resolved as the kernel does (the directory before it must exist);
//! one right after a symbolic link is unknown (the kernel goes up from the link's target).
//!
//! The webserver reads its `WEBSERVER__*` variables with another script and JSON:
//! [`crate::clearml::webserver`].
//!
//! This module depends only on [`crate::pyhocon`]. It reads no file and no environment of the
//! process it runs in, prints nothing, and knows nothing of Kubernetes or of the policy.

use crate::pyhocon::{self, Value};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

/// The image's default configuration folder (`Path(basic.py).with_name("default")`).
pub const DEFAULT_FOLDER: &str = "/opt/clearml/apiserver/config/default";
/// The extra folders read when neither override variable is set (`EXTRA_CONFIG_PATHS`).
pub const EXTRA_CONFIG_PATHS: [&str; 2] = ["/opt/trains/config", "/opt/clearml/config"];
/// The prefixes of the variables the loader reads as configuration, in its order
/// (`extra_config_values_env_key_prefix`).
pub const ENV_PREFIXES: [&str; 2] = ["TRAINS__", "CLEARML__"];

/// Whether the loader reads the variable `name` as configuration by its prefix
/// ([`ENV_PREFIXES`]; Python's `startswith`, case-sensitive).
pub fn reads_by_prefix(name: &str) -> bool {
    ENV_PREFIXES.iter().any(|p| name.starts_with(p))
}
/// The image's working directory (the Dockerfile's `WORKDIR`), for relative folders.
pub const IMAGE_WORKDIR: &str = "/opt/clearml";

/// What the loader reads in one container.
#[derive(Debug, Clone)]
pub struct Input {
    /// The process environment, in order, names unique.
    pub env: Vec<(String, String)>,
    /// Every file visible in the container that the loader may read: absolute path → text.
    pub files: BTreeMap<String, String>,
    /// Directories whose contents the caller cannot see (absolute).
    pub opaque_dirs: Vec<String>,
    /// The working directory (relative folders and empty entries resolve against it).
    pub cwd: String,
    /// The default folder ([`DEFAULT_FOLDER`] in the image).
    pub default_folder: String,
    /// The default folder is the image's own, its files not given: it is taken to give
    /// `secure` and `services` as objects (its `secure.conf` and `services/*.conf`) and nothing
    /// at or under `secure.login` or `services.login` (clearml-server's defaults hold no
    /// `login` key). Their existence matters: a variable's `-login` key, kept as is when the
    /// environment alone has no `secure` yet, is read as `login` only when the folders gave a
    /// `secure` object. `tests/oracle/loader.rs` checks that the SSO subtrees are then the same
    /// as with the files. The tree lacks the defaults' other keys ([`Loaded::assumed`]); a
    /// folder inside the default folder is then unknown.
    pub default_folder_is_image: bool,
    /// The folders read when no override variable is set ([`EXTRA_CONFIG_PATHS`]).
    pub extra_config_paths: Vec<String>,
    /// `rglob`'s order per folder (folder path as normalized here → file paths), when known;
    /// otherwise names in code-point order.
    pub listing_order: BTreeMap<String, Vec<String>>,
    /// Directories that are symbolic links (absolute). `rglob` does not enter one below the
    /// folder it walks (Python's `_RecursiveWildcardSelector` recurses only into entries that
    /// are directories and not symlinks), though a folder may be one or lie inside one; a `..`
    /// right after one is refused as unknown (the kernel resolves it from the link's target).
    pub symlinked_dirs: Vec<String>,
}

impl Input {
    /// An input with the image's folders and working directory.
    pub fn new(env: Vec<(String, String)>, files: BTreeMap<String, String>) -> Input {
        Input {
            env,
            files,
            opaque_dirs: Vec::new(),
            cwd: IMAGE_WORKDIR.to_string(),
            default_folder: DEFAULT_FOLDER.to_string(),
            default_folder_is_image: false,
            extra_config_paths: EXTRA_CONFIG_PATHS.iter().map(|s| s.to_string()).collect(),
            listing_order: BTreeMap::new(),
            symlinked_dirs: Vec::new(),
        }
    }
}

/// The configuration the apiserver ends with.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// The final tree (keys as pyhocon stores them).
    pub config: Value,
    /// The folders read, in order (normalized paths).
    pub folders: Vec<String>,
    /// Key paths (pyhocon path elements) under which an opaque directory could put anything;
    /// an empty path means the whole tree. With a reason.
    pub unknown: Vec<(Vec<String>, String)>,
    /// What was assumed rather than read ([`Input::default_folder_is_image`]).
    pub assumed: Vec<String>,
    /// Pairs of files of one folder whose order (the filesystem's) can change the tree.
    pub order_dependent: Vec<(String, String)>,
    /// The sources (a file, a variable) that set something at or under `secure.login.sso` or
    /// `services.login.sso`, or a non-object above it (keys read with one leading `-`
    /// dropped): `(path, source)`, variables first (the loader reads them first).
    pub sso_sources: Vec<(&'static str, String)>,
    /// Every name the loader looked up in the environment by name (the override variables,
    /// `$X` in a folder, `HOME` for `~`, pyhocon's `${X}` fallback), in code-point order: with
    /// the names it takes by prefix ([`ENV_PREFIXES`]), all the environment it reads.
    pub env_read: Vec<String>,
}

/// The two SSO paths ClearML reads.
pub const SSO_PATHS: [&str; 2] = ["secure.login.sso", "services.login.sso"];
/// [`SSO_PATHS`] split into keys.
const SSO_PARTS: [&[&str]; 2] = [&["secure", "login", "sso"], &["services", "login", "sso"]];

/// Whether `tree`, read from `prefix`, holds something at or under `path` (each key with one
/// leading `-` dropped, as the final merge reads it).
fn mentions(tree: &Tree, prefix: &[String], path: &[&str]) -> bool {
    if prefix.len() >= path.len() {
        return prefix[..path.len()].iter().zip(path).all(|(a, b)| a == b);
    }
    if !prefix.iter().zip(path).all(|(a, b)| a == b) {
        return false;
    }
    tree.borrow().iter().any(|(k, v)| {
        // A one-part key that is not the path's next part leads nowhere on it.
        if single_part(k) && k.strip_prefix('-').unwrap_or(k) != path[prefix.len()] {
            return false;
        }
        let mut p = prefix.to_vec();
        if single_part(k) {
            // `parse_key(k)` is `[k]`: nothing to split.
            p.push(k.strip_prefix('-').unwrap_or(k).to_string());
        } else {
            p.extend(
                parse_key(k)
                    .into_iter()
                    .map(|e| e.strip_prefix('-').map(String::from).unwrap_or(e)),
            );
        }
        match v {
            Node::Tree(t) => mentions(t, &p, path),
            Node::Leaf(_) => {
                let n = p.len().min(path.len());
                p[..n].iter().zip(path).all(|(a, b)| a == b)
            }
        }
    })
}

/// Why the apiserver would not start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The default folder is not a directory (`ValueError: Invalid configuration folder`).
    NoDefaultFolder(String),
    /// An environment variable's `"{path}: {value}"` fails in pyhocon.
    Variable {
        /// The variable's name.
        name: String,
        /// Why.
        error: pyhocon::Error,
    },
    /// A configuration file fails to parse.
    File {
        /// Its path.
        path: String,
        /// Why.
        error: pyhocon::Error,
    },
    /// A directory matched `*.conf` (`IsADirectoryError` when the loader opens it).
    DirectoryNamedConf(String),
    /// A Python exception raised by the loader's own merging (`IndexError` for an empty key,
    /// `ConfigMissingException`, ...), while merging the named source.
    Merge {
        /// The file, folder or variable being merged.
        source: String,
        /// The exception's class.
        error: &'static str,
    },
    /// The outcome depends on something this model does not know (a `~user` home directory,
    /// `~` with no `HOME`, a lower-casing newer than the image's Python, ...).
    Unknown(String),
    /// A name looked up (`${?X}`, `$X`, ...) that the pod does not set: the runtime, the
    /// image's `ENV` or its entrypoint may set it, so the outcome is unknown.
    SetOutside {
        /// The name looked up.
        name: String,
        /// What looked it up first: `variable NAME`, `file PATH` or the config folders.
        source: String,
    },
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::NoDefaultFolder(p) => write!(f, "the default folder {p} is not a directory"),
            Failure::Variable { name, error } => write!(f, "variable {name}: {error}"),
            Failure::File { path, error } => write!(f, "file {path}: {error}"),
            Failure::DirectoryNamedConf(p) => write!(f, "{p} is a directory named *.conf"),
            Failure::Merge { source, error } => write!(f, "merging {source} raises {error}"),
            Failure::Unknown(why) => write!(f, "cannot tell: {why}"),
            Failure::SetOutside { name, source } => write!(
                f,
                "cannot tell: {name} is looked up, and the pod does not set it ({source} looks it up): the container runtime, the image's ENV or its entrypoint may set it, with a value the stream does not show"
            ),
        }
    }
}

impl std::error::Error for Failure {}

// ---- pyhocon's ConfigTree with Python's object identity ----

type Tree = Rc<RefCell<Vec<(String, Node)>>>;

#[derive(Debug, Clone)]
enum Node {
    Tree(Tree),
    Leaf(Value),
}

/// A Python exception's class name.
type PyErr = &'static str;

fn new_tree() -> Tree {
    Rc::new(RefCell::new(Vec::new()))
}

fn from_value(v: Value) -> Node {
    match v {
        Value::Object(items) => Node::Tree(tree_of(items)),
        v => Node::Leaf(v),
    }
}

/// The tree of an object's items.
fn tree_of(items: Vec<(String, Value)>) -> Tree {
    Rc::new(RefCell::new(
        items.into_iter().map(|(k, v)| (k, from_value(v))).collect(),
    ))
}

fn to_value(n: &Node, depth: usize) -> Value {
    match n {
        Node::Leaf(v) => v.clone(),
        Node::Tree(_) if depth > 400 => Value::Unresolved,
        Node::Tree(t) => Value::Object(
            t.borrow()
                .iter()
                .map(|(k, v)| (k.clone(), to_value(v, depth + 1)))
                .collect(),
        ),
    }
}

/// [`to_value`] taking the tree: a subtree held nowhere else is moved, not copied (a shared
/// one, or one in a cycle, is copied as [`to_value`] copies it).
fn into_value(n: Node, depth: usize) -> Value {
    match n {
        Node::Leaf(v) => v,
        Node::Tree(_) if depth > 400 => Value::Unresolved,
        Node::Tree(t) => match Rc::try_unwrap(t) {
            Ok(cell) => Value::Object(
                cell.into_inner()
                    .into_iter()
                    .map(|(k, v)| (k, into_value(v, depth + 1)))
                    .collect(),
            ),
            Err(t) => to_value(&Node::Tree(t), depth),
        },
    }
}

/// `ConfigTree.parse_key`, as pyhocon splits a key (one reading, in [`crate::pyhocon`]).
pub use crate::pyhocon::parse_key;

fn raw_get(t: &Tree, k: &str) -> Option<Node> {
    t.borrow()
        .iter()
        .find(|(key, _)| key == k)
        .map(|(_, v)| v.clone())
}

/// `a[k] = v`: OrderedDict's store (an existing key keeps its place).
fn set(t: &Tree, k: &str, v: Node) {
    let mut items = t.borrow_mut();
    if let Some(slot) = items.iter_mut().find(|(key, _)| key == k) {
        slot.1 = v;
    } else {
        items.push((k.to_string(), v));
    }
}

/// Whether `parse_key(key)` is `[key]`: not empty, no `.`, no quote, none of its special
/// characters. Most keys are; their lookups then need no splitting.
fn single_part(key: &str) -> bool {
    !key.is_empty() && !key.bytes().any(|b| crate::pyhocon::KEY_SYNTAX[b as usize])
}

/// What `ConfigTree._get(parse_key(key))` finds.
enum Got<R> {
    /// The value there, as `f` reads it.
    Found(R),
    /// No such key (`ConfigMissingException`, or the default).
    Missing,
    /// A part before the last is not a tree (`ConfigWrongTypeException`, or the default).
    WrongType,
}

/// Walks `parse_key(key)` from `t` and reads the node found with `f` (without cloning it).
fn lookup<R>(t: &Tree, key: &str, f: impl FnOnce(&Node) -> R) -> Result<Got<R>, PyErr> {
    let path;
    let (holder, last): (Tree, &str) = if single_part(key) {
        (t.clone(), key)
    } else {
        path = parse_key(key);
        let Some((last, inner)) = path.split_last() else {
            return Err("IndexError");
        };
        let mut cur = t.clone();
        for elt in inner {
            match raw_get(&cur, elt) {
                Some(Node::Tree(next)) => cur = next,
                Some(Node::Leaf(_)) => return Ok(Got::WrongType),
                None => return Ok(Got::Missing),
            }
        }
        (cur, last.as_str())
    };
    let items = holder.borrow();
    Ok(match items.iter().find(|(k, _)| k == last) {
        Some((_, n)) => Got::Found(f(n)),
        None => Got::Missing,
    })
}

/// `key in tree`.
fn contains(t: &Tree, key: &str) -> Result<bool, PyErr> {
    Ok(matches!(lookup(t, key, |_| ())?, Got::Found(())))
}

/// `tree[key]` read by `f` (raises where `_get` raises without a default).
fn getitem_with<R>(t: &Tree, key: &str, f: impl FnOnce(&Node) -> R) -> Result<R, PyErr> {
    match lookup(t, key, f)? {
        Got::Found(r) => Ok(r),
        Got::Missing => Err("ConfigMissingException"),
        Got::WrongType => Err("ConfigWrongTypeException"),
    }
}

/// `tree[key]` (raises where `_get` raises without a default).
fn getitem(t: &Tree, key: &str) -> Result<Node, PyErr> {
    getitem_with(t, key, Node::clone)
}

/// Whether `tree[key]` is a tree (raises as `tree[key]` does).
fn getitem_is_tree(t: &Tree, key: &str) -> Result<bool, PyErr> {
    getitem_with(t, key, |n| matches!(n, Node::Tree(_)))
}

/// `OrderedDict.copy` on a subclass: a new tree filled with `self[k]` for each raw key.
fn copy(t: &Tree) -> Result<Tree, PyErr> {
    let keys: Vec<String> = t.borrow().iter().map(|(k, _)| k.clone()).collect();
    let out = new_tree();
    for k in keys {
        let v = getitem(t, &k)?;
        set(&out, &k, v);
    }
    Ok(out)
}

/// pyhocon's `ConfigTree.merge_configs` (`clearml == false`) or ClearML's `_merge_configs`
/// with its `-` override prefix (`clearml == true`).
fn merge(a: &Tree, b: &Tree, copy_trees: bool, clearml: bool, depth: usize) -> Result<(), PyErr> {
    if depth > 900 || Rc::ptr_eq(a, b) {
        return Err("RecursionError");
    }
    let items: Vec<(String, Node)> = b.borrow().clone();
    for (raw_key, value) in items {
        let (key, override_) = match raw_key.strip_prefix('-') {
            Some(rest) if clearml => (rest, true),
            _ => (raw_key.as_str(), false),
        };
        // `key in a and isinstance(a[key], ConfigTree)`: one lookup answers both (`a[key]` is
        // read only when the key is there, and then reads what `in` found).
        let both_trees = !override_
            && matches!(
                lookup(a, key, |n| matches!(n, Node::Tree(_)))?,
                Got::Found(true)
            )
            && getitem_is_tree(b, key)?;
        if both_trees {
            if copy_trees {
                let Node::Tree(cur) = getitem(a, key)? else {
                    return Err("TypeError");
                };
                set(a, key, Node::Tree(copy(&cur)?));
            }
            let (Node::Tree(x), Node::Tree(y)) = (getitem(a, key)?, getitem(b, key)?) else {
                // `_merge_configs` on a non-tree: `b.items()` fails.
                return Err("AttributeError");
            };
            merge(&x, &y, copy_trees, clearml, depth + 1)?;
        } else {
            set(a, key, value);
        }
    }
    Ok(())
}

/// Whether a tree read from a text is plain: every key, at every level, is one part
/// ([`single_part`]) that does not start with `-`, and no key is repeated among its siblings.
/// For such a tree `b`, every `b[key]` of a merge is the item itself, no key is a `-`
/// override, and no subtree is held elsewhere: [`merge_plain`] is [`merge`] on it.
fn plain_tree(items: &[(String, Value)]) -> bool {
    items.iter().enumerate().all(|(i, (k, v))| {
        single_part(k)
            && !k.starts_with('-')
            && !items[..i].iter().any(|(o, _)| o == k)
            && match v {
                Value::Object(inner) => plain_tree(inner),
                _ => true,
            }
    })
}

/// [`mentions`] from the root, on a plain tree ([`plain_tree`]): each key is its own one
/// part, no `-` to drop.
fn mentions_plain(items: &[(String, Value)], path: &[&str]) -> bool {
    let Some((first, rest)) = path.split_first() else {
        return true;
    };
    items.iter().any(|(k, v)| {
        k == first
            && match v {
                Value::Object(inner) => mentions_plain(inner, rest),
                _ => true,
            }
    })
}

/// The tree `a[key]` holds, when it holds one (`key` one part: a raw lookup).
fn tree_at(a: &Tree, key: &str) -> Option<Tree> {
    a.borrow()
        .iter()
        .find(|(k, _)| k == key)
        .and_then(|(_, n)| match n {
            Node::Tree(t) => Some(t.clone()),
            Node::Leaf(_) => None,
        })
}

/// [`merge`]`(a, b, copy_trees=False, clearml=True)` where `b` is the plain tree `items`
/// ([`plain_tree`]), taken rather than copied: `key in a and isinstance(a[key], ConfigTree)`
/// is a raw lookup of the one-part key, `b[key]` is the item, and nothing else holds `b`.
fn merge_plain(a: &Tree, items: Vec<(String, Value)>, depth: usize) -> Result<(), PyErr> {
    if depth > 900 {
        return Err("RecursionError");
    }
    for (key, value) in items {
        match value {
            Value::Object(inner) => match tree_at(a, &key) {
                Some(x) => merge_plain(&x, inner, depth + 1)?,
                None => set(a, &key, Node::Tree(tree_of(inner))),
            },
            leaf => set(a, &key, Node::Leaf(leaf)),
        }
    }
    Ok(())
}

/// [`merge`]`(a, b, copy_trees=True, clearml=True)` where `b` is a plain tree (its keys as
/// [`plain_tree`] says, unique by construction of [`set`]) that nothing else holds, its items
/// taken: each tree of `a` merged into is first replaced by its `copy`, as `merge` does.
fn merge_plain_nodes(a: &Tree, items: Vec<(String, Node)>, depth: usize) -> Result<(), PyErr> {
    if depth > 900 {
        return Err("RecursionError");
    }
    for (key, value) in items {
        match value {
            Node::Tree(y) => match tree_at(a, &key) {
                Some(x) => {
                    let x = copy(&x)?;
                    set(a, &key, Node::Tree(x.clone()));
                    match Rc::try_unwrap(y) {
                        Ok(cell) => merge_plain_nodes(&x, cell.into_inner(), depth + 1)?,
                        Err(y) => merge(&x, &y, true, true, depth + 1)?,
                    }
                }
                None => set(a, &key, Node::Tree(y)),
            },
            leaf => set(a, &key, leaf),
        }
    }
    Ok(())
}

/// `ConfigTree.put(key, value)` on a tree that is not a root (`_read_recursive`'s `conf`).
fn put(t: &Tree, key: &str, value: Node) -> Result<(), PyErr> {
    let path = parse_key(key);
    if path.is_empty() {
        return Err("IndexError");
    }
    // pyhocon's `_put` recurses once per part, so a long enough key is Python's
    // RecursionError (about a thousand parts, fewer from a deeper stack); refused well before,
    // never read as a configuration the apiserver might not get.
    if path.len() > crate::pyhocon::MAX_KEY_PARTS {
        return Err("RecursionError");
    }
    let mut cur = t.clone();
    for elt in &path[..path.len() - 1] {
        let next = match raw_get(&cur, elt) {
            Some(Node::Tree(n)) => n,
            _ => {
                let n = new_tree();
                set(&cur, elt, Node::Tree(n.clone()));
                n
            }
        };
        cur = next;
    }
    let last = &path[path.len() - 1];
    if let Node::Tree(v) = &value {
        if contains(&cur, last)? {
            if let Node::Tree(existing) = getitem(&cur, last)? {
                return merge(&existing, v, false, false, 0);
            }
        }
    }
    set(&cur, last, value);
    Ok(())
}

// ---- paths ----

/// Python 3.9's `posixpath.expandvars` with `env` as `os.environ`.
pub fn expandvars(path: &str, env: &dyn Fn(&str) -> Option<String>) -> String {
    if !path.contains('$') {
        return path.to_string();
    }
    let mut path: Vec<char> = path.chars().collect();
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut i = 0;
    loop {
        // search r'\$(\w+|\{[^}]*\})' from i
        let mut found = None;
        let mut s = i;
        while s < path.len() {
            if path[s] == '$' {
                let mut e = s + 1;
                while e < path.len() && is_word(path[e]) {
                    e += 1;
                }
                if e > s + 1 {
                    found = Some((s, e, path[s + 1..e].iter().collect::<String>()));
                    break;
                }
                if s + 1 < path.len() && path[s + 1] == '{' {
                    if let Some(off) = path[s + 2..].iter().position(|&c| c == '}') {
                        let e = s + 2 + off + 1;
                        found = Some((s, e, path[s + 2..e - 1].iter().collect::<String>()));
                        break;
                    }
                }
            }
            s += 1;
        }
        let Some((start, end, name)) = found else {
            break;
        };
        match env(&name) {
            None => i = end,
            Some(value) => {
                let tail: Vec<char> = path[end..].to_vec();
                path.truncate(start);
                path.extend(value.chars());
                i = path.len();
                path.extend(tail);
            }
        }
    }
    path.into_iter().collect()
}

/// `Path(p).expanduser()` (Python 3.9), then made absolute against `cwd` and normalized as
/// pathlib does plus `..` removed by text.
fn folder_path(
    p: &str,
    cwd: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, Failure> {
    let mut p = p.to_string();
    if p.starts_with('~') {
        let first_end = p.find('/').unwrap_or(p.len());
        if first_end > 1 {
            return Err(Failure::Unknown(format!(
                "the home directory of user {:?} (the image's /etc/passwd)",
                &p[1..first_end]
            )));
        }
        match env("HOME") {
            Some(home) if !home.is_empty() => p = format!("{home}/{}", &p[first_end..]),
            _ => {
                return Err(Failure::Unknown(
                    "`~` with HOME unset or empty (the image's /etc/passwd, Python's version)"
                        .into(),
                ))
            }
        }
    }
    Ok(if p.starts_with('/') {
        p
    } else {
        format!("{cwd}/{p}")
    })
}

/// The directory `p` names, resolving each `..` as the kernel does: the path before it must
/// be a directory. `Some(None)` when it is not a directory, `None` when that is unknown.
fn resolve_dir(
    p: &str,
    is_dir: &dyn Fn(&str) -> Option<bool>,
    symlinks: &[String],
) -> Option<Option<String>> {
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." if symlinks.contains(&format!("/{}", parts.join("/"))) => return None,
            ".." => {
                match is_dir(&format!("/{}", parts.join("/")))? {
                    true => parts.pop(),
                    false => return Some(None),
                };
            }
            s => parts.push(s),
        }
    }
    let path = format!("/{}", parts.join("/"));
    Some(is_dir(&path)?.then_some(path))
}

/// A path cleaned (`crate::paths::clean_path`) and absolute, the root being `/`.
fn normalize(p: &str) -> String {
    let clean = crate::paths::clean_path(p);
    if clean.starts_with('/') {
        clean
    } else {
        format!("/{clean}")
    }
}

/// [`crate::paths::is_under`] for [`normalize`]d paths, whose root is `/` (not `""`).
fn is_under(path: &str, dir: &str) -> bool {
    dir == "/" || crate::paths::is_under(path, dir)
}

/// Python 3.9's `str.lower()` where this port can be sure of it: `None` when the text holds a
/// letter whose lower case was added after Unicode 13.0 (the image's Python 3.9).
pub fn py_lower(mut s: String) -> Option<String> {
    // Most names are ASCII: lower-cased in place (the letters below are not ASCII).
    if s.is_ascii() {
        s.make_ascii_lowercase();
        return Some(s);
    }
    let newer = |c: char| {
        matches!(c as u32,
            0x2C2F | 0xA7C0 | 0xA7D0 | 0xA7D6 | 0xA7D8 | 0x1C89 | 0xA7CB | 0xA7CC | 0xA7DA
            | 0xA7DC | 0x10570..=0x10595 | 0x10D50..=0x10D65)
    };
    if s.chars().any(newer) {
        return None;
    }
    Some(s.to_lowercase())
}

// ---- the loader ----

/// The text the loader gives pyhocon for one variable: `f"{path}: {value}"`, the path being
/// the variable's name without its prefix, `__` as `.`, lower-cased.
pub fn variable_text(path: &str, value: &str) -> String {
    // Made for every variable ClearML reads: no formatting machinery.
    [path, ": ", value].concat()
}

/// Names ClearML's own override variables: the loader reads them by name, and the model
/// above takes them as the pod gives them. The apiserver image sets neither (its `ENV` and its
/// entrypoint set other names), so a pod that does not set one leaves it absent.
const OVERRIDES: [&str; 2] = ["CLEARML_CONFIG_DIR", "TRAINS_CONFIG_DIR"];

/// Runs the loader on `input`: the final tree, or why the apiserver would not start.
pub fn load(input: &Input) -> Result<Loaded, Failure> {
    let read: RefCell<BTreeSet<String>> = RefCell::default();
    let first_read: RefCell<Vec<(String, String)>> = RefCell::default();
    let loaded = load_recording(input, &read, &first_read);
    // A lookup (`$X` in a folder, pyhocon's `${?X}` fallback, ...) of a name the pod does not
    // set: the process environment also holds what the runtime sets (HOSTNAME, HOME from the
    // image's /etc/passwd), what the image's `ENV` sets (PATH, LANG, PYTHON_VERSION, ...) and
    // what its bash entrypoint exports (SHLVL, PWD, ...), none of it in the stream. Where the
    // environment given here has none, ClearML may read a value (an optional setting kept, a
    // folder read, a substitution that resolves), so neither the tree nor a failure is certain.
    // The override variables aside (the image sets neither), and the prefix loop over
    // CLEARML__/TRAINS__ names, which reads the pod's names only and no lookup.
    let set_outside = |name: &str| {
        if OVERRIDES.contains(&name) {
            return false;
        }
        match input.env.iter().rev().find(|(n, _)| n == name) {
            None => true,
            // runc's `setupUser` sets HOME from /etc/passwd when it is empty too.
            Some((_, v)) => name == "HOME" && v.is_empty(),
        }
    };
    if let Some((name, source)) = first_read
        .borrow()
        .iter()
        .find(|(name, _)| set_outside(name))
    {
        return Err(Failure::SetOutside {
            name: name.clone(),
            source: source.clone(),
        });
    }
    loaded
}

/// What the loader is reading, as [`Failure::SetOutside`] names it.
enum Reading<'a> {
    Folders,
    Variable(&'a str),
    File(String),
}

impl Reading<'_> {
    fn label(&self) -> String {
        match self {
            Reading::Folders => String::from("the config folders (CLEARML_CONFIG_DIR)"),
            Reading::Variable(name) => format!("variable {name}"),
            Reading::File(path) => format!("file {path}"),
        }
    }
}

/// [`load`], recording in `read` every name looked up in the environment.
/// `first_read` holds each name once, with what looked it up first (a variable's name, a
/// file's path, or the config folders).
fn load_recording(
    input: &Input,
    read: &RefCell<BTreeSet<String>>,
    first_read: &RefCell<Vec<(String, String)>>,
) -> Result<Loaded, Failure> {
    // What is being read, for `first_read`: written out only when a name is looked up (most
    // readings look none up).
    let reading = RefCell::new(Reading::Folders);
    // Names are unique in `input.env`, and the loader looks up only a few by name (most of a
    // container's environment, the service links, never): a scan, not a map of every name.
    let lookup = |k: &str| {
        input
            .env
            .iter()
            .rev()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    };
    let env = |k: &str| {
        if read.borrow_mut().insert(k.to_string()) {
            first_read
                .borrow_mut()
                .push((k.to_string(), reading.borrow().label()));
        }
        lookup(k).map(str::to_string)
    };
    let files: BTreeMap<String, &String> =
        input.files.iter().map(|(k, v)| (normalize(k), v)).collect();
    let mut opaque: Vec<String> = input.opaque_dirs.iter().map(|d| normalize(d)).collect();
    let symlinks: Vec<String> = input.symlinked_dirs.iter().map(|d| normalize(d)).collect();
    if input.default_folder_is_image {
        opaque.push(normalize(&input.default_folder));
    }
    let is_dir = |p: &str| -> Option<bool> {
        if opaque.iter().any(|o| is_under(p, o)) {
            return None;
        }
        Some(
            files.keys().any(|f| f != p && is_under(f, p)) || opaque.iter().any(|o| is_under(o, p)),
        )
    };

    // __init__: the default folder, then _get_paths.
    let default = normalize(&input.default_folder);
    let mut unknown: Vec<(Vec<String>, String)> = Vec::new();
    let mut assumed = Vec::new();
    if input.default_folder_is_image {
        assumed.push(format!(
            "the image's default folder {default}: secure and services objects, nothing at or \
             under secure.login or services.login"
        ));
    } else {
        match is_dir(&default) {
            Some(true) => {}
            Some(false) => return Err(Failure::NoDefaultFolder(default)),
            None => unknown.push((
                vec![],
                format!("the default folder {default} is not visible"),
            )),
        }
    }
    let value = ["CLEARML_CONFIG_DIR", "TRAINS_CONFIG_DIR"]
        .iter()
        .find_map(|k| env(k).filter(|v| !v.is_empty()))
        .unwrap_or_else(|| input.extra_config_paths.join(":"));
    let mut folders = vec![default];
    for v in value.split(':') {
        let p = folder_path(&expandvars(v, &env), &input.cwd, &env)?;
        match resolve_dir(&p, &is_dir, &symlinks) {
            Some(Some(p)) => folders.push(p),
            Some(None) => {}
            None => unknown.push((vec![], format!("folder {p} is not visible"))),
        }
    }

    // _reload: the environment first.
    let mut sso_sources = Vec::new();
    let env_config = new_tree();
    // Whether every variable's tree was plain (`plain_tree`): `env_config` is then plain too,
    // and held only here.
    let mut env_plain = true;
    for prefix in ENV_PREFIXES {
        let mut keys: Vec<(&str, &str)> = input
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .filter(|(k, _)| k.starts_with(prefix))
            .collect();
        keys.sort_unstable_by_key(|(k, _)| *k);
        for (key, value) in keys {
            let path =
                py_lower(super::names::dunder_to_dot(&key[prefix.len()..])).ok_or_else(|| {
                    Failure::Unknown(format!(
                    "variable {key}: a letter whose lower case is newer than the image's Python"
                ))
                })?;
            let text = variable_text(&path, value);
            *reading.borrow_mut() = Reading::Variable(key);
            let tree = pyhocon::parse(&text, &env).map_err(|error| Failure::Variable {
                name: key.to_string(),
                error,
            })?;
            let Value::Object(items) = tree else {
                return Err(Failure::Merge {
                    source: key.to_string(),
                    error: "AttributeError",
                });
            };
            let merged = if plain_tree(&items) {
                // Most variables: no key that pyhocon's path lookup or ClearML's `-` reads
                // differently, and a tree nothing else holds, merged by moving it in.
                for (sso, path) in SSO_PATHS.iter().zip(SSO_PARTS) {
                    if mentions_plain(&items, path) {
                        sso_sources.push((*sso, format!("variable {key}")));
                    }
                }
                merge_plain(&env_config, items, 0)
            } else {
                env_plain = false;
                let t = tree_of(items);
                for (sso, path) in SSO_PATHS.iter().zip(SSO_PARTS) {
                    if mentions(&t, &[], path) {
                        sso_sources.push((*sso, format!("variable {key}")));
                    }
                }
                merge(&env_config, &t, false, true, 0)
            };
            merged.map_err(|error| Failure::Merge {
                source: key.to_string(),
                error,
            })?;
        }
    }

    // then each folder.
    let mut order_dependent = Vec::new();
    let mut configs = Vec::new();
    for (index, folder) in folders.iter().enumerate() {
        let conf = new_tree();
        if index == 0 && input.default_folder_is_image {
            // The image's files as assumed; a file the caller gives below the folder (a
            // mount at a subdirectory of it) is read with them.
            set(&conf, "secure", Node::Tree(new_tree()));
            set(&conf, "services", Node::Tree(new_tree()));
        }
        let listing = match input.listing_order.get(folder) {
            Some(l) => l.iter().map(|p| normalize(p)).collect(),
            None => rglob(folder, &files, &symlinks),
        };
        for o in &opaque {
            if is_under(o, folder) && o != folder {
                let rel: Vec<&str> = o[folder.len()..]
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .collect();
                let prefix = if rel.iter().any(|s| s.contains('"')) {
                    vec![]
                } else {
                    parse_key(&rel.join("."))
                };
                unknown.push((prefix, format!("directory {o} is not visible")));
            }
        }
        let mut keyed: Vec<(String, Vec<String>)> = Vec::new();
        for file in listing {
            let rel: Vec<&str> = file[folder.len()..]
                .split('/')
                .filter(|s| !s.is_empty())
                .collect();
            let Some(text) = files.get(&file) else {
                return Err(Failure::DirectoryNamedConf(file));
            };
            let mut parts: Vec<String> = rel.iter().map(|s| s.to_string()).collect();
            if let Some(last) = parts.last_mut() {
                *last = without_suffix(last);
            }
            let key = parts.join(".");
            *reading.borrow_mut() = Reading::File(file.clone());
            let tree = pyhocon::parse(text, &env).map_err(|error| Failure::File {
                path: file.clone(),
                error,
            })?;
            let node = from_value(tree);
            if let Node::Tree(t) = &node {
                let prefix: Vec<String> = parse_key(&key)
                    .into_iter()
                    .map(|e| e.strip_prefix('-').map(String::from).unwrap_or(e))
                    .collect();
                for (sso, path) in SSO_PATHS.iter().zip(SSO_PARTS) {
                    if mentions(t, &prefix, path) {
                        sso_sources.push((*sso, format!("file {file}")));
                    }
                }
            }
            put(&conf, &key, node).map_err(|error| Failure::Merge {
                source: file.clone(),
                error,
            })?;
            // Files whose keys are prefix-related (a leading `-` aside, which only the final
            // merge reads) change each other's values or order of merging.
            let path: Vec<String> = parse_key(&key)
                .into_iter()
                .map(|k| k.trim_start_matches('-').to_string())
                .collect();
            for (other, op) in &keyed {
                if op.starts_with(&path) || path.starts_with(op) {
                    order_dependent.push((other.clone(), file.clone()));
                }
            }
            keyed.push((file, path));
        }
        configs.push((folder.clone(), conf));
    }
    let result = new_tree();
    for (source, config) in &configs {
        merge(&result, config, true, true, 0).map_err(|error| Failure::Merge {
            source: source.clone(),
            error,
        })?;
    }
    let merged = match Rc::try_unwrap(env_config) {
        // Plain and held nowhere else: merged by moving its items in.
        Ok(cell) if env_plain => merge_plain_nodes(&result, cell.into_inner(), 0),
        Ok(cell) => merge(&result, &Rc::new(cell), true, true, 0),
        Err(shared) => merge(&result, &shared, true, true, 0),
    };
    merged.map_err(|error| Failure::Merge {
        source: "the environment".to_string(),
        error,
    })?;
    // The merged configs' trees are the result's now (or replaced there): without them, most
    // of the result is held once and moved into the final tree.
    drop(configs);
    Ok(Loaded {
        config: into_value(Node::Tree(result), 0),
        folders,
        unknown,
        assumed,
        order_dependent,
        sso_sources,
        env_read: read.borrow().iter().cloned().collect(),
    })
}

/// `Path(name).with_suffix("")`.
fn without_suffix(name: &str) -> String {
    match name.rfind('.') {
        Some(i) if i > 0 && i < name.len() - 1 => name[..i].to_string(),
        _ => name.to_string(),
    }
}

/// What `Path(folder).rglob("*.conf")` yields, in one order the filesystem may give: a
/// directory's own entries, then each subdirectory's, names in code-point order. Entries named
/// `*.conf` may be directories (then the loader fails opening them).
fn rglob(folder: &str, files: &BTreeMap<String, &String>, symlinks: &[String]) -> Vec<String> {
    // Every file below folder, as relative parts borrowed from its path (nothing is copied
    // until a `*.conf` path is written out).
    let rels: Vec<Vec<&str>> = files
        .keys()
        .filter(|f| f.len() > folder.len() && is_under(f, folder))
        .map(|f| {
            f[folder.len()..]
                .split('/')
                .filter(|s| !s.is_empty())
                .collect()
        })
        .collect();
    // every entry (file or directory) below folder, as relative parts
    let entries: BTreeSet<&[&str]> = rels
        .iter()
        .flat_map(|rel| (1..=rel.len()).map(|n| &rel[..n]))
        .collect();
    // A directory the walk enters: not a symbolic link (one to a file is read like a file).
    // The link is `{base}/{parts joined by /}`; no part is empty or holds a `/`.
    let base = folder.trim_end_matches('/');
    let is_link = |e: &[&str]| {
        symlinks.iter().any(|s| {
            s.strip_prefix(base)
                .and_then(|r| r.strip_prefix('/'))
                .is_some_and(|r| r.split('/').eq(e.iter().copied()))
        })
    };
    let is_dir = |e: &[&str]| {
        entries
            .iter()
            .any(|o| o.len() > e.len() && o.starts_with(e))
            && !is_link(e)
    };
    let mut out = Vec::new();
    fn walk(
        dir: &[&str],
        entries: &BTreeSet<&[&str]>,
        is_dir: &dyn Fn(&[&str]) -> bool,
        base: &str,
        out: &mut Vec<String>,
    ) {
        let children: Vec<&[&str]> = entries
            .iter()
            .copied()
            .filter(|e| e.len() == dir.len() + 1 && e.starts_with(dir))
            .collect();
        for c in &children {
            let name = c.last().copied().unwrap_or("");
            if name.ends_with(".conf") {
                out.push(format!("{base}/{}", c.join("/")));
            }
        }
        for c in children {
            if is_dir(c) {
                walk(c, entries, is_dir, base, out);
            }
        }
    }
    walk(&[], &entries, &is_dir, base, &mut out);
    out
}

// ---- the SSO view ----

/// One of the two SSO subtrees ClearML reads, and what happened above it.
#[derive(Debug, Clone, PartialEq)]
pub struct SsoSubtree {
    /// `secure.login.sso` or `services.login.sso`.
    pub path: &'static str,
    /// The value there (an object when set as ClearML expects), or `None` when absent.
    pub value: Option<Value>,
    /// For `secure`/`services`, then `…login`: what the final tree holds there.
    pub ancestors: Vec<(String, Shape)>,
    /// Whether something the loader could not see may change it.
    pub unknown: bool,
    /// The files and variables that set something at or under it, or a non-object above it.
    pub sources: Vec<String>,
    /// Some source set it, yet the final tree has no object there: a key above it (or it)
    /// was replaced by a non-object or by an object without it (a `-` override, an
    /// object-valued variable, a later file).
    pub dropped: bool,
}

/// What a key holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Nothing (or a parent is not an object).
    Absent,
    /// An object.
    Object,
    /// A value that is not an object (the SSO settings below it are gone).
    NotObject,
}

/// The SSO subtrees of a loaded configuration, `secure.login.sso` then `services.login.sso`.
pub fn sso_view(loaded: &Loaded) -> [SsoSubtree; 2] {
    ["secure", "services"].map(|top| {
        let path = if top == "secure" {
            "secure.login.sso"
        } else {
            "services.login.sso"
        };
        let want = [top, "login", "sso"];
        let mut ancestors = Vec::new();
        let mut cur = Some(&loaded.config);
        let mut value = None;
        for (i, k) in want.iter().enumerate() {
            let next = match cur {
                Some(Value::Object(items)) => {
                    items.iter().find(|(key, _)| key == k).map(|(_, v)| v)
                }
                _ => None,
            };
            if i < 2 {
                let shape = match next {
                    None => Shape::Absent,
                    Some(Value::Object(_)) => Shape::Object,
                    Some(_) => Shape::NotObject,
                };
                ancestors.push((want[..=i].join("."), shape));
            } else {
                value = next.cloned();
            }
            cur = next;
        }
        let unknown = loaded.unknown.iter().any(|(p, _)| {
            let n = p.len().min(3);
            p[..n].iter().zip(want.iter()).all(|(a, b)| a == b)
        });
        let sources: Vec<String> = loaded
            .sso_sources
            .iter()
            .filter(|(p, _)| *p == path)
            .map(|(_, s)| s.clone())
            .collect();
        let dropped = !sources.is_empty() && !matches!(value, Some(Value::Object(_)));
        SsoSubtree {
            path,
            value,
            ancestors,
            unknown,
            sources,
            dropped,
        }
    })
}

#[cfg(test)]
mod tests;
