//! pyhocon's objects while it parses and resolves: `ConfigTree`, lists, `ConfigValues`,
//! `ConfigSubstitution`, kept in an arena so that Python's object identity, shared references,
//! parent pointers and `copy.deepcopy` are reproduced exactly. Ports `config_tree.py`; knows
//! nothing of the grammar.

use super::pystr;
use super::{Duration, Error};
use std::collections::HashMap;

/// An arena index.
pub type Id = usize;

/// One Python value as pyhocon holds it.
#[derive(Clone, Debug)]
pub enum Tok {
    /// A plain `str`.
    Str(String),
    /// `ConfigUnquotedString` (a `str` subclass).
    Unq(String),
    /// `ConfigQuotedString(value, ws)` (not a `str`).
    Quoted(String, String),
    Bool(bool),
    /// A Python int, as normalized decimal text.
    Int(String),
    Float(f64),
    /// `NoneValue()`.
    NoneV,
    /// Python `None`.
    Nil,
    Period(Duration),
    Tree(Id),
    List(Id),
    Values(Id),
    Subst(Id),
    /// A pyparsing `Group` of one assignment.
    Group(Vec<Tok>),
}

impl Tok {
    pub fn same(&self, other: &Tok) -> bool {
        match (self, other) {
            (Tok::Tree(a), Tok::Tree(b))
            | (Tok::List(a), Tok::List(b))
            | (Tok::Values(a), Tok::Values(b))
            | (Tok::Subst(a), Tok::Subst(b)) => a == b,
            _ => false,
        }
    }
}

/// A `ConfigValues`' or `ConfigSubstitution`'s key in its parent.
#[derive(Clone, Debug)]
pub enum Key {
    Str(String),
    Int(usize),
    Nil,
}

#[derive(Clone, Debug, Default)]
pub struct Tree {
    pub items: Vec<(String, Tok)>,
    pub root: bool,
    pub history: Vec<(String, Vec<Tok>)>,
    /// Bumped on every insertion or deletion (an OrderedDict's iteration state).
    pub state: u64,
}

#[derive(Clone, Debug)]
pub struct Values {
    pub tokens: Vec<Tok>,
    pub parent: Option<Tok>,
    pub key: Key,
    /// `overridden_value`; `Tok::Nil` when None.
    pub overridden: Tok,
}

#[derive(Clone, Debug)]
pub struct Subst {
    pub variable: String,
    pub optional: bool,
    pub ws: String,
    pub parent: Option<Id>,
    pub index: usize,
}

#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant)] // one arena of objects; boxing buys nothing here
pub enum Obj {
    Tree(Tree),
    List(Vec<Tok>),
    Values(Values),
    Subst(Subst),
}

#[derive(Default)]
pub struct Arena {
    pub objs: Vec<Obj>,
    /// How deep the recursive operations below are: pyhocon recurses in Python, so a cycle
    /// (or a very deep tree) ends in RecursionError there, and in an error here.
    pub depth: usize,
}

/// Recursion beyond this is Python's RecursionError (Python's limit is 1000 frames; each level
/// here costs pyhocon several).
pub const RECURSION_LIMIT: usize = 150;

fn recursion_error() -> Error {
    Error::Python("RecursionError")
}

pub fn wrong_type() -> Error {
    Error::Python("ConfigWrongTypeException")
}

