//! Shared helpers for the black-box tests: the shipped corpus, a scratch FAQ folder, and running the binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use immunofaq::matcher::Engine;

pub fn faq_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("faq")
}

pub fn eval_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/eval").join(name)
}

/// The engine over the shipped `faq/`, built once per test binary.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let loaded = immunofaq::corpus::load(&faq_dir()).unwrap_or_else(|problems| {
            panic!(
                "the shipped FAQ must load:\n{}",
                problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n")
            )
        });
        Engine::new(loaded.corpus)
    })
}

/// Runs the real binary; on failure the assertion message shows the command and its input.
pub fn run(args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_immunofaq"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("IMMUNOFAQ_FAQ")
        .env_remove("IMMUNOFAQ_SAVED_INDEX")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child.stdin.take().expect("piped").write_all(stdin.as_bytes()).expect("stdin written");
    child.wait_with_output().expect("the binary finishes")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A scratch FAQ folder holding a copy of the shipped lexicon and warnings plus the given entry files.
pub fn scratch_faq(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let en = dir.path().join("en");
    std::fs::create_dir_all(&en).expect("mkdir");
    for name in ["lexicon.toml", "warnings.toml"] {
        std::fs::copy(faq_dir().join("en").join(name), en.join(name)).expect("copy");
    }
    for (name, body) in files {
        std::fs::write(en.join(name), body).expect("write");
    }
    dir
}

/// A valid entry in TOML, with the given id and question.
pub fn entry_toml(id: &str, question: &str) -> String {
    format!(
        r#"
[[entry]]
id = "{id}"
question = "{question}"
alternates = ["{question} please explain"]
answer = "A short plain answer for the test corpus, long enough to read as one."
sources = [{{ title = "NCI", url = "https://www.cancer.gov/about-cancer/treatment/types/immunotherapy" }}]
reviewed = 2026-11-27
"#
    )
}
