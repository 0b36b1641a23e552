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
