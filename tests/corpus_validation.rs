//! A broken FAQ gets every problem reported at once, each at its file and line, and is never served.

mod common;

use common::{entry_toml, run, scratch_faq, text};
use immunofaq::corpus::{self, Problem};

fn problems(files: &[(&str, &str)]) -> (tempfile::TempDir, Vec<Problem>) {
    let dir = scratch_faq(files);
    let problems = corpus::load(dir.path()).expect_err("a broken corpus must not load");
    (dir, problems)
}

fn has(problems: &[Problem], needle: &str) -> bool {
    problems.iter().any(|p| p.to_string().contains(needle))
}

#[test]
fn a_misspelt_field_is_an_error_with_a_hint_and_its_line() {
    let body = entry_toml("a", "What is A?").replace("alternates =", "alternatives =");
    let (_d, p) = problems(&[("a.toml", &body)]);
    let msg = p.iter().find(|p| p.message.contains("alternatives")).expect("reported");
    assert!(msg.message.contains("did you mean `alternates`"), "{msg}");
    assert_eq!(msg.line, 5, "{msg}");
    assert!(msg.to_string().contains("a.toml:5:1:"), "{msg}");
    assert_eq!(msg.item.as_deref(), Some("a"));
}

#[test]
fn every_problem_is_reported_in_one_pass() {
    let first = entry_toml("dup", "What is A?");
    let second = entry_toml("dup", "What is B?")
        + &entry_toml("c", "What is A?").replace("https://www.cancer.gov", "ftp://example.org")
        + "\n[[entry]]\nid = \"d\"\nquestion = \"Q\"\nanswer = \"\"\nsources = []\nrelated = [\"nowhere\"]\nreviewed = 2026-11-27\n";
    let (_d, p) = problems(&[("a.toml", &first), ("b.toml", &second)]);
    assert!(has(&p, "duplicate id"), "{p:?}");
    assert!(has(&p, "is also under entry"), "{p:?}");
    assert!(has(&p, "must start with https://"), "{p:?}");
    assert!(has(&p, "`answer` is empty"), "{p:?}");
    assert!(has(&p, "at least one source"), "{p:?}");
    assert!(has(&p, "`nowhere`, which is not an entry id"), "{p:?}");
}

#[test]
fn a_toml_syntax_error_names_file_and_line() {
    let body = entry_toml("a", "What is A?") + "\n[[entry]\nid = \"b\"\n";
    let (_d, p) = problems(&[("a.toml", &body)]);
    let syntax = p.iter().find(|p| p.message.starts_with("TOML syntax")).expect("syntax error reported");
    assert_eq!(syntax.line, 10, "{syntax}");
}

#[test]
fn a_missing_required_field_is_named() {
    let body = entry_toml("a", "What is A?").replace("reviewed = 2026-11-27\n", "");
    let (_d, p) = problems(&[("a.toml", &body)]);
    assert!(has(&p, "missing field `reviewed`"), "{p:?}");
}

#[test]
fn a_date_in_quotes_is_explained() {
    let body = entry_toml("a", "What is A?").replace("reviewed = 2026-11-27", "reviewed = \"2026-11-27\"");
    let (_d, p) = problems(&[("a.toml", &body)]);
    assert!(has(&p, "no quotes"), "{p:?}");
}

#[test]
fn an_answer_too_long_for_one_telegram_message_is_refused() {
    let long = "Word ".repeat(900);
    let body = entry_toml("a", "What is A?")
        .replace("A short plain answer for the test corpus, long enough to read as one.", &long);
    let (_d, p) = problems(&[("a.toml", &body)]);
    assert!(has(&p, "over Telegram's limit"), "{p:?}");
}

/// The problems of a corpus whose shipped `en/{file}` (lexicon or warnings) has `extra` appended.
fn problems_with_appended(file: &str, extra: &str) -> Vec<Problem> {
    let dir = scratch_faq(&[("a.toml", &entry_toml("a", "What is A?"))]);
    let path = dir.path().join("en").join(file);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(extra);
    std::fs::write(&path, text).unwrap();
    corpus::load(dir.path()).expect_err("must fail")
}

#[test]
fn a_lexicon_term_under_two_concepts_is_an_error() {
    let p = problems_with_appended("lexicon.toml", "\n[[concept]]\nid = \"test-dup\"\nterms = [\"keytruda\"]\n");
    assert!(has(&p, "\"keytruda\" is also in concept"), "{p:?}");
}

#[test]
fn a_warning_sign_with_an_empty_message_is_an_error() {
    let p = problems_with_appended(
        "warnings.toml",
        "\n[[sign]]\nid = \"test-sign\"\nphrases = [\"purple toes\"]\nmessage = \"  \"\n",
    );
    let problem = p.iter().find(|p| p.message.contains("`message` is empty")).expect("reported");
    assert_eq!(problem.item.as_deref(), Some("test-sign"), "{problem}");
}

#[test]
fn symptoms_without_qualifiers_are_an_error() {
    let p = problems_with_appended("warnings.toml", "\n[[sign]]\nid = \"test-sign\"\nsymptoms = [\"purple toes\"]\n");
    let problem = p.iter().find(|p| p.message.contains("`symptoms` and `qualifiers` go together")).expect("reported");
    assert_eq!(problem.item.as_deref(), Some("test-sign"), "{problem}");
}

#[test]
fn a_broken_warnings_file_is_reported_as_broken_not_missing() {
    let p = problems_with_appended("warnings.toml", "\n[[sign]\nid = \"x\"\n");
    assert!(has(&p, "TOML syntax"), "{p:?}");
    assert!(!has(&p, "is missing"), "{p:?}");
}

#[test]
fn check_prints_problems_and_exits_non_zero() {
    let body = entry_toml("a", "What is A?").replace("question =", "qestion =");
    let dir = scratch_faq(&[("a.toml", &body)]);
    let out = run(&["check", dir.path().to_str().unwrap()], "");
    assert!(!out.status.success());
    let stdout = text(&out.stdout);
    assert!(stdout.contains("a.toml:4:1: error in `a`: unknown field `qestion`"), "{stdout}");
    assert!(stdout.contains("missing field `question`"), "{stdout}");
}

#[test]
fn check_on_the_shipped_faq_is_clean() {
    let out = run(&["check"], "");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(stdout.starts_with("ok: en: "), "{stdout}");
    assert!(stdout.contains("(0 warning(s))"), "{stdout}");
}

#[test]
fn an_entry_with_too_many_phrasings_is_an_error() {
    let many: Vec<String> =
        (0..=immunofaq::corpus::MAX_PHRASINGS).map(|i| format!("\"question number {i}\"")).collect();
    let body =
        entry_toml("a", "What is A?").replacen("alternates = [", &format!("alternates = [{}, ", many.join(", ")), 1);
    let (_d, p) = problems(&[("a.toml", &body)]);
    assert!(has(&p, "at most 1000 alternates and keywords"), "{p:?}");
}