impl Arena {
    pub fn add(&mut self, o: Obj) -> Id {
        self.objs.push(o);
        self.objs.len() - 1
    }
    pub fn new_tree(&mut self, root: bool) -> Id {
        self.add(Obj::Tree(Tree {
            root,
            ..Tree::default()
        }))
    }
    pub fn tree(&self, id: Id) -> &Tree {
        match &self.objs[id] {
            Obj::Tree(t) => t,
            _ => unreachable!("not a tree"),
        }
    }
    pub fn tree_mut(&mut self, id: Id) -> &mut Tree {
        match &mut self.objs[id] {
            Obj::Tree(t) => t,
            _ => unreachable!("not a tree"),
        }
    }
    pub fn list(&self, id: Id) -> &Vec<Tok> {
        match &self.objs[id] {
            Obj::List(l) => l,
            _ => unreachable!("not a list"),
        }
    }
    pub fn list_mut(&mut self, id: Id) -> &mut Vec<Tok> {
        match &mut self.objs[id] {
            Obj::List(l) => l,
            _ => unreachable!("not a list"),
        }
    }
    pub fn cv(&self, id: Id) -> &Values {
        match &self.objs[id] {
            Obj::Values(v) => v,
            _ => unreachable!("not values"),
        }
    }
    pub fn cv_mut(&mut self, id: Id) -> &mut Values {
        match &mut self.objs[id] {
            Obj::Values(v) => v,
            _ => unreachable!("not values"),
        }
    }
    pub fn sub(&self, id: Id) -> &Subst {
        match &self.objs[id] {
            Obj::Subst(s) => s,
            _ => unreachable!("not a substitution"),
        }
    }
    pub fn sub_mut(&mut self, id: Id) -> &mut Subst {
        match &mut self.objs[id] {
            Obj::Subst(s) => s,
            _ => unreachable!("not a substitution"),
        }
    }

    // ---- OrderedDict primitives ----

    pub fn tget(&self, t: Id, k: &str) -> Option<&Tok> {
        self.tree(t)
            .items
            .iter()
            .find(|(x, _)| x == k)
            .map(|(_, v)| v)
    }
    pub fn tset(&mut self, t: Id, k: &str, v: Tok) {
        let tree = self.tree_mut(t);
        if let Some(slot) = tree.items.iter_mut().find(|(x, _)| x == k) {
            slot.1 = v;
        } else {
            tree.items.push((k.to_string(), v));
            tree.state += 1;
        }
    }
    pub fn tdel(&mut self, t: Id, k: &str) -> Result<(), Error> {
        let tree = self.tree_mut(t);
        let i = tree
            .items
            .iter()
            .position(|(x, _)| x == k)
            .ok_or(Error::Python("KeyError"))?;
        tree.items.remove(i);
        tree.state += 1;
        Ok(())
    }

    /// `ConfigTree(other)` / `other.copy()`: a shallow copy (values read through
    /// `__getitem__`), which re-parents the `ConfigValues` it holds to the copy
    /// (`ConfigTree.__init__`).
    pub fn tree_copy(&mut self, t: Id) -> Result<Id, Error> {
        let items = self.items_get(t)?;
        let n = self.add(Obj::Tree(Tree {
            items: items.clone(),
            ..Tree::default()
        }));
        for (_, v) in items {
            if let Tok::Values(c) = v {
                self.cv_mut(c).parent = Some(Tok::Tree(n));
            }
        }
        Ok(n)
    }

    /// `ConfigList(tokens)`: sets each `ConfigValues`' parent and key.
    pub fn config_list(&mut self, items: Vec<Tok>) -> Id {
        let n = self.add(Obj::List(items.clone()));
        for (i, v) in items.into_iter().enumerate() {
            if let Tok::Values(c) = v {
                let cv = self.cv_mut(c);
                cv.parent = Some(Tok::List(n));
                cv.key = Key::Int(i);
            }
        }
        n
    }

    fn push_history(&mut self, t: Id, key: &str, v: Tok) {
        let tree = self.tree_mut(t);
        if tree.root {
            if let Some(h) = tree.history.iter_mut().find(|(k, _)| k == key) {
                h.1.push(v);
            } else {
                tree.history.push((key.to_string(), vec![v]));
            }
        }
    }

