//! Attack harness for kube::plain: generates texts from YAML edge-case fragments and, for each
//! one plain takes, compares its events with libyaml's and asks saphyr. Prints disagreements.
//! Usage: plain_attack [CASES] [SEED] [FILES...]
use clearml_sso::kube::plain;

/// What is wrong with the scanner's taking of `text`, if anything (`kube::plain::verdict`).
fn judge(text: &str) -> Option<String> {
    plain::verdict(text).err()
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.below(v.len())]
    }
}

const KEYS: &[&str] = &[
    "a", "b", "key", "a:", "a b", "'k'", "\"k\"", "''", "\"\"", "'it''s'", "a#b", "a'b", "a\"b",
    "x[0]", "a{b", "<<", "~", "-1", ".5", "a?b", "a!b", "a%b", "k=v", "a:b", "a,b", "a]", "a}",
    "'a' ", "\"a\"  ", "'a #b'", "null", "a-", "a_b", "0x1F",
];
const VALUES: &[&str] = &[
    "",
    " ",
    "v",
    "v ",
    "v #c",
    "v#c",
    "'x'",
    "\"x\"",
    "''",
    "\"\"",
    "'it''s'",
    "'a''",
    "x y",
    "x  y",
    "-1",
    "--x",
    "-",
    "- ",
    ".5",
    "~",
    "null",
    "0x1F",
    "1_000",
    "[]",
    "{}",
    "[a, b]",
    "[a,b]",
    "[ a , b ]",
    "[a, ]",
    "[,]",
    "{a: b}",
    "{a: b, c: d}",
    "{a: b,}",
    "{a:b}",
    "{'a': \"b\"}",
    "[\"a\", 'b']",
    "[a] #c",
    "[a]#c",
    "|",
    "|-",
    "|+",
    ">",
    ">-",
    ">+",
    "| ",
    "|- ",
    "| #c",
    "|#c",
    "|2",
    "|+ #x",
    "# c",
    "#c",
    "x:",
    "x: y",
    "x :y",
    "a'b",
    "'a' 'b'",
    "\"a\" #c",
    "'a'#c",
    "a\"b\"",
    "=",
    "<<",
    "x]",
    "x}",
    "x,",
    "x[",
    "[a]]",
    "[[a]]",
    "{a: [b]}",
    "[a: b]",
    "[a, {b: c}]",
    "`x",
    "@x",
    "%x",
    "!x",
    "&x",
    "*x",
    "?x",
    "? x",
    ":x",
    ": x",
    "x\\y",
    "\"a\\\"\"",
    "'a\\'",
    "x #",
    "x # y: z",
    "[a, b] #c: d",
    "http://x:1/y",
    "a: b",
    "--- x",
    "... x",
    "[a.b, c_d, e/f, g=h, i+j, k@l]",
    "{a: 'b''c'}",
    "[a b]",
    "[ ]",
    "{ }",
    "[.5, _x, /y]",
    "[-1]",
    "[a, b, ]",
    "[...]",
    "[a.b.c]",
    "{a: [b]}",
    "[{a: b}]",
    "{a: b, a: c}",
    "'#'",
    "\"#\"",
    "x ' y",
    "x \" y",
    "x: ",
    "x:  y",
    "a- b",
    "a -b",
    "- a",
    "? a",
    "'a' : b",
    "|1",
    "|-2",
    ">+ # c",
    ">- #c",
    "|+\t",
    "'  '",
    "\"  \"",
];
const BLOCK_LINES: &[&str] = &[
    "x", "  x", " x", "   x", "", " ", "  ", "   ", "    ", "     ", "x ", "  x  ", "#c", "  #c",
    " # c", "- x", "  - x", "x: y", "  x: y", "---", "...", "--- x", "\"q\"", "  'q'", "       ",
    "      y", " #c", "   #c", "    #c", "- a", "  - a", " - a", "a: |", "  b: >-", "    ",
    "        ", "     z", "  '", "  \"", "  ---", "  ...", "...", "--- |", "  |", "  >",
];
const INDENTS: &[&str] = &["", " ", "  ", "   ", "    ", "      "];

fn gen(rng: &mut Rng) -> String {
    let mut out = String::new();
    if rng.below(6) == 0 {
        out.push_str(rng.pick(&[
            "---\n", "--- #c\n", "---  \n", "---", "--- \n", "# c\n", "\n", "...\n", "--- |\n",
        ]));
    }
    let lines = 1 + rng.below(7);
    for _ in 0..lines {
        match rng.below(10) {
            0 => {
                // block scalar body lines
                for _ in 0..1 + rng.below(4) {
                    out.push_str(rng.pick(BLOCK_LINES));
                    out.push('\n');
                }
            }
            1 => out.push_str(rng.pick(&["#c\n", "  # c\n", "\n", "   \n", " \n"])),
            _ => {
                out.push_str(rng.pick(INDENTS));
                let dashes = rng.below(4);
                for _ in 0..dashes.saturating_sub(1) {
                    out.push_str(rng.pick(&["- ", "-  ", "-   "]));
                }
                if rng.below(4) == 0 {
                    out.push_str(rng.pick(VALUES));
                } else {
                    out.push_str(rng.pick(KEYS));
                    out.push_str(rng.pick(&[":", ": ", ":  ", " :", ":\t"]));
                    out.push_str(rng.pick(VALUES));
                }
                out.push('\n');
            }
        }
    }
    if rng.below(5) == 0 {
        out.pop();
    }
    if rng.below(7) == 0 {
        out.push_str(rng.pick(&["\n", "\n\n", "  \n", "   ", " ", "\n  \n"]));
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let cases: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let seed: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1);
    let mut found = 0;
    let mut taken = 0;
    for f in args.iter().skip(3) {
        let t = std::fs::read_to_string(f).unwrap();
        if plain::check(&t) {
            taken += 1;
        }
        if let Some(why) = judge(&t) {
            println!("FILE {f}: {why}");
        }
    }
    let mut rng = Rng(seed.wrapping_mul(0x9E3779B97F4A7C15) | 1);
    let mut seen = std::collections::HashSet::new();
    // DUMP=path: each distinct taken text as a JSON string line in path, the tool's reading
    // (a JSON line: {"json": ...} or {"error": ...}) in path.ours, for the go-yaml oracle.
    let mut dump = std::env::var("DUMP").ok().map(|p| {
        (
            std::fs::File::create(&p).unwrap(),
            std::fs::File::create(format!("{p}.ours")).unwrap(),
            std::collections::HashSet::new(),
        )
    });
    for _ in 0..cases {
        let t = gen(&mut rng);
        if plain::check(&t) {
            taken += 1;
            if let Some((a, b, done)) = dump.as_mut() {
                if done.insert(t.clone()) {
                    use std::io::Write;
                    writeln!(a, "{}", serde_json::to_string(&t).unwrap()).unwrap();
                    let ours = match clearml_sso::k8s_yaml::read(&t) {
                        Ok(v) => serde_json::json!({"json": v.unwrap_or(serde_json::Value::Null)}),
                        Err(e) => serde_json::json!({"error": e.to_string()}),
                    };
                    writeln!(b, "{ours}").unwrap();
                }
            }
        }
        let r = std::panic::catch_unwind(|| judge(&t));
        let why = match r {
            Ok(w) => w,
            Err(_) => Some("PANIC".into()),
        };
        if let Some(why) = why {
            let kind: String = why.chars().take(40).collect();
            if seen.insert(kind.clone()) || found < 40 {
                println!("{t:?}\n   => {why}");
            }
            found += 1;
        }
    }
    eprintln!("{cases} cases, {taken} taken, {found} disagreements");
}
