//! pyhocon 0.3.63's substitution resolution (`ConfigParser.resolve_substitutions`,
//! `_fixup_self_references`, `_resolve_variable`, `_do_substitute`, `_final_fixup`), ported
//! statement by statement, with the process environment given as a parameter. Knows nothing
//! of the grammar.

use super::model::{parse_key, Arena, Id, Key, Obj, Tok, RECURSION_LIMIT};
use super::Error;
use std::collections::HashMap;

pub struct Resolver<'a, 'e> {
    pub a: &'a mut Arena,
    pub env: &'e dyn Fn(&str) -> Option<String>,
}

fn subst_error() -> Error {
    Error::Python("ConfigSubstitutionException")
}

impl Resolver<'_, '_> {
    /// `_find_substitutions(item)`.
    fn find(&self, item: &Tok) -> Result<Vec<Id>, Error> {
        self.find_at(item, 0)
    }

    fn find_at(&self, item: &Tok, depth: usize) -> Result<Vec<Id>, Error> {
        if depth > RECURSION_LIMIT {
            return Err(Error::Python("RecursionError"));
        }
        let vals: Vec<Tok> = match item {
            Tok::Values(c) => return self.a.get_substitutions(*c),
            Tok::Tree(t) => self
                .a
                .tree(*t)
                .items
                .iter()
                .map(|(_, v)| v.clone())
                .collect(),
            Tok::List(l) => self.a.list(*l).clone(),
            _ => return Ok(Vec::new()),
        };
        let mut out = Vec::new();
        for v in &vals {
            out.extend(self.find_at(v, depth + 1)?);
        }
        Ok(out)
    }

    /// `_resolve_variable(config, substitution)`.
    fn resolve_variable(&mut self, config: &Tok, s: Id) -> Result<(bool, Tok), Error> {
        let variable = self.a.sub(s).variable.clone();
        let Tok::Tree(t) = config else {
            return Err(Error::Python("AttributeError"));
        };
        match self.a.get(*t, &variable, false) {
            Ok(v) => Ok((true, v.unwrap_or(Tok::Nil))),
            Err(Error::Python("ConfigMissingException")) => match (self.env)(&variable) {
                None if self.a.sub(s).optional => Ok((false, Tok::Nil)),
                None => Err(subst_error()),
                Some(v) => Ok((true, Tok::Str(v))),
            },
            Err(e) => Err(e),
        }
    }

    /// `_do_substitute(substitution, resolved_value, is_optional_resolved)`.
    fn do_substitute(
        &mut self,
        s: Id,
        resolved: Tok,
        is_optional_resolved: bool,
    ) -> Result<(bool, Vec<Id>, Tok), Error> {
        if let Tok::Values(_) = resolved {
            return Ok((true, Vec::new(), resolved));
        }
        let sub = self.a.sub(s).clone();
        let Some(c) = sub.parent else {
            return Err(Error::Python("AttributeError"));
        };
        let n = self.a.cv(c).tokens.len();
        let formatted = match &resolved {
            Tok::Nil | Tok::Tree(_) | Tok::List(_) => resolved.clone(),
            _ if sub.index + 1 == n => resolved.clone(),
            r => Tok::Str(self.a.py_str(r)? + &sub.ws),
        };
        // A value that holds the very `ConfigValues` it is substituted into makes pyhocon
        // copy the tree into itself, one level more each round: it ends in RecursionError at
        // a depth that depends on the caller's Python stack, or leaves unresolved objects in
        // the tree. Not modelled: refused.
        if matches!(formatted, Tok::Tree(_) | Tok::List(_)) && self.a.reaches(&formatted, c) {
            return Err(Error::Unsupported);
        }
        let copy = self.a.deepcopy(&formatted);
        if sub.index >= n {
            return Err(Error::Python("IndexError"));
        }
        self.a.cv_mut(c).tokens[sub.index] = copy;
        let transformation = self.a.transform(c)?;
        let result = if matches!(transformation, Tok::Nil) && !is_optional_resolved {
            self.a.cv(c).overridden.clone()
        } else {
            transformation
        };
        let parent = self.a.cv(c).parent.clone();
        let key = self.a.cv(c).key.clone();
        let mut unresolved = false;
        let mut new_subs = Vec::new();
        if matches!(result, Tok::Nil) {
            if self.contains(&parent, &key)? {
                match (&parent, &key) {
                    (Some(Tok::Tree(t)), Key::Str(k)) => self.a.tdel(*t, k)?,
                    (Some(Tok::List(l)), Key::Int(i)) => {
                        if *i >= self.a.list(*l).len() {
                            return Err(Error::Python("IndexError"));
                        }
                        self.a.list_mut(*l).remove(*i);
                    }
                    _ => return Err(Error::Unsupported),
                }
            }
        } else {
            match (&parent, &key) {
                (Some(Tok::Tree(t)), Key::Str(k)) => self.a.tset(*t, k, result.clone()),
                (Some(Tok::List(l)), Key::Int(i)) => {
                    let l = self.a.list_mut(*l);
                    if *i >= l.len() {
                        return Err(Error::Python("IndexError"));
                    }
                    l[*i] = result.clone();
                }
                (None, _) => return Err(Error::Python("TypeError")),
                _ => return Err(Error::Unsupported),
            }
            let found = self.find(&result)?;
            if !found.is_empty() {
                new_subs = found;
                unresolved = true;
            }
        }
        Ok((unresolved, new_subs, result))
    }

