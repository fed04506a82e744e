//! Keeps the suite's lists honest: a case written in the suite but missing from the lists in
//! `conformance_tests!` would silently run on no store. The cases are read from the suite's own
//! source (every `pub async fn name(store: Arc<dyn …Store>)` in `conformance.rs` and the files
//! under `conformance/`), and each store's generated tests compare their list with them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Where the suite's source lives (this crate's `src/`, as built).
fn source_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The suite's source files: `conformance.rs` and every `.rs` file under `conformance/`.
fn suite_files() -> Vec<PathBuf> {
    let root = source_root();
    let mut files = vec![root.join("conformance.rs")];
    let mut dirs = vec![root.join("conformance")];
    while let Some(dir) = dirs.pop() {
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
        for entry in entries {
            let path = entry
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
                .path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The names of the cases in one source text: public async functions whose only parameter is a
/// store port (`Arc<dyn Store>`, `Arc<dyn BotStateStore>`, …). Helpers take references or more
/// parameters and are not cases; a file's unit tests (from `#[cfg(test)]` on) hold none.
#[cfg(test)]
pub(crate) fn cases_in(source: &str) -> Vec<String> {
    cases_with_ports_in(source)
        .into_iter()
        .map(|(name, _)| name)
        .collect()
}

/// The cases in one source text with the port each takes (`Store`, `BotStateStore`, …).
fn cases_with_ports_in(source: &str) -> Vec<(String, String)> {
    let mut cases = Vec::new();
    let mut lines = source.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "#[cfg(test)]" {
            break;
        }
        let Some(rest) = line.trim_start().strip_prefix("pub async fn ") else {
            continue;
        };
        // The signature may be wrapped over several lines; it ends before the body's `{`.
        let mut signature = rest.to_owned();
        while !signature.contains('{') {
            match lines.next() {
                Some(next) => signature.push_str(next),
                None => break,
            }
        }
        let compact: String = signature.chars().filter(|c| !c.is_whitespace()).collect();
        let Some((name, after)) = compact.split_once('(') else {
            continue;
        };
        let Some((params, _)) = after.split_once(')') else {
            continue;
        };
        let param = params.trim_end_matches(',');
        if param.contains(',') {
            continue;
        }
        let port = param.split_once(':').and_then(|(_, ty)| {
            let port = ty.strip_prefix("Arc<dyn")?.strip_suffix('>')?;
            let is_port = (port.ends_with("Store") || port.ends_with("Log")) && !ty.contains('&');
            is_port.then(|| port.to_owned())
        });
        if let Some(port) = port {
            cases.push((name.to_owned(), port));
        }
    }
    cases
}

/// Every case written in the suite, sorted.
pub fn written_cases() -> Vec<String> {
    written_cases_of(None)
}

/// The cases of the given ports (all when None), sorted.
fn written_cases_of(ports: Option<&[&str]>) -> Vec<String> {
    let mut all = Vec::new();
    for file in suite_files() {
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        all.extend(
            cases_with_ports_in(&text)
                .into_iter()
                .filter(|(_, port)| ports.is_none_or(|p| p.contains(&port.as_str())))
                .map(|(name, _)| name),
        );
    }
    all.sort();
    all
}

/// Panics unless `generated` (the cases a store's `conformance_tests!` made tests for) names
/// every case written in the suite, each once, and nothing else.
pub fn assert_all_cases_run(generated: &[&str]) {
    assert_cases_run(generated, None);
}

/// As `assert_all_cases_run`, for an adapter of the domain's `Store` only (a wrapper such as the
/// cache): every case of that port.
pub fn assert_store_cases_run(generated: &[&str]) {
    assert_cases_run(generated, Some(&["Store"]));
}

fn assert_cases_run(generated: &[&str], ports: Option<&[&str]>) {
    let written: BTreeSet<String> = written_cases_of(ports).into_iter().collect();
    let listed: BTreeSet<String> = generated.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(
        listed.len(),
        generated.len(),
        "a case is listed twice in conformance_tests!"
    );
    let not_run: Vec<&String> = written.difference(&listed).collect();
    assert!(
        not_run.is_empty(),
        "conformance cases written but not listed in conformance_tests! (so run on no store): \
         {not_run:?}"
    );
    let unknown: Vec<&String> = listed.difference(&written).collect();
    assert!(
        unknown.is_empty(),
        "listed in conformance_tests! but not found as `pub async fn name(store: Arc<dyn …Store>)` \
         in the suite's source: {unknown:?}"
    );
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn cases_are_told_from_helpers() {
        let source = r#"
//! pub async fn in_a_doc(store: Arc<dyn Store>) {}
pub async fn one_line(store: Arc<dyn Store>) {
}
pub async fn bot_state_case(store: Arc<dyn BotStateStore>) {}
pub async fn wrapped_by_rustfmt_because_the_name_is_long(
    store: Arc<dyn Store>,
) {
}
async fn private_helper(store: Arc<dyn Store>) {}
pub async fn helper_by_reference(store: &Arc<dyn Store>) -> User {}
pub async fn helper_with_more(store: Arc<dyn Store>, id: i64) {}
pub fn not_async(store: Arc<dyn Store>) {}
#[cfg(test)]
mod tests {
    pub async fn in_unit_tests(store: Arc<dyn Store>) {}
}
"#;
        assert_eq!(
            cases_in(source),
            vec![
                "one_line",
                "bot_state_case",
                "wrapped_by_rustfmt_because_the_name_is_long"
            ]
        );
    }

    #[test]
    fn the_suite_source_is_read() {
        let written = written_cases();
        for case in [
            "ping_answers",
            "dialogues_save_load_delete",
            "register_user_publishes_user_changed",
        ] {
            assert!(written.iter().any(|c| c == case), "{case} in {written:?}");
        }
        assert!(!written.iter().any(|c| c == "base" || c == "person"));
    }

    #[test]
    #[should_panic(expected = "written but not listed")]
    fn a_case_left_out_of_the_lists_fails() {
        let mut listed = written_cases();
        listed.pop();
        let listed: Vec<&str> = listed.iter().map(String::as_str).collect();
        assert_all_cases_run(&listed);
    }

    #[test]
    #[should_panic(expected = "not found")]
    fn a_listed_name_without_a_case_fails() {
        let mut listed = written_cases();
        listed.push("no_such_case".into());
        let listed: Vec<&str> = listed.iter().map(String::as_str).collect();
        assert_all_cases_run(&listed);
    }

    /// Every store crate (`crates/store-*`) runs the suite from its integration tests.
    #[test]
    fn every_store_crate_runs_the_suite() {
        let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut stores = 0;
        for entry in std::fs::read_dir(&crates).unwrap() {
            let dir = entry.unwrap().path();
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            if !name.starts_with("store-") {
                continue;
            }
            stores += 1;
            let tests = dir.join("tests").join("it");
            let runs = std::fs::read_dir(&tests)
                .unwrap_or_else(|e| panic!("{name} has no tests/it: {e}"))
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "rs"))
                .any(|p| {
                    std::fs::read_to_string(&p)
                        .unwrap()
                        .contains("testkit::conformance_tests!(")
                });
            assert!(runs, "{name} does not run testkit::conformance_tests!");
        }
        assert!(stores >= 2, "found {stores} store crates");
    }
}
