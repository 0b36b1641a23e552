use super::*;

fn files(xs: &[(&str, &str)]) -> BTreeMap<String, String> {
    xs.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
fn env(xs: &[(&str, &str)]) -> Vec<(String, String)> {
    xs.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
const DEF: &str = "/opt/clearml/apiserver/config/default/apiserver.conf";

#[test]
fn parse_key_is_pyhocons() {
    assert_eq!(parse_key("a.b.c"), ["a", "b", "c"]);
    assert_eq!(parse_key("a.\"b.c\""), ["a", "\"b.c\""]);
    assert_eq!(parse_key("\"a\""), ["a"]);
    assert_eq!(parse_key("a$b"), ["a", "b"]);
    assert!(parse_key("").is_empty());
    assert_eq!(parse_key("\"a.\"b\""), ["\"a.\"", "b"]);
}

#[test]
fn override_prefix_replaces_and_later_variables_merge() {
    let i = Input::new(
        env(&[
            ("CLEARML__secure__login__sso__a", "1"),
            ("CLEARML__-secure__x", "2"),
            ("clearml__secure__y", "3"),
        ]),
        files(&[
            (DEF, "a: 1"),
            ("/opt/clearml/config/secure.conf", "login.sso.b: 5"),
        ]),
    );
    let l = load(&i).unwrap();
    let [sec, _] = sso_view(&l);
    // `-` sorts before every letter: `CLEARML__-secure__x` is merged first and replaces
    // nothing; the later `secure` variable merges; a lower-case prefix is ignored.
    assert_eq!(
        sec.value,
        Some(Value::Object(vec![
            ("b".into(), Value::Int("5".into())),
            ("a".into(), Value::Int("1".into()))
        ]))
    );
}

#[test]
fn empty_folder_entry_is_the_working_directory() {
    let i = Input::new(
        env(&[("CLEARML_CONFIG_DIR", "/nope:")]),
        files(&[(DEF, "a: 1"), ("/opt/clearml/x/secure.conf", "k: 1")]),
    );
    let l = load(&i).unwrap();
    assert_eq!(
        l.folders,
        ["/opt/clearml/apiserver/config/default", "/opt/clearml"]
    );
    let Value::Object(top) = &l.config else {
        panic!()
    };
    assert!(top.iter().any(|(k, _)| k == "x"));
    assert!(top.iter().any(|(k, _)| k == "apiserver"));
}

#[test]
fn failures_name_their_source() {
    let i = Input::new(env(&[("CLEARML__a", "@")]), files(&[(DEF, "a: 1")]));
    assert!(matches!(load(&i), Err(Failure::Variable { name, .. }) if name == "CLEARML__a"));
    let i = Input::new(
        vec![],
        files(&[(DEF, "a: 1"), ("/opt/clearml/config/x.conf/y", "")]),
    );
    assert!(matches!(load(&i), Err(Failure::DirectoryNamedConf(_))));
    let i = Input::new(vec![], files(&[]));
    assert!(matches!(load(&i), Err(Failure::NoDefaultFolder(_))));
}

#[test]
fn a_key_of_too_many_parts_stops_the_apiserver_and_does_not_crash() {
    // A variable name of a thousand parts, and a config file whose path makes a key of
    // many parts: pyhocon's `put` recurses per part and fails (RecursionError).
    let name = format!("CLEARML__{}", vec!["a"; 1000].join("__"));
    let i = Input::new(env(&[(name.as_str(), "x")]), files(&[(DEF, "a: 1")]));
    assert!(matches!(load(&i), Err(Failure::Variable { .. })));
    let dir = vec!["a.a.a.a.a.a.a.a.a.a"; 20].join("/");
    let path = format!("/opt/clearml/config/{dir}/x.conf");
    let i = Input::new(vec![], files(&[(DEF, "a: 1"), (path.as_str(), "x: 1")]));
    assert!(load(&i).is_err());
}

#[test]
fn expandvars_is_posixpaths() {
    let e = |k: &str| (k == "A").then(|| "x".to_string());
    assert_eq!(expandvars("$A/${A}/$B/${}/$", &e), "x/x/$B/${}/$");
    assert_eq!(expandvars("${A", &e), "${A");
}

#[test]
fn object_valued_variable_and_flat_login_are_reported() {
    let i = Input::new(
        env(&[
            (
                "CLEARML__secure__login__sso__oauth_client__keycloak",
                "{client_id: x, client_secret: y}",
            ),
            ("CLEARML__services__login", "flat"),
        ]),
        files(&[
            (DEF, "a: 1"),
            ("/opt/clearml/config/services/login.conf", "sso.k: v"),
        ]),
    );
    let l = load(&i).unwrap();
    let [sec, svc] = sso_view(&l);
    let kc = Value::Object(vec![(
        "oauth_client".into(),
        Value::Object(vec![(
            "keycloak".into(),
            Value::Object(vec![
                ("client_id".into(), Value::String("x".into())),
                ("client_secret".into(), Value::String("y".into())),
            ]),
        )]),
    )]);
    assert_eq!(sec.value, Some(kc));
    assert!(!sec.dropped);
    assert_eq!(svc.value, None);
    assert_eq!(
        svc.ancestors[1],
        ("services.login".to_string(), Shape::NotObject)
    );
    assert!(svc.dropped, "{svc:?}");
    assert_eq!(
        svc.sources,
        [
            "variable CLEARML__services__login",
            "file /opt/clearml/config/services/login.conf"
        ]
    );
}

#[test]
fn a_dash_file_in_an_extra_folder_replaces_the_whole_tree() {
    let i = Input::new(
        vec![],
        files(&[
            (DEF, "a: 1"),
            ("/opt/trains/config/secure.conf", "login.sso.a: 1"),
            ("/opt/clearml/config/-secure.conf", "x: 1"),
        ]),
    );
    let [sec, _] = sso_view(&load(&i).unwrap());
    assert_eq!(sec.value, None);
    assert_eq!(sec.ancestors[0], ("secure".to_string(), Shape::Object));
    assert!(sec.dropped);
}

#[test]
fn a_dash_login_variable_needs_a_secure_object_from_the_folders() {
    // Found by the differential test: the environment alone has no `secure`, so the
    // variable's `-login` key is kept as is; the final merge reads it as `login` only if
    // the folders gave a `secure` object (the image's defaults do).
    let v = env(&[(
        "TRAINS__Secure__-login",
        "{ sso { oauth_client { keycloak { client_id: a } } } }",
    )]);
    let with = Input::new(
        v.clone(),
        files(&[
            (DEF, "a: 1"),
            (&DEF.replace("apiserver.conf", "secure.conf"), "x: 1"),
        ]),
    );
    let [sec, _] = sso_view(&load(&with).unwrap());
    assert!(sec.value.is_some());
    let without = Input::new(v.clone(), files(&[(DEF, "a: 1")]));
    let [sec, _] = sso_view(&load(&without).unwrap());
    assert_eq!(sec.value, None);
    let mut image = Input::new(v, BTreeMap::new());
    image.default_folder_is_image = true;
    let l = load(&image).unwrap();
    assert!(sso_view(&l)[0].value.is_some());
    assert_eq!(l.assumed.len(), 1);
}

#[test]
fn opaque_folders_make_sso_unknown() {
    let mut i = Input::new(vec![], files(&[(DEF, "a: 1")]));
    i.opaque_dirs = vec!["/opt/clearml/config/login".into()];
    let l = load(&i).unwrap();
    let [sec, svc] = sso_view(&l);
    assert!(!sec.unknown);
    assert!(!svc.unknown);
    i.opaque_dirs = vec!["/opt/clearml/config/services".into()];
    let [sec, svc] = sso_view(&load(&i).unwrap());
    assert!(!sec.unknown && svc.unknown);
}

#[test]
fn names_the_pod_does_not_set_are_not_absent_when_looked_up() {
    let sec = "/root/cfg/secure.conf";
    let unknown = |vars: &[(&str, &str)], text: &str| {
        let i = Input::new(env(vars), files(&[(DEF, "a: 1"), (sec, "k: 1")]));
        let mut vars = env(vars);
        vars.push(("CLEARML__services__x".into(), text.into()));
        let i = Input { env: vars, ..i };
        matches!(load(&i), Err(Failure::SetOutside { .. }))
    };
    // `$HOME` in a folder: the runtime sets HOME (unset or empty in the pod) from the image's
    // /etc/passwd, so the folder may be a directory that holds a config file.
    assert!(unknown(&[("CLEARML_CONFIG_DIR", "$HOME/cfg")], "1"));
    assert!(unknown(
        &[("CLEARML_CONFIG_DIR", "${HOME}/cfg"), ("HOME", "")],
        "1"
    ));
    // pyhocon's environment fallback: an optional setting is kept, a required one resolves.
    assert!(unknown(&[], "${?HOME}"));
    assert!(unknown(&[], "${HOSTNAME}"));
    assert!(unknown(&[], "${?PATH}"));
    // Set by the pod: read as given (HOME=/root reads /root/cfg).
    assert!(!unknown(
        &[("HOME", "/root"), ("CLEARML_CONFIG_DIR", "$HOME/cfg")],
        "${?HOME}"
    ));
    let i = Input::new(
        env(&[("HOME", "/root"), ("CLEARML_CONFIG_DIR", "$HOME/cfg")]),
        files(&[(DEF, "a: 1"), (sec, "k: 1")]),
    );
    assert_eq!(load(&i).unwrap().folders[1], "/root/cfg");
    // Any other name: the image's ENV (LANG, PYTHON_VERSION, ...) or its bash entrypoint
    // (SHLVL, PWD, ...) may set it, and the tool cannot see either.
    assert!(unknown(&[], "${?SHLVL}"));
    assert!(unknown(&[], "${?NOT_SET_IN_THE_POD}"));
    assert!(unknown(&[("CLEARML_CONFIG_DIR", "/x/$LANG")], "1"));
    // Set by the pod (even empty, HOME aside): read as given.
    assert!(!unknown(&[("SHLVL", "")], "${?SHLVL}"));
    // Not looked up: no matter.
    assert!(!unknown(&[], "1"));
    // The override variables, unset in the pod: the image sets neither, so they are absent.
    let i = Input::new(env(&[]), files(&[(DEF, "a: 1")]));
    let l = load(&i).unwrap();
    assert!(l.env_read.iter().any(|n| n == "CLEARML_CONFIG_DIR"));
    let Err(f) = load(&Input::new(
        env(&[("CLEARML__services__x", "${?SHLVL}")]),
        files(&[(DEF, "a: 1")]),
    )) else {
        panic!("${{?SHLVL}} of an unset SHLVL read as known");
    };
    let shown = f.to_string();
    assert!(
        shown.contains("SHLVL") && shown.contains("variable CLEARML__services__x"),
        "{shown}"
    );
}

/// A small deterministic generator for the comparisons below.
struct Gen(u64);
impl Gen {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
    /// A key: mostly one of a few plain names (so trees overlap), sometimes one pyhocon's
    /// path lookup or ClearML's `-` reads differently.
    fn key(&mut self, plain: bool) -> String {
        const PLAIN: [&str; 4] = ["secure", "login", "sso", "a_1"];
        const ODD: [&str; 7] = [
            "-secure",
            "secure.login",
            "\"login\"",
            "-",
            "",
            "sso.-a_1",
            "\"a.b\"",
        ];
        if plain || self.next(4) > 0 {
            PLAIN[self.next(4) as usize].to_string()
        } else {
            ODD[self.next(7) as usize].to_string()
        }
    }
    /// An object's items (keys may repeat unless `plain`).
    fn items(&mut self, depth: usize, plain: bool) -> Vec<(String, Value)> {
        let mut out: Vec<(String, Value)> = Vec::new();
        for _ in 0..self.next(4) {
            let k = self.key(plain);
            if plain && out.iter().any(|(o, _)| *o == k) {
                continue;
            }
            let v = if depth < 3 && self.next(2) == 0 {
                Value::Object(self.items(depth + 1, plain))
            } else {
                Value::Int(self.next(3).to_string())
            };
            out.push((k, v));
        }
        out
    }
}

#[test]
fn the_plain_merges_are_the_merge() {
    let mut g = Gen(0x9e37_79b9_7f4a_7c15);
    let (mut plain, mut compared) = (0, 0);
    for _ in 0..20_000 {
        // `a` as earlier variables and folders may leave it: any keys, a subtree shared.
        let a_items = g.items(0, false);
        let want_plain = g.next(2) == 0;
        let b_items = g.items(0, want_plain);
        let is_plain = plain_tree(&b_items);
        // `mentions_plain` is `mentions` on plain trees.
        let b = tree_of(b_items.clone());
        if is_plain {
            plain += 1;
            for path in SSO_PARTS {
                assert_eq!(
                    mentions_plain(&b_items, path),
                    mentions(&b, &[], path),
                    "{b_items:?}"
                );
            }
        }
        let a_of = || {
            let a = tree_of(a_items.clone());
            let first = a.borrow().first().cloned();
            if let Some((_, Node::Tree(t))) = first {
                a.borrow_mut().push(("shared".into(), Node::Tree(t)));
            }
            a
        };
        let show = |t: &Tree| to_value(&Node::Tree(t.clone()), 0);
        // The environment's merge of one variable's tree.
        if is_plain {
            compared += 1;
            let (x, y) = (a_of(), a_of());
            let rx = merge(&x, &tree_of(b_items.clone()), false, true, 0);
            let ry = merge_plain(&y, b_items.clone(), 0);
            assert_eq!(rx, ry, "{a_items:?} {b_items:?}");
            assert_eq!(show(&x), show(&y), "{a_items:?} {b_items:?}");
            // The final merge of a plain environment tree (built as the loader builds it).
            let env_x = new_tree();
            let env_y = new_tree();
            merge_plain(&env_x, b_items.clone(), 0).unwrap();
            merge_plain(&env_y, b_items.clone(), 0).unwrap();
            let (x, y) = (a_of(), a_of());
            let rx = merge(&x, &env_x, true, true, 0);
            let items = Rc::try_unwrap(env_y).unwrap().into_inner();
            let ry = merge_plain_nodes(&y, items, 0);
            assert_eq!(rx, ry, "{a_items:?} {b_items:?}");
            assert_eq!(show(&x), show(&y), "{a_items:?} {b_items:?}");
        }
    }
    // Both kinds of tree were generated, and most plain ones were compared.
    assert!(plain > 5_000 && compared == plain, "{plain} plain of 20000");
}

#[test]
fn dunder_to_dot_is_replace() {
    for name in [
        "", "_", "__", "___", "____", "a__b", "a___b", "__a__", "a_b", "x____y_",
    ] {
        assert_eq!(
            crate::clearml::names::dunder_to_dot(name),
            name.replace("__", "."),
            "{name}"
        );
    }
}
