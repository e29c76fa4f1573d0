//! The offline faces of the core, run as the real binary: ask, match, eval, help and errors.

mod common;

use common::{run, text};

#[test]
fn ask_prints_the_answer_its_sources_and_the_reminder_last() {
    let out = run(&["ask", "what is immunotherapy"], "");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("Sources:"), "{stdout}");
    assert!(stdout.contains("https://"), "{stdout}");
    assert!(stdout.trim_end().ends_with("about your own treatment."), "{stdout}");
}

#[test]
fn ask_explain_shows_corrections_and_candidates() {
    let out = run(&["ask", "--explain", "keytruda side efects"], "");
    let stdout = text(&out.stdout);
    assert!(stdout.contains("efects → effects"), "{stdout}");
    assert!(stdout.contains("candidates:"), "{stdout}");
    assert!(stdout.contains("@pembrolizumab") || stdout.contains("@keytruda"), "{stdout}");
    // The explanation keeps the phrasings' texts (the service's engine lets them go): each candidate quotes its
    // best phrasing.
    let quoted: Vec<&str> = stdout.lines().filter(|l| l.contains(" phrasing ")).collect();
    assert!(!quoted.is_empty() && quoted.iter().all(|l| !l.contains("\"\"") && l.contains('"')), "{stdout}");
}

#[test]
fn match_writes_one_json_line_per_question_in_order() {
    let input = "what is immunotherapy\nwhat's the weather in Paris\n\nI have bloody diarrhoea since yesterday\n";
    let out = run(&["match"], input);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    let lines: Vec<serde_json::Value> = stdout.lines().map(|l| serde_json::from_str(l).expect("json")).collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    assert_eq!(lines[0]["outcome"], "answer");
    assert_eq!(lines[0]["id"], "what-is-immunotherapy");
    assert_eq!(lines[1]["outcome"], "none");
    assert!(lines[1]["id"].is_null());
    assert_eq!(lines[3]["urgent"], true);
    for l in &lines {
        assert!(l["candidates"].as_array().unwrap().len() >= 3, "{l}");
        assert!(l["score"].as_f64().unwrap() >= 0.0);
    }
}

/// `--saved-index`: the first run saves the index, the second starts from it, and both answer alike.
#[test]
fn match_answers_alike_from_a_saved_index() {
    let state = tempfile::tempdir().unwrap();
    let saved = state.path().join("faq.index");
    let args = ["--saved-index", saved.to_str().unwrap(), "match"];
    let input = "will my hair fall out\ncan keytruda cause diarrhea\nwhat's the weather in Paris\n";
    let first = run(&args, input);
    let written = std::fs::metadata(&saved).and_then(|m| m.modified()).expect("the first run saved the index");
    let second = run(&args, input);
    assert!(first.status.success() && second.status.success(), "{}", text(&second.stderr));
    let kept = std::fs::metadata(&saved).and_then(|m| m.modified()).unwrap();
    assert_eq!(written, kept, "the second run read the index and did not write it again");
    assert_eq!(text(&first.stdout), text(&run(&["match"], input).stdout));
    assert_eq!(text(&first.stdout), text(&second.stdout));
}

#[test]
fn match_on_empty_input_exits_zero_with_no_output() {
    let out = run(&["match"], "");
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
}

#[test]
fn chat_lets_the_user_pick_a_suggestion_by_number() {
    let out = run(&["chat"], "what is immunotherapy\n1\n");
    let stdout = text(&out.stdout);
    assert!(out.status.success());
    assert!(stdout.matches("about your own treatment.").count() >= 2, "{stdout}");
}

#[test]
fn eval_prints_the_figures() {
    let out = run(&["eval", "tests/eval/dev.jsonl"], "");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("answered with the right entry:"), "{stdout}");
    assert!(stdout.contains("declined (no match):"), "{stdout}");
}

#[test]
fn eval_with_a_missing_file_fails_clearly() {
    let out = run(&["eval", "no/such/file.jsonl"], "");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("cannot read no/such/file.jsonl"), "{}", text(&out.stderr));
}

#[test]
fn a_missing_faq_folder_fails_clearly() {
    let out = run(&["--faq", "no/such/dir", "ask", "hello"], "");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("cannot read the FAQ folder"), "{}", text(&out.stderr));
}

#[test]
fn every_subcommand_has_help() {
    for sub in ["check", "ask", "chat", "match", "eval"] {
        let out = run(&[sub, "--help"], "");
        assert!(out.status.success(), "{sub} --help");
        assert!(text(&out.stdout).contains("Usage:"), "{sub}");
    }
}
