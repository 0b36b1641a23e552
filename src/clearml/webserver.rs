//! The ClearML webserver's reading of its `WEBSERVER__*` variables, exactly where it can be
//! sure: a port of clearml-server's `docker/build/internal_files/update_from_env.py` as the
//! image's entrypoint runs it (`set -e`; input `{}`, or the external
//! /mnt/external_files/configs/configuration.json when that file exists; output the webapp's
//! `configuration.json`):
//! - every variable whose name `startswith("WEBSERVER__")` (case-sensitive), in the process
//!   environment's order, is keyed by `name.lstrip("WEBSERVER__")` — `lstrip` removes leading
//!   *characters* of the set {W, E, B, S, R, V, _}, not the prefix: `WEBSERVER__SERVER_URL` is
//!   keyed `URL`; two names giving one key: the later value wins, in the first one's place;
//! - each value is read by Python's `json.loads`; a value that is not JSON (a bare word, an
//!   empty value) exits 2 and the container stops;
//! - a key equal, ignoring case, to the `__`-joined path of a leaf of the input replaces that
//!   leaf; the others are split on `__` and set as nested objects, a path through a non-object
//!   skipped (printed, not fatal).
//!
//! Python's JSON and this crate's JSON reader differ on `NaN`/`Infinity`, numbers beyond 64
//! bits or overflowing a float, `-0`, lone surrogate escapes and deep nesting: a value with any of
//! these is [`WebOutcome::Unknown`], never guessed. This module reads no environment and no
//! file and knows nothing of the policy.

use serde_json::{Map, Value as Json};

const PREFIX: &str = "WEBSERVER__";
const SEP: &str = "__";

/// What the webserver ends with.
#[derive(Debug, Clone, PartialEq)]
pub enum WebOutcome {
    /// The webapp's configuration.json.
    Config(Json),
    /// The script exits with an error and the container stops: the variable whose value is
    /// not JSON.
    Stops(String),
    /// This port cannot tell (a value Python's JSON may read differently), with the variable.
    Unknown(String),
}

/// Python's `json.loads(v)` where this port is sure of it: `Ok(Some)` read, `Ok(None)` Python
/// fails (`JSONDecodeError`), `Err(())` unsure.
fn py_json(v: &str) -> Result<Option<Json>, ()> {
    let digits_run = {
        let mut best = 0;
        let mut cur = 0;
        for c in v.chars() {
            cur = if c.is_ascii_digit() { cur + 1 } else { 0 };
            best = best.max(cur);
        }
        best
    };
    let lower = v.to_ascii_lowercase();
    let surrogate = [
        "\\ud8", "\\ud9", "\\uda", "\\udb", "\\udc", "\\udd", "\\ude", "\\udf",
    ]
    .iter()
    .any(|s| lower.contains(s));
    let deep = v.chars().filter(|c| matches!(c, '[' | '{')).count() > 100;
    if digits_run >= 16 || surrogate || deep {
        return Err(());
    }
    fn negative_zero(j: &Json) -> bool {
        match j {
            Json::Number(n) => n.as_f64().is_some_and(|f| f == 0.0 && f.is_sign_negative()),
            Json::Array(a) => a.iter().any(negative_zero),
            Json::Object(m) => m.values().any(negative_zero),
            _ => false,
        }
    }
    match serde_json::from_str::<Json>(v) {
        // `-0` is the int 0 to Python, `-0.0` a float: this reader gives both as -0.0.
        Ok(j) if negative_zero(&j) => Err(()),
        Ok(j) => Ok(Some(j)),
        Err(e)
            if v.contains("NaN")
                || v.contains("Infinity")
                || e.to_string().contains("number out of range") =>
        {
            Err(())
        }
        Err(_) => Ok(None),
    }
}

/// `str.lstrip("WEBSERVER__")`.
fn lstrip(name: &str) -> &str {
    name.trim_start_matches(|c| PREFIX.contains(c))
}