    pub fn history(&self, t: Id, key: &str) -> Option<&Vec<Tok>> {
        self.tree(t)
            .history
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, h)| h)
    }

    /// `tree[key]` (`ConfigTree.__getitem__`, which reads through `get`: a `NoneValue` reads
    /// as None and a list as a fresh list).
    pub fn getitem(&mut self, t: Id, key: &str) -> Result<Tok, Error> {
        Ok(self.get(t, key, false)?.unwrap_or(Tok::Nil))
    }

    /// `tree.items()`: each value read through `__getitem__`.
    pub fn items_get(&mut self, t: Id) -> Result<Vec<(String, Tok)>, Error> {
        let keys: Vec<String> = self.tree(t).items.iter().map(|(k, _)| k.clone()).collect();
        keys.into_iter()
            .map(|k| {
                let v = self.getitem(t, &k)?;
                Ok((k, v))
            })
            .collect()
    }

    /// `ConfigTree.merge_configs(a, b, copy_trees)`.
    pub fn merge_configs(&mut self, a: Id, b: Id, copy_trees: bool) -> Result<Id, Error> {
        self.depth += 1;
        let r = if self.depth > RECURSION_LIMIT {
            Err(recursion_error())
        } else {
            self.merge_configs_inner(a, b, copy_trees)
        };
        self.depth -= 1;
        r
    }

    fn merge_configs_inner(&mut self, a: Id, b: Id, copy_trees: bool) -> Result<Id, Error> {
        for (key, value) in self.items_get(b)? {
            let a_tree = if self.contains(a, &key)? {
                match self.getitem(a, &key)? {
                    Tok::Tree(x) => Some(x),
                    _ => None,
                }
            } else {
                None
            };
            if let (Some(ea), Tok::Tree(vb)) = (a_tree, &value) {
                let mut ea = ea;
                if copy_trees {
                    ea = self.tree_copy(ea)?;
                    self.tset(a, &key, Tok::Tree(ea));
                }
                self.merge_configs(ea, *vb, copy_trees)?;
            } else {
                if let Tok::Values(c) = value {
                    let cv = self.cv_mut(c);
                    cv.parent = Some(Tok::Tree(a));
                    cv.key = Key::Str(key.clone());
                    if self.contains(a, &key)? {
                        let ov = self.getitem(a, &key)?;
                        self.cv_mut(c).overridden = ov;
                    }
                }
                self.tset(a, &key, value.clone());
                if self.tree(a).root {
                    let add: Vec<Tok> = if self.tree(b).root {
                        self.history(b, &key).cloned().unwrap_or(vec![value])
                    } else {
                        vec![value]
                    };
                    let tree = self.tree_mut(a);
                    if let Some(h) = tree.history.iter_mut().find(|(k, _)| *k == key) {
                        h.1.extend(add);
                    } else {
                        tree.history.push((key, add));
                    }
                }
            }
        }
        Ok(a)
    }

    /// `ConfigTree.put(key, value, append)`.
    pub fn put(&mut self, t: Id, key: &str, value: Tok, append: bool) -> Result<(), Error> {
        let path = parse_key(key);
        // `_put` recurses once per part (so does `put_path` here): pyhocon ends in
        // RecursionError at about a thousand parts, fewer from a deeper stack.
        if path.len() > super::MAX_KEY_PARTS {
            return Err(recursion_error());
        }
        self.put_path(t, &path, value, append)
    }

    fn put_path(&mut self, t: Id, path: &[String], value: Tok, append: bool) -> Result<(), Error> {
        let Some(key_elt) = path.first() else {
            return Err(Error::Python("IndexError"));
        };
        if path.len() == 1 {
            let existing = if self.contains(t, key_elt)? {
                Some(self.getitem(t, key_elt)?)
            } else {
                None
            };
            if let (Some(Tok::Tree(ex)), Tok::Tree(v)) = (&existing, &value) {
                if self.tree(t).root {
                    let fresh = self.new_tree(false);
                    let nv = self.merge_configs(fresh, *ex, true)?;
                    let nv = self.merge_configs(nv, *v, true)?;
                    self.push_history(t, key_elt, Tok::Tree(nv));
                    self.tset(t, key_elt, Tok::Tree(nv));
                } else {
                    self.merge_configs(*ex, *v, false)?;
                }
            } else if append {
                let l_value = match self.get(t, key_elt, true)? {
                    Some(Tok::Nil) | None => None,
                    x => x,
                };
                match (l_value, &value) {
                    (Some(Tok::Values(lc)), _) => {
                        self.cv_mut(lc).tokens.push(value.clone());
                        self.recompute(lc);
                    }
                    (Some(Tok::Tree(lt)), Tok::Values(vc)) => {
                        let vc = *vc;
                        self.cv_mut(vc).overridden = Tok::Tree(lt);
                        self.cv_mut(vc).tokens.insert(0, Tok::Tree(lt));
                        self.recompute(vc);
                        self.cv_mut(vc).parent = Some(Tok::Tree(t));
                        self.cv_mut(vc).key = Key::Str(key_elt.clone());
                        self.push_history(t, key_elt, value.clone());
                        self.tset(t, key_elt, value.clone());
                    }
                    (Some(Tok::List(l)), Tok::Values(vc)) => {
                        let vc = *vc;
                        self.push_history(t, key_elt, value.clone());
                        self.cv_mut(vc).overridden = Tok::List(l);
                        self.cv_mut(vc).parent = Some(Tok::Tree(t));
                        self.cv_mut(vc).key = Key::Str(key_elt.clone());
                        self.tset(t, key_elt, value.clone());
                    }
                    (Some(Tok::List(l)), _) => {
                        // `l_value + value`: only a list can be added to a list.
                        let Tok::List(r) = value else {
                            return Err(Error::Python("TypeError"));
                        };
                        let mut items = self.list(l).clone();
                        items.extend(self.list(r).clone());
                        let n = self.add(Obj::List(items));
                        self.tset(t, key_elt, Tok::List(n));
                        self.push_history(t, key_elt, Tok::List(l));
                    }
                    (None, _) => {
                        self.push_history(t, key_elt, value.clone());
                        self.tset(t, key_elt, value);
                    }
                    _ => return Err(wrong_type()),
                }
            } else {
                if let Tok::Values(c) = value {
                    let ov = self.get(t, key_elt, true)?.unwrap_or(Tok::Nil);
                    let cv = self.cv_mut(c);
                    cv.parent = Some(Tok::Tree(t));
                    cv.key = Key::Str(key_elt.clone());
                    cv.overridden = ov;
                }
                self.push_history(t, key_elt, value.clone());
                self.tset(t, key_elt, value);
            }
        } else {
            let next = match self.tget(t, key_elt) {
                Some(Tok::Tree(n)) => *n,
                _ => {
                    let n = self.new_tree(false);
                    self.push_history(t, key_elt, Tok::Tree(n));
                    self.tset(t, key_elt, Tok::Tree(n));
                    n
                }
            };
            self.put_path(next, &path[1..], value, append)?;
        }
        Ok(())
    }

    /// `ConfigTree.get(key, default)`: `Ok(None)` is "not found" (only with a default;
    /// without one that is a `ConfigMissingException`).
    pub fn get(&mut self, t: Id, key: &str, has_default: bool) -> Result<Option<Tok>, Error> {
        let path = parse_key(key);
        self.get_path(t, &path, 0, has_default)
    }

    fn get_path(
        &mut self,
        t: Id,
        path: &[String],
        i: usize,
        has_default: bool,
    ) -> Result<Option<Tok>, Error> {
        let Some(k) = path.get(i) else {
            return Err(Error::Python("IndexError"));
        };
        let Some(elt) = self.tget(t, k).cloned() else {
            return if has_default {
                Ok(None)
            } else {
                Err(Error::Python("ConfigMissingException"))
            };
        };
        if i == path.len() - 1 {
            Ok(Some(match elt {
                Tok::NoneV => Tok::Nil,
                Tok::List(l) => {
                    let items = self
                        .list(l)
                        .iter()
                        .map(|x| match x {
                            Tok::NoneV => Tok::Nil,
                            x => x.clone(),
                        })
                        .collect();
                    Tok::List(self.add(Obj::List(items)))
                }
                e => e,
            }))
        } else if let Tok::Tree(n) = elt {
            self.get_path(n, path, i + 1, has_default)
        } else if has_default {
            Ok(None)
        } else {
            Err(wrong_type())
        }
    }

    /// `item in tree` (`ConfigTree.__contains__`).
    pub fn contains(&mut self, t: Id, key: &str) -> Result<bool, Error> {
        let path = parse_key(key);
        // `_get(..., default=NoneValue) is not NoneValue`; a NoneValue leaf reads as None.
        Ok(self.get_path(t, &path, 0, true)?.is_some())
    }

    /// `ConfigValues.recompute()`.
    pub fn recompute(&mut self, c: Id) {
        let toks = self.cv(c).tokens.clone();
        for (i, t) in toks.iter().enumerate() {
            if let Tok::Subst(s) = t {
                let s = self.sub_mut(*s);
                s.parent = Some(c);
                s.index = i;
            }
        }
        let cv = self.cv_mut(c);
        if cv.tokens.is_empty() {
            cv.tokens = vec![Tok::Str(String::new())];
        }
        if let Some(Tok::Unq(s)) = cv.tokens.last_mut() {
            *s = s.trim_end_matches([' ', '\t']).to_string();
        }
    }

    pub fn new_values(&mut self, tokens: Vec<Tok>) -> Id {
        let c = self.add(Obj::Values(Values {
            tokens,
            parent: None,
            key: Key::Nil,
            overridden: Tok::Nil,
        }));
        self.recompute(c);
        c
    }

    /// `ConfigValues.get_substitutions()`. It walks the chain of overridden values; on a
    /// cycle pyhocon loops forever.
    pub fn get_substitutions(&self, c: Id) -> Result<Vec<Id>, Error> {
        let mut lst: Vec<Id> = Vec::new();
        // Chains of overridden values are mostly short: a list finds a cycle there without
        // hashing; a long one (many assignments of one key) is hashed.
        let mut seen: Vec<Id> = Vec::new();
        let mut seen_long = std::collections::HashSet::new();
        let mut node = c;
        loop {
            let again = if seen.len() < 32 {
                let again = seen.contains(&node);
                seen.push(node);
                again
            } else {
                seen.contains(&node) || !seen_long.insert(node)
            };
            if again {
                return Err(Error::Hangs);
            }
            let mine: Vec<Id> = self
                .cv(node)
                .tokens
                .iter()
                .filter_map(|t| match t {
                    Tok::Subst(s) => Some(*s),
                    _ => None,
                })
                .collect();
            lst.splice(0..0, mine);
            match &self.cv(node).overridden {
                Tok::Values(n) => node = *n,
                _ => break,
            }
        }
        Ok(lst)
    }

    /// Python truthiness.
    pub fn truthy(&self, t: &Tok) -> bool {
        match t {
            Tok::Str(s) | Tok::Unq(s) => !s.is_empty(),
            Tok::Quoted(..) | Tok::NoneV | Tok::Values(_) | Tok::Subst(_) | Tok::Group(_) => true,
            Tok::Bool(b) => *b,
            Tok::Int(i) => i != "0",
            Tok::Float(f) => *f != 0.0,
            Tok::Nil => false,
            Tok::Period(d) => !d.is_zero(),
            Tok::Tree(t) => !self.tree(*t).items.is_empty(),
            Tok::List(l) => !self.list(*l).is_empty(),
        }
    }

    /// `str(v)`.
    pub fn py_str(&self, t: &Tok) -> Result<String, Error> {
        Ok(match t {
            Tok::Str(s) | Tok::Unq(s) => s.clone(),
            Tok::Bool(b) => if *b { "True" } else { "False" }.into(),
            Tok::Int(i) => i.clone(),
            Tok::Float(f) => pystr::float_repr(*f),
            Tok::NoneV => super::NONE_VALUE_STR.into(),
            Tok::Nil => "None".into(),
            Tok::Period(d) => d.py_str()?,
            // Objects whose str() pyhocon never builds into a value without failing first.
            _ => return Err(Error::Unsupported),
        })
    }

    /// `ConfigValues.transform()`.
    pub fn transform(&mut self, c: Id) -> Result<Tok, Error> {
        self.depth += 1;
        let r = if self.depth > RECURSION_LIMIT {
            Err(recursion_error())
        } else {
            self.transform_inner(c)
        };
        self.depth -= 1;
        r
    }

    fn transform_inner(&mut self, c: Id) -> Result<Tok, Error> {
        if !self.get_substitutions(c)?.is_empty() {
            return Ok(Tok::Values(c));
        }
        let tokens: Vec<Tok> = self
            .cv(c)
            .tokens
            .iter()
            .filter(|t| !matches!(t, Tok::Nil))
            .cloned()
            .collect();
        let Some(first) = tokens.first() else {
            return Ok(Tok::Nil);
        };
        let kind = |t: &Tok| match t {
            Tok::Tree(_) => 0,
            Tok::List(_) => 1,
            _ => 2,
        };
        let k = kind(first);
        if tokens[1..].iter().any(|t| kind(t) != k) {
            return Err(wrong_type());
        }
        match k {
            0 => {
                let mut child: Vec<Id> = Vec::new();
                let mut node = self.cv(c).overridden.clone();
                let mut seen = std::collections::HashSet::new();
                while self.truthy(&node) {
                    match node {
                        Tok::Values(n) => {
                            if !seen.insert(n) {
                                return Err(Error::Hangs);
                            }
                            match self.transform(n)? {
                                Tok::Tree(v) => child.push(v),
                                _ => break,
                            }
                            node = self.cv(n).overridden.clone();
                        }
                        Tok::Tree(n) => {
                            child.push(n);
                            break;
                        }
                        _ => break,
                    }
                }
                let result = self.new_tree(false);
                for conf in child.into_iter().rev() {
                    self.merge_configs(result, conf, true)?;
                }
                for t in tokens {
                    if let Tok::Tree(t) = t {
                        self.merge_configs(result, t, true)?;
                    }
                }
                Ok(Tok::Tree(result))
            }
            1 => {
                let result = self.add(Obj::List(Vec::new()));
                let mut main_index = 0;
                for sub in tokens {
                    let Tok::List(l) = sub else { continue };
                    for t in self.list(l).clone() {
                        if let Tok::Values(v) = t {
                            let cv = self.cv_mut(v);
                            cv.parent = Some(Tok::List(result));
                            cv.key = Key::Int(main_index);
                        }
                        main_index += 1;
                        self.list_mut(result).push(t);
                    }
                }
                Ok(Tok::List(result))
            }
            _ => {
                if tokens.len() == 1 {
                    return Ok(match &tokens[0] {
                        Tok::Quoted(v, _) => Tok::Str(v.clone()),
                        t => t.clone(),
                    });
                }
                let mut out = String::new();
                let last = tokens.len() - 1;
                for (i, t) in tokens.iter().enumerate() {
                    match t {
                        Tok::Quoted(v, ws) => {
                            out.push_str(v);
                            if i != last {
                                out.push_str(ws);
                            }
                        }
                        t => out.push_str(&self.py_str(t)?),
                    }
                }
                Ok(Tok::Str(out))
            }
        }
    }

    /// Whether the `ConfigValues` `target` is inside `v` (through object items, list items and
    /// the tokens of `ConfigValues`).
    pub fn reaches(&self, v: &Tok, target: Id) -> bool {
        let mut seen = std::collections::HashSet::new();
        let mut stack = vec![v.clone()];
        while let Some(t) = stack.pop() {
            match t {
                Tok::Values(c) => {
                    if c == target {
                        return true;
                    }
                    if seen.insert(c) {
                        stack.extend(self.cv(c).tokens.iter().cloned());
                    }
                }
                Tok::Tree(i) if seen.insert(i) => {
                    stack.extend(self.tree(i).items.iter().map(|(_, v)| v.clone()));
                }
                Tok::List(i) if seen.insert(i) => {
                    stack.extend(self.list(i).iter().cloned());
                }
                _ => {}
            }
        }
        false
    }

    /// `copy.deepcopy(v)`: every object reachable from `v` (through items, tokens, parents,
    /// overridden values, histories) is copied once, identities preserved among the copies.
    pub fn deepcopy(&mut self, v: &Tok) -> Tok {
        let start = match v {
            Tok::Tree(i) | Tok::List(i) | Tok::Values(i) | Tok::Subst(i) => *i,
            Tok::Group(_) => return v.clone(),
            _ => return v.clone(),
        };
        let mut map: HashMap<Id, Id> = HashMap::new();
        let mut order: Vec<Id> = Vec::new();
        let mut stack = vec![start];
        while let Some(id) = stack.pop() {
            if map.contains_key(&id) {
                continue;
            }
            let new = self.objs.len() + order.len();
            map.insert(id, new);
            order.push(id);
            let mut refs: Vec<Id> = Vec::new();
            let mut note = |t: &Tok| {
                if let Tok::Tree(i) | Tok::List(i) | Tok::Values(i) | Tok::Subst(i) = t {
                    refs.push(*i);
                }
            };
            match &self.objs[id] {
                Obj::Tree(t) => {
                    t.items.iter().for_each(|(_, v)| note(v));
                    t.history
                        .iter()
                        .for_each(|(_, h)| h.iter().for_each(&mut note));
                }
                Obj::List(l) => l.iter().for_each(note),
                Obj::Values(c) => {
                    c.tokens.iter().for_each(&mut note);
                    if let Some(p) = &c.parent {
                        note(p);
                    }
                    note(&c.overridden);
                }
                Obj::Subst(s) => {
                    if let Some(p) = s.parent {
                        refs.push(p);
                    }
                }
            }
            stack.extend(refs);
        }
        let remap = |t: &Tok| -> Tok {
            match t {
                Tok::Tree(i) => Tok::Tree(map[i]),
                Tok::List(i) => Tok::List(map[i]),
                Tok::Values(i) => Tok::Values(map[i]),
                Tok::Subst(i) => Tok::Subst(map[i]),
                t => t.clone(),
            }
        };
        let copies: Vec<Obj> = order
            .iter()
            .map(|id| match &self.objs[*id] {
                Obj::Tree(t) => Obj::Tree(Tree {
                    items: t.items.iter().map(|(k, v)| (k.clone(), remap(v))).collect(),
                    root: t.root,
                    history: t
                        .history
                        .iter()
                        .map(|(k, h)| (k.clone(), h.iter().map(remap).collect()))
                        .collect(),
                    state: 0,
                }),
                Obj::List(l) => Obj::List(l.iter().map(remap).collect()),
                Obj::Values(c) => Obj::Values(Values {
                    tokens: c.tokens.iter().map(remap).collect(),
                    parent: c.parent.as_ref().map(remap),
                    key: c.key.clone(),
                    overridden: remap(&c.overridden),
                }),
                Obj::Subst(s) => Obj::Subst(Subst {
                    parent: s.parent.map(|p| map[&p]),
                    ..s.clone()
                }),
            })
            .collect();
        self.objs.extend(copies);
        remap(v)
    }
}