    /// `config_values.key in config_values.parent`.
    fn contains(&mut self, parent: &Option<Tok>, key: &Key) -> Result<bool, Error> {
        match (parent, key) {
            (None, _) => Err(Error::Python("TypeError")),
            (Some(Tok::Tree(t)), Key::Str(k)) => self.a.contains(*t, k),
            (Some(Tok::Tree(_)), _) => Err(Error::Python("TypeError")),
            (Some(Tok::List(l)), Key::Int(i)) => {
                // `int in list` compares by value: 1 == True == 1.0.
                let n = *i as f64;
                Ok(self.a.list(*l).iter().any(|x| match x {
                    Tok::Int(v) => *v == i.to_string(),
                    Tok::Bool(b) => u8::from(*b) as usize == *i,
                    Tok::Float(f) => *f == n,
                    _ => false,
                }))
            }
            (Some(Tok::List(l)), Key::Str(k)) => Ok(self
                .a
                .list(*l)
                .iter()
                .any(|x| matches!(x, Tok::Str(v) | Tok::Unq(v) if v == k))),
            (Some(Tok::List(l)), Key::Nil) => {
                Ok(self.a.list(*l).iter().any(|x| matches!(x, Tok::Nil)))
            }
            _ => Err(Error::Unsupported),
        }
    }

    /// `_final_fixup(item)`.
    fn final_fixup(&mut self, item: &Tok) -> Result<Tok, Error> {
        self.a.depth += 1;
        let r = if self.a.depth > RECURSION_LIMIT {
            Err(Error::Python("RecursionError"))
        } else {
            self.final_fixup_inner(item)
        };
        self.a.depth -= 1;
        r
    }

    fn final_fixup_inner(&mut self, item: &Tok) -> Result<Tok, Error> {
        match item {
            Tok::Values(c) => self.a.transform(*c),
            Tok::List(l) => {
                let items = self.a.list(*l).clone();
                let mut out = Vec::with_capacity(items.len());
                for i in &items {
                    out.push(self.final_fixup(i)?);
                }
                Ok(Tok::List(self.a.add(Obj::List(out))))
            }
            Tok::Tree(t) => {
                for (k, child) in self.a.items_get(*t)? {
                    let v = self.final_fixup(&child)?;
                    self.a.tset(*t, &k, v);
                }
                Ok(item.clone())
            }
            t => Ok(t.clone()),
        }
    }

    /// `_fixup_self_references(config)`.
    fn fixup_self_references(&mut self, config: &Tok) -> Result<(), Error> {
        let Tok::Tree(root) = *config else {
            return Ok(());
        };
        if !self.a.tree(root).root {
            return Ok(());
        }
        // Iterating an OrderedDict that changes under the loop raises RuntimeError, except
        // after its last key.
        let mut idx = 0;
        let state = self.a.tree(root).state;
        loop {
            if idx > 0 && self.a.tree(root).state != state {
                return Err(Error::Python("RuntimeError"));
            }
            let Some((key, _)) = self.a.tree(root).items.get(idx).cloned() else {
                break;
            };
            idx += 1;
            let is_last = idx == self.a.tree(root).items.len();
            let history = self
                .a
                .history(root, &key)
                .cloned()
                .ok_or(Error::Python("KeyError"))?;
            let mut previous = history[0].clone();
            for current in history[1..].iter() {
                let mut current = current.clone();
                for s in self.find(&current)? {
                    let variable = self.a.sub(s).variable.clone();
                    let path = parse_key(&variable);
                    if path.len() > 1
                        && !matches!(self.a.get(root, &variable, true)?, None | Some(Tok::Nil))
                    {
                        continue;
                    }
                    let first = path.first().ok_or(Error::Python("IndexError"))?;
                    if *first == key {
                        if let Tok::Values(_) = previous {
                            return Err(subst_error());
                        }
                        let value = if path.len() == 1 {
                            previous.clone()
                        } else {
                            match &previous {
                                Tok::Tree(t) => self
                                    .a
                                    .get(*t, &path[1..].join("."), false)?
                                    .unwrap_or(Tok::Nil),
                                _ => return Err(Error::Python("AttributeError")),
                            }
                        };
                        let (_, _, c) = self.do_substitute(s, value, true)?;
                        current = c;
                    }
                }
                previous = current;
            }
            if history.len() == 1 {
                for s in self.find(&previous)? {
                    let variable = self.a.sub(s).variable.clone();
                    let path = parse_key(&variable);
                    if path.len() > 1
                        && !matches!(self.a.get(root, &variable, true)?, None | Some(Tok::Nil))
                    {
                        continue;
                    }
                    let first = path.first().ok_or(Error::Python("IndexError"))?;
                    if *first == key {
                        if let Some(v) = (self.env)(&key) {
                            self.do_substitute(s, Tok::Str(v), true)?;
                            continue;
                        }
                        if self.a.sub(s).optional {
                            self.do_substitute(s, Tok::Nil, true)?;
                        }
                    }
                }
            }
            if is_last {
                // The iterator has no next key: later changes go unnoticed.
                break;
            }
        }
        Ok(())
    }

