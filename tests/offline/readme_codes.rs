//! The README's table of finding codes is the code list: every code, each once, with its
//! default severity.

use clearml_sso::report::ALL_CODES;

#[test]
fn readme_code_table_matches_the_codes() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = readme
        .split("\n## Findings")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("a Findings section");
    let rows: Vec<(String, String)> = section
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let id = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            Some((id.to_string(), cells.get(2)?.to_string()))
        })
        .collect();
    let codes: Vec<(String, String)> = ALL_CODES
        .iter()
        .map(|c| (c.id.to_string(), c.severity.as_str().to_string()))
        .collect();
    let mut a = rows.clone();
    let mut b = codes.clone();
    a.sort();
    b.sort();
    assert_eq!(a, b, "README rows (left) vs report::ALL_CODES (right)");
}