/// The bytes [`parse_key`] splits at (`$}[]:=+#`^?!@*&.`) and the quote, as a table: keys are
/// tested byte by byte many times per container, and a slice's `contains` is a search call
/// per byte.
pub(crate) static KEY_SYNTAX: [bool; 256] = {
    let mut table = [false; 256];
    let bytes = b"$}[]:=+#`^?!@*&.\"";
    let mut i = 0;
    while i < bytes.len() {
        table[bytes[i] as usize] = true;
        i += 1;
    }
    table
};

/// `ConfigTree.parse_key`: `re.findall(r'"[^"]+"|[^$}\[\]:=+#`^?!@*&.]+', key)`, each part
/// unquoted unless it holds one of those characters.
pub fn parse_key(s: &str) -> Vec<String> {
    // `$}[]:=+#`^?!@*&.`, all ASCII: a byte test is a character test.
    let special_byte = |b: u8| b != b'"' && KEY_SYNTAX[b as usize];
    // The common key: no quote and no special character but `.`: the parts between dots.
    if !s
        .bytes()
        .any(|b| b == b'"' || (b != b'.' && special_byte(b)))
    {
        return s
            .split('.')
            .filter(|p| !p.is_empty())
            .map(String::from)
            .collect();
    }
    let special = |c: char| c.is_ascii() && special_byte(c as u8);
    let c: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        if c[i] == '"' {
            if let Some(j) = c[i + 1..].iter().position(|&x| x == '"') {
                if j > 0 {
                    let tok: String = c[i..i + j + 2].iter().collect();
                    out.push(tok);
                    i += j + 2;
                    continue;
                }
            }
        }
        if !special(c[i]) {
            let mut j = i;
            while j < c.len() && !special(c[j]) {
                j += 1;
            }
            out.push(c[i..j].iter().collect());
            i = j;
            continue;
        }
        i += 1;
    }
    out.into_iter()
        .map(|t| {
            if t.bytes().any(special_byte) {
                t
            } else {
                t.trim_matches('"').to_string()
            }
        })
        .collect()
}
