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
    // Exactly: only the five escaped, every other character (multi-byte ones too) as it is.
    assert_eq!(
        quote("é\"x\\\n\u{2028}\t\rz"),
        "\"é\\\"x\\\\\\n\u{2028}\\t\\rz\""
    );
    assert_eq!(quote("\u{1}ref:a/b"), "\"\u{1}ref:a/b\"");
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
        assert_eq!(parse(text, &|_| None), grammar_only(text), "{text:?}");
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

/// The full grammar alone (no shortcut, no kept reading), resolved without an environment.
fn grammar_only(text: &str) -> Result<Value, Error> {
    let mut arena = Arena::default();
    let config = parse::Parser::new(text, &mut arena).parse_all()?;
    let no_env = |_: &str| None;
    resolve::Resolver {
        a: &mut arena,
        env: &no_env,
    }
    .resolve(&config)?;
    Ok(to_value(&arena, &config, 0))
}

#[test]
fn the_digit_word_and_list_shortcuts_are_the_grammar() {
    // Words that start with a digit (numbers, periods with every unit, exponents and near
    // misses) and lists of quoted strings with their near misses: wherever the shortcut
    // reads one, the full grammar gives the same tree.
    let alphabet = ['0', '9', 'e', 'E', 'm', 's', 'o', 'y', 'n', 'x'];
    let mut words: Vec<String> = ["1", "2", "9"].iter().map(|d| d.to_string()).collect();
    let mut last = words.clone();
    for _ in 0..3 {
        let next: Vec<String> = last
            .iter()
            .flat_map(|w| alphabet.iter().map(move |c| format!("{w}{c}")))
            .collect();
        words.extend(next.iter().cloned());
        last = next;
    }
    words.extend(parse::UNITS.iter().flat_map(|u| {
        [
            format!("5{u}"),
            format!("10{u}x"),
            format!("7{u}1"),
            format!("3 {u}"),
            format!("3{u}-"),
        ]
    }));
    words.extend(
        [
            "9yq2Xl0bF8tV3nRkC4sWmJ7eHdPaZu1G",
            "2oGujVFhPfaozhpuz2GzQfA5OyxmMsR3WVJpsCR5hrgHFs20PO",
            "1e5",
            "1E55",
            "1e5x",
            "1e",
            "1e-5",
            "1.5x",
            "1_000",
            "0x1F",
            "1a//b",
            "٣a",
        ]
        .map(String::from),
    );
    let items = [
        "\"\"",
        "\"a\"",
        "\"x y\"",
        "\"#\"",
        "\",\"",
        "\"]\"",
        "\"[\"",
        "\"${x}\"",
        "\"//\"",
        "\"é\u{1}\"",
        "\" \"",
        "\"\u{a0}\"",
        "\" x \"",
        "\"a\\\"b\"",
        "\"\"\"",
        "a",
        "1",
        "\"a\" ",
    ];
    let seps = [",", ", ", ",  ", " ,", ",\n", ""];
    let mut lists = vec![
        "[]".to_string(),
        "[ \"a\"]".to_string(),
        "[\"a\",]".to_string(),
    ];
    for a in items {
        lists.push(format!("[{a}]"));
        lists.push(format!("[{a}] "));
        lists.push(format!("[{a}]x"));
        for sep in seps {
            for b in items {
                lists.push(format!("[{a}{sep}{b}]"));
                lists.push(format!("[{a}{sep}{b}{sep}\"c\"]"));
            }
        }
    }
    let mut taken = 0;
    for value in words.iter().chain(&lists) {
        for path in ["a", "secure.x.client_secret"] {
            let text = format!("{path}: {value}");
            if takes_shortcut(&text) {
                taken += 1;
                assert_eq!(
                    fast::read(&text).map(Ok),
                    Some(grammar_only(&text)),
                    "{text:?}"
                );
            }
        }
    }
    assert!(taken > 1000, "{taken}");
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

#[test]
fn the_shortcut_at_a_path_is_the_shortcut_on_the_whole_text() {
    // `shortcut_value_at(path, value)` must be exactly the shortcut's tree for
    // `"{path}: {value}"`, read at the path: every value of up to four characters from an
    // alphabet of the shape's edges, under paths plain and not.
    let alphabet = ['a', 't', '1', '-', '"', ':', ' ', '.', '\\', '#', '{', 'é'];
    let paths = [
        "a",
        "a.b",
        "x_1.y-2",
        "",
        "a:b",
        "a: b",
        "include",
        "Include.x",
        "a..b",
        ".a",
        "a.",
        "a b",
        "\"a\"",
        "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p",
        "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q",
    ];
    let mut values = vec![String::new()];
    let mut last = vec![String::new()];
    for _ in 0..4 {
        let next: Vec<String> = last
            .iter()
            .flat_map(|v| alphabet.iter().map(move |c| format!("{v}{c}")))
            .collect();
        values.extend(next.iter().cloned());
        last = next;
    }
    values.extend(
        [
            "true", "false", "null", "truex", "nullx", "abc", "12", "\"x y\"",
        ]
        .map(String::from),
    );
    let mut taken = 0;
    for path in paths {
        for value in &values {
            let whole = super::fast::read(&format!("{path}: {value}")).map(|tree| {
                super::parse_key(path).iter().fold(tree, |t, k| match t {
                    Value::Object(mut items) if items.len() == 1 && items[0].0 == *k => {
                        items.remove(0).1
                    }
                    other => panic!("{path:?}: {value:?}: {other:?} is not one key {k:?}"),
                })
            });
            let at = shortcut_value_at(path, value);
            assert_eq!(at, whole, "{path:?}: {value:?}");
            taken += usize::from(at.is_some());
        }
    }
    assert!(taken > 1000, "{taken}");
}

#[test]
fn the_file_shortcut_is_the_grammar() {
    // Generated files of the shape `fast::read_file` takes and its near misses: wherever the
    // shortcut reads one, the full grammar (proven against pyhocon) gives the same tree.
    let keys = [
        "a",
        "b",
        "section_0",
        "x-1",
        "A",
        "k_",
        "0",
        "a.b",
        "a.c",
        "true",
        "nullx",
        "include",
        "a b",
        "\"q\"",
        "a.",
        "é",
    ];
    let opens = ["{", " {", ": {", ":{", " : {", "= {", "{{", ""];
    let values = [
        "0",
        "-0",
        "007",
        "-12",
        "true",
        "false",
        "null",
        "\"s\"",
        "\"\"",
        "\"a b\"",
        "\"é\u{a0}\"",
        "12345678901234567890",
        "1.5",
        "10s",
        "1e5",
        "truex",
        "True",
        "x",
        "\"\"\"x\"\"\"",
        "\"a\\\"b\"",
        "\"a\"b",
        "\"a\" \"b\"",
        "${X}",
        "[1]",
        "{}",
        "\"#\"",
        "\"//\"",
        "-",
    ];
    let seps = [",", ", ", " ,", " , ", "\n", " ", ",,"];
    let closes = ["}", " }", "} ", "}  ", "} x", "} // c", "}}", ""];
    let seed = std::cell::Cell::new(0x2545_f491_4f6c_dd1d_u64);
    let next = |n: usize| {
        let mut x = seed.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        seed.set(x);
        (x % n as u64) as usize
    };
    // Mostly the shape (the first `good` of a list), sometimes anything in it.
    let pick = |list: &[&'static str], good: usize| {
        if next(8) == 0 {
            list[next(list.len())]
        } else {
            list[next(good)]
        }
    };
    let (mut taken, mut total) = (0, 0);
    for _ in 0..20_000 {
        let mut text = String::new();
        for _ in 0..1 + next(4) {
            match next(10) {
                0 => text.push_str("# a comment, é"),
                1 => text.push_str("  // another"),
                2 => {}
                3 => {
                    text.push_str(pick(&keys, 7));
                    text.push_str(pick(&[": ", ":", " : ", "= "], 3));
                    text.push_str(pick(&values, 12));
                }
                _ => {
                    text.push_str(pick(&["", " ", "    "], 3));
                    text.push_str(pick(&keys, 7));
                    text.push_str(pick(&opens, 5));
                    text.push_str(pick(&[" ", "", "  "], 3));
                    for i in 0..1 + next(3) {
                        if i > 0 {
                            text.push_str(pick(&seps, 4));
                        }
                        text.push_str(pick(&keys, 7));
                        text.push_str(pick(&[": ", ":", " : ", " = "], 3));
                        text.push_str(pick(&values, 12));
                    }
                    text.push_str(pick(&closes, 4));
                }
            }
            text.push_str(pick(&["\n", "\n\n", "  \n", ""], 3));
        }
        total += 1;
        if let Some(v) = super::fast::read_file(&text) {
            taken += 1;
            let full = parse_full(&text, &|_| None).0;
            assert_eq!(Ok(v), full, "{text:?}");
        }
    }
    assert!(taken * 10 > total, "{taken} of {total}");
}