/// Runs the script on `env` (the container's environment, in order) with `input` as the
/// input file (`None`: the entrypoint's `{}`).
pub fn webserver_config(env: &[(String, String)], input: Option<&Json>) -> WebOutcome {
    let mut vars: Vec<(String, Json)> = Vec::new();
    for (name, value) in env {
        if !name.starts_with(PREFIX) {
            continue;
        }
        let v = match py_json(value) {
            Ok(Some(v)) => v,
            Ok(None) => return WebOutcome::Stops(name.clone()),
            Err(()) => return WebOutcome::Unknown(name.clone()),
        };
        let key = lstrip(name).to_string();
        match vars.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = v,
            None => vars.push((key, v)),
        }
    }
    let mut data = input.cloned().unwrap_or_else(|| Json::Object(Map::new()));
    if let Some(input) = input {
        if !input.is_object() {
            // scan() calls `None.lower()` on a top-level non-object: the script fails.
            return WebOutcome::Stops("the input file".into());
        }
        // scan() visits leaves in the file's order; this reader keeps keys sorted, so two keys
        // of one object that match the same variable (equal ignoring case) are not modelled.
        if case_collision(input) {
            return WebOutcome::Unknown("the input file".into());
        }
        replace_leaves(&mut data, "", &mut vars);
    }
    for (k, v) in vars {
        let path: Vec<&str> = k.split(SEP).collect();
        set_path(&path, &mut data, v);
    }
    WebOutcome::Config(data)
}

fn case_collision(j: &Json) -> bool {
    match j {
        Json::Object(m) => {
            let mut seen = std::collections::BTreeSet::new();
            m.keys().any(|k| !seen.insert(k.to_lowercase())) || m.values().any(case_collision)
        }
        _ => false,
    }
}

/// `scan` and the in-place replacement of a leaf whose path a variable names.
fn replace_leaves(obj: &mut Json, path: &str, vars: &mut Vec<(String, Json)>) {
    let Json::Object(m) = obj else {
        return;
    };
    for (k, v) in m.iter_mut() {
        let p = [path, k.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(SEP);
        if v.is_object() {
            replace_leaves(v, &p, vars);
            continue;
        }
        let lower = p.to_lowercase();
        if let Some(i) = vars
            .iter()
            .position(|(name, _)| name.to_lowercase() == lower)
        {
            // `if match:` — an empty name is falsy and replaces nothing.
            if !vars[i].0.is_empty() {
                *v = vars.remove(i).1;
            }
        }
    }
}

/// `set_path`: a path through a non-object is skipped.
fn set_path(p: &[&str], obj: &mut Json, v: Json) {
    let Json::Object(m) = obj else {
        return;
    };
    let (key, rest) = (p[0], &p[1..]);
    if rest.is_empty() {
        m.insert(key.to_string(), v);
        return;
    }
    let next = m
        .entry(key.to_string())
        .or_insert_with(|| Json::Object(Map::new()));
    if next.is_object() {
        set_path(rest, next, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn env(xs: &[(&str, &str)]) -> Vec<(String, String)> {
        xs.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn lstrip_eats_prefix_characters() {
        let out = webserver_config(
            &env(&[
                ("WEBSERVER__SERVER_URL", "\"u\""),
                ("WEBSERVER__displayedServerUrls__apiServer", "\"a\""),
                ("webserver__x", "not json"),
            ]),
            None,
        );
        assert_eq!(
            out,
            WebOutcome::Config(json!({"URL": "u", "displayedServerUrls": {"apiServer": "a"}}))
        );
    }

    #[test]
    fn a_value_that_is_not_json_stops_the_container() {
        let out = webserver_config(&env(&[("WEBSERVER__a", "bare")]), None);
        assert_eq!(out, WebOutcome::Stops("WEBSERVER__a".into()));
        let out = webserver_config(&env(&[("WEBSERVER__a", "NaN")]), None);
        assert_eq!(out, WebOutcome::Unknown("WEBSERVER__a".into()));
        // Found by the differential test: Python reads `-0` as the int 0.
        let out = webserver_config(&env(&[("WEBSERVER__a", "[-0]")]), None);
        assert_eq!(out, WebOutcome::Unknown("WEBSERVER__a".into()));
    }

    #[test]
    fn conflicts_are_skipped_and_leaves_replaced_ignoring_case() {
        let out = webserver_config(
            &env(&[
                ("WEBSERVER__a", "1"),
                ("WEBSERVER__a__b", "2"),
                ("WEBSERVER__k__Q", "3"),
            ]),
            Some(&json!({"k": {"q": 0}})),
        );
        assert_eq!(out, WebOutcome::Config(json!({"a": 1, "k": {"q": 3}})));
    }
}
