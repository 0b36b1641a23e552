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
