//! The finding codes of docs/findings.md are the code list: every code, each once, with its
//! default severity. And every relative link in the README, CONTRIBUTING.md, CHANGELOG.md and
//! docs/ leads to a file that exists, and to a heading of it that exists.

use clearml_sso::report::ALL_CODES;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use std::path::{Component, Path, PathBuf};

#[test]
fn readme_code_table_matches_the_codes() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/findings.md")).unwrap();
    let section = readme
        .split("\n## Codes")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("a Codes section");
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
    assert_eq!(
        a, b,
        "docs/findings.md rows (left) vs report::ALL_CODES (right)"
    );
}

/// The documentation pages whose links are checked, relative to the repository root.
fn doc_pages(root: &Path) -> Vec<PathBuf> {
    let mut pages: Vec<PathBuf> = ["README.md", "CONTRIBUTING.md", "CHANGELOG.md"]
        .iter()
        .map(PathBuf::from)
        .collect();
    for entry in std::fs::read_dir(root.join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            pages.push(path.strip_prefix(root).unwrap().to_path_buf());
        }
    }
    pages.sort();
    pages
}

/// A heading's anchor as GitHub makes it: the heading's text lower-cased, every character but
/// letters, digits, `-`, `_` and spaces dropped, spaces made `-`.
fn slug(text: &str) -> String {
    text.to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// A Markdown page's heading anchors (a repeated heading gets `-1`, `-2`… as on GitHub) and
/// link destinations, as a CommonMark parser reads them.
fn anchors_and_links(markdown: &str) -> (Vec<String>, Vec<String>) {
    let mut anchors: Vec<String> = Vec::new();
    let mut links = Vec::new();
    let mut heading: Option<String> = None;
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = heading.as_mut() {
                    h.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                let base = slug(&heading.take().unwrap_or_default());
                let mut anchor = base.clone();
                let mut n = 0;
                while anchors.contains(&anchor) {
                    n += 1;
                    anchor = format!("{base}-{n}");
                }
                anchors.push(anchor);
            }
            Event::Start(Tag::Link { dest_url, .. }) => links.push(dest_url.to_string()),
            _ => {}
        }
    }
    (anchors, links)
}

/// `dir/target` with `.` and `..` steps taken, still relative to the repository root.
fn join(dir: &Path, target: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for part in dir.join(target).components() {
        match part {
            Component::ParentDir => assert!(out.pop(), "{target} leaves the repository"),
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[test]
fn doc_links_resolve() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let pages = doc_pages(root);
    assert!(pages.len() > 5, "{pages:?}");
    let mut broken = Vec::new();
    let mut checked = 0;
    for page in &pages {
        let text = std::fs::read_to_string(root.join(page)).unwrap();
        let (own_anchors, links) = anchors_and_links(&text);
        for link in links {
            if link.contains("://") || link.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            let (path, anchor) = link.split_once('#').unwrap_or((&link, ""));
            let anchors = if path.is_empty() {
                own_anchors.clone()
            } else {
                let target = join(page.parent().unwrap(), path);
                if !root.join(&target).exists() {
                    broken.push(format!(
                        "{}: {link}: no file {}",
                        page.display(),
                        target.display()
                    ));
                    continue;
                }
                if anchor.is_empty() || target.extension().is_none_or(|e| e != "md") {
                    continue;
                }
                anchors_and_links(&std::fs::read_to_string(root.join(&target)).unwrap()).0
            };
            if !anchor.is_empty() && !anchors.iter().any(|a| a == anchor) {
                broken.push(format!("{}: {link}: no heading #{anchor}", page.display()));
            }
        }
    }
    assert!(checked > 50, "only {checked} relative links found");
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// The anchor rule on headings whose anchors the docs link to.
#[test]
fn slugs_are_githubs() {
    let (anchors, _) = anchors_and_links(
        "# What \"correct\" means\n## `explain`, `values` and `init`\n## 5. ClearML's config files\n\
         ### Keycloak — `keycloak`\n## Codes\n## Codes\n```\n# not a heading\n```\n",
    );
    assert_eq!(
        anchors,
        [
            "what-correct-means",
            "explain-values-and-init",
            "5-clearmls-config-files",
            "keycloak--keycloak",
            "codes",
            "codes-1",
        ]
    );
}