    /// `resolve_substitutions(config)`.
    pub fn resolve(&mut self, config: &Tok) -> Result<(), Error> {
        self.fixup_self_references(config)?;
        let mut substitutions = self.find(config)?;
        if !substitutions.is_empty() {
            let mut any_unresolved = true;
            let mut previous: Vec<Id> = Vec::new();
            let mut cache: HashMap<Id, Vec<Id>> = HashMap::new();
            let same_set = |a: &[Id], b: &[Id]| {
                let mut x = a.to_vec();
                let mut y = b.to_vec();
                x.sort_unstable();
                x.dedup();
                y.sort_unstable();
                y.dedup();
                x == y
            };
            let mut rounds = 0usize;
            while any_unresolved
                && !substitutions.is_empty()
                && !same_set(&substitutions, &previous)
            {
                rounds += 1;
                if rounds > 10_000 {
                    return Err(Error::Hangs);
                }
                any_unresolved = false;
                previous = substitutions.clone();
                for &substitution in &previous {
                    let mut unresolved = false;
                    let parent = self
                        .a
                        .sub(substitution)
                        .parent
                        .ok_or(Error::Python("AttributeError"))?;
                    let mut overridden = self.a.cv(parent).overridden.clone();
                    if let Tok::Values(o) = overridden {
                        overridden = self.a.transform(o)?;
                    }
                    if let Tok::Values(o) = overridden {
                        if substitutions
                            .iter()
                            .any(|s| self.a.sub(*s).parent == Some(o))
                        {
                            continue;
                        }
                    }
                    let (is_optional_resolved, resolved) =
                        self.resolve_variable(config, substitution)?;
                    if let Tok::Values(rv) = resolved {
                        let resolved = self.a.transform(rv)?;
                        let mut value = resolved;
                        if self.a.truthy(&overridden) && !matches!(overridden, Tok::Values(_)) {
                            value = overridden.clone();
                        }
                        let (u, _, _) =
                            self.do_substitute(substitution, value, is_optional_resolved)?;
                        any_unresolved = u || any_unresolved;
                        if !u {
                            if let Some(p) = substitutions.iter().position(|s| *s == substitution) {
                                substitutions.remove(p);
                            }
                        }
                        continue;
                    }
                    let aliased = matches!(overridden, Tok::Values(_));
                    let mut cache_values: Vec<Id> = Vec::new();
                    if aliased {
                        match cache.get(&substitution) {
                            None => continue,
                            Some(v) => cache_values = v.clone(),
                        }
                    }
                    cache_values.push(substitution);
                    if aliased {
                        cache.insert(substitution, cache_values.clone());
                    }
                    let overrides: Vec<Id> = substitutions
                        .iter()
                        .copied()
                        .filter(|s| {
                            self.a
                                .sub(*s)
                                .parent
                                .is_some_and(|p| self.a.cv(p).overridden.same(&Tok::Values(parent)))
                        })
                        .collect();
                    if !overrides.is_empty() {
                        for o in overrides {
                            let mut values = cache.get(&o).cloned().unwrap_or_default();
                            values.extend(cache_values.iter().copied());
                            cache.insert(o, values);
                        }
                        if let Some(p) = substitutions.iter().position(|s| *s == substitution) {
                            substitutions.remove(p);
                        } else {
                            return Err(Error::Python("ValueError"));
                        }
                        continue;
                    }
                    if substitutions.len() > 100_000 {
                        return Err(Error::Hangs);
                    }
                    for &s in &cache_values {
                        let (ok, mut rv) = self.resolve_variable(config, s)?;
                        if !ok && self.a.sub(s).optional {
                            rv = Tok::Nil;
                        }
                        let (u, new_subs, _) = self.do_substitute(s, rv, ok)?;
                        unresolved = u;
                        if let Some(p) = substitutions.iter().position(|x| *x == s) {
                            substitutions.remove(p);
                        }
                        substitutions.extend(new_subs);
                    }
                    any_unresolved = unresolved || any_unresolved;
                    if cache_values.is_empty() {
                        any_unresolved = true;
                    }
                }
            }
            self.final_fixup(config)?;
            if any_unresolved {
                return Err(subst_error());
            }
        }
        self.final_fixup(config)?;
        Ok(())
    }
}
