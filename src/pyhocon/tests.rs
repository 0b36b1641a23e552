//! Examples checked against pyhocon 0.3.63 by hand; the differential test in
//! `tests/oracle/pyhocon.rs` compares with pyhocon itself at scale.

use super::*;

fn read(text: &str) -> Result<Value, Error> {
    parse_with_env(text, [("HOME", "/root")])
}

fn obj(k: &str, v: Value) -> Value {
    Value::Object(vec![(k.into(), v)])
}

fn s(v: &str) -> Value {
    Value::String(v.into())
}

#[test]
fn quirks_pyhocon_has() {
    assert_eq!(read("a: true x"), Ok(obj("a", s("Truex"))));
    assert_eq!(read("a: true-north"), Ok(obj("a", s("True-north"))));
    assert_eq!(
        read("a: null x"),
        Ok(obj("a", s(&format!("{NONE_VALUE_STR}x"))))
    );
    assert_eq!(
        read("a: 5 mo"),
        Ok(obj(
            "a",
            Value::Duration(Duration::Relative([
                "0".into(),
                "5".into(),
                "0".into(),
                "0".into(),
                "0".into(),
                "0".into(),
                "0".into()
            ]))
        ))
    );
    assert_eq!(read("a: 1e3"), Ok(obj("a", Value::Float(1000.0))));
    assert_eq!(read("a: ٣"), Ok(obj("a", Value::Int("3".into()))));
    assert_eq!(read("a: \"x\ty\""), Ok(obj("a", s("x   y"))));
    assert_eq!(read("a: null, b: ${a}"), Ok(obj("a", Value::Null)));
    assert_eq!(read("a: x // y"), Ok(obj("a", s("x"))));
    assert_eq!(
        read("a: https://x.com/ y"),
        Ok(obj("a", s("https://x.com/ y")))
    );
    assert_eq!(read("a: 10 ms x"), Ok(obj("a", s("0:00:00.010000x"))));
    assert_eq!(read("a: 1.5 "), Ok(obj("a", s("1.5"))));
    assert_eq!(read("a: ${HOME}"), Ok(obj("a", s("/root"))));
    assert_eq!(read("a: [\"\"]"), Ok(obj("a", Value::List(vec![]))));
    assert_eq!(
        read("a: 1, a.b: 2"),
        Err(Error::Python("ConfigWrongTypeException"))
    );
    assert_eq!(read("a: x, a += y"), Ok(obj("a", s("x y"))));
    assert_eq!(
        read("a: 5 days ago"),
        Ok(obj("a", s("relativedelta(days=+5)ago")))
    );
    assert_eq!(read("a: x\\"), Err(Error::Syntax));
    assert_eq!(read("a: include \"x\""), Err(Error::Include));
}

#[test]
fn the_issue_example_sets_the_secret() {
    let text = "services.webhooks.url: https://hooks.example.com/, secure.login.sso.oauth_client.keycloak.client_secret: \"attacker\"";
    let v = read(text).unwrap();
    let Value::Object(items) = v else { panic!() };
    assert_eq!(items[0].0, "services");
    assert_eq!(items[1].0, "secure");
}

#[test]
fn quote_round_trips() {
    for v in [
        "",
        "x",
        "a\"b",
        "\\",
        "\"\"\"",
        "a\nb\tc\r",
        "${X}",
        "// #",
        "true",
        "\u{a0}",
        "10 days",
        "include \"x\"",
    ] {
        let text = format!("a.b: {}", quote(v));
        assert_eq!(read(&text), Ok(obj("a", obj("b", s(v)))), "{v:?}");
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("a: {}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(read(&deep), Err(Error::TooDeep));
}

#[test]
fn a_key_of_many_parts_is_an_error_not_a_crash() {
    // ClearML builds such a key from a variable name with many `__` (CLEARML__a__a__…).
    let long = vec!["a"; 1000].join(".");
    assert_eq!(
        read(&format!("{long}: x")),
        Err(Error::Python("RecursionError"))
    );
    let most = vec!["a"; super::MAX_KEY_PARTS].join(".");
    assert!(read(&format!("{most}: x")).is_ok());
}

/// The plain-shape shortcut (`fast.rs`) gives what the full grammar gives, on its shape and on
/// near misses it must leave to the grammar.
#[test]
fn shortcut_agrees_with_the_grammar() {
    let full = |text: &str| -> Result<Value, Error> {
        let mut arena = Arena::default();
        let config = parse::Parser::new(text, &mut arena).parse_all()?;
        let no_env = |_: &str| None;
        resolve::Resolver {
            a: &mut arena,
            env: &no_env,
        }
        .resolve(&config)?;
        Ok(to_value(&arena, &config, 0))
    };
    let taken = [
        "a.b.c: 12345",
        "services.setting_5.value: 007",
        "a: -0",
        "a: -12",
        "a:1",
        "a:   x",
        "a-b._.0: https://sso.example.com/auth",
        "a: \"x y \u{1}é\"",
        "a: \"\"",
        "a: true",
        "a: false",
        "a: null",
        "a: GGS9F4M6XB2DXJ5AFT9F",
        "a: x//y",
        "a: nul",
        "a: tru",
    ];
    for text in taken {
        assert!(takes_shortcut(text), "{text:?} should take the shortcut");
        assert_eq!(parse(text, &|_| None), full(text), "{text:?}");
    }
    let left = [
        "a: True",
        "a: true-north",
        "a: nullable",
        "a: include",
        "include.a: 1",
        "a: x y",
        "a: \"x\ty\"",
        "a: \"x\\\"y\"",
        "a: \"\"\"x\"\"\"",
        "a: \"x",
        "a: 5s",
        "a: +5",
        "a: 1.5",
        "a: ",
        "a..b: 1",
        "a b: 1",
        "\"a.b\": 1",
        "a : 1",
        "a = 1",
        "a: x,",
        "a: x$",
        "a: x?y",
        "a: \"x\" ",
        "a: 1 ",
    ];
    for text in left {
        assert!(
            !takes_shortcut(text),
            "{text:?} should be left to the grammar"
        );
    }
}

#[test]
fn a_kept_reading_gives_the_same_tree_and_tokens_to_every_caller() {
    let no_env = |_: &str| None;
    // Texts for the grammar (not the shortcut), without `$` or `+=`: kept after one reading.
    let texts = [
        ("k: \"a\" b // note", true),
        ("k: [1, \"two\"]", false),
        ("k: {", false),
    ];
    for (text, joins) in texts {
        assert!(!takes_shortcut(text), "{text:?}");
        // parse first (the loader), then parse_with_tokens (the findings), then both again.
        let first = parse(text, &no_env);
        let (with_tokens, tokens) = parse_with_tokens(text, &no_env);
        assert_eq!(first, with_tokens, "{text:?}");
        assert_eq!(tokens.joins_quoted, joins, "{text:?}");
        assert!(tokens.substitutions.is_empty(), "{text:?}");
        let (again, tokens_again) = parse_with_tokens(text, &no_env);
        assert_eq!(again, first, "{text:?}");
        assert_eq!(tokens_again, tokens, "{text:?}");
        assert_eq!(parse(text, &no_env), first, "{text:?}");
    }
    // With `${…}` nothing is kept: the tokens name the substitution every time.
    for _ in 0..2 {
        let (_, tokens) = parse_with_tokens("k: x ${?Y}", &no_env);
        assert_eq!(tokens.substitutions, vec![("Y".to_string(), true)]);
    }
}
