//! The resident memory of the real `immunofaq` binary serving a large FAQ. The 300 MB target at 100,000 entries
//! is the service's, so it is read off the service's own process rather than off a benchmark's (which also
//! holds criterion, the questions and whatever the smaller corpora left behind).
//!
//! Run: `cargo bench --bench memory` (optional: `-- ENTRIES SECONDS`, default 100000 20). It grows a synthetic
//! corpus as `benches/matching.rs` does, starts `immunofaq match --faq DIR`, waits for the first answer (loading
//! and indexing are done by then), then asks the dev questions in rotation, one at a time, and prints the
//! process's resident set (`VmRSS`) after 5, 10 and 20 s of answering, and its peak (`VmHWM`), from `/proc`.
//! Then the same again for a service that starts from its saved index (`--saved-index`), which a first run
//! with empty input writes.

#[path = "support/corpora.rs"]
mod corpora;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A line of the process's `/proc` status (`VmRSS`, `VmHWM`), in MB; `?` where there is none (not Linux).
fn status_mb(pid: u32, field: &str) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with(field))?.to_string();
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map_or("?".into(), |kb| (kb / 1024).to_string())
}

fn main() {
    // `cargo bench` passes `--bench`; the numbers are ours.
    let mut numbers = std::env::args().skip(1).filter(|a| !a.starts_with("--")).map(|a| a.parse::<u64>().ok());
    let entries = numbers.next().flatten().unwrap_or(100_000) as usize;
    let seconds = numbers.next().flatten().unwrap_or(20);
    // One question a line, as `match` reads them.
    let questions: Vec<String> = corpora::dev_questions().iter().map(|q| q.replace('\n', " ")).collect();
    let dir = tempfile::tempdir().unwrap();
    corpora::grow(entries, dir.path());
    println!("{entries} entries:");
    serve(dir.path(), None, &questions, seconds);
    let state = tempfile::tempdir().unwrap();
    let saved = state.path().join("faq.index");
    let status = immunofaq(dir.path(), Some(&saved)).stdin(Stdio::null()).status().unwrap();
    assert!(status.success() && saved.exists(), "a first run saves the index");
    println!("from the saved index ({} MB):", std::fs::metadata(&saved).unwrap().len() >> 20);
    serve(dir.path(), Some(&saved), &questions, seconds);
}

/// `immunofaq match` on the FAQ in `dir`.
fn immunofaq(dir: &Path, saved: Option<&Path>) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_immunofaq"));
    command.arg("match").arg("--faq").arg(dir);
    if let Some(saved) = saved {
        command.arg("--saved-index").arg(saved);
    }
    command
}

/// Starts the service, asks the questions for `seconds` and prints its memory on the way.
fn serve(dir: &Path, saved: Option<&Path>, questions: &[String], seconds: u64) {
    let mut child = immunofaq(dir, saved)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the immunofaq binary starts");
    let pid = child.id();
    let mut input = child.stdin.take().unwrap();
    let mut output = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    let mut ask = |q: &str| {
        writeln!(input, "{q}").unwrap();
        input.flush().unwrap();
        line.clear();
        assert!(output.read_line(&mut line).unwrap() > 0, "immunofaq match answers every line");
    };
    let started = Instant::now();
    ask(&questions[0]);
    println!(
        "{}: ready in {:.1?}; resident {} MB",
        if saved.is_some() { "read from the saved index" } else { "loaded and indexed" },
        started.elapsed(),
        status_mb(pid, "VmRSS:")
    );
    let answering = Instant::now();
    let mut asked = 0usize;
    for mark in [5, 10, 20].into_iter().filter(|&m| m <= seconds) {
        while answering.elapsed() < Duration::from_secs(mark) {
            ask(&questions[asked % questions.len()]);
            asked += 1;
        }
        println!("after {mark} s of answering ({asked} questions): resident {} MB", status_mb(pid, "VmRSS:"));
    }
    println!("peak while loading and indexing: {} MB", status_mb(pid, "VmHWM:"));
    drop(input);
    assert!(child.wait().unwrap().success(), "immunofaq match exits 0 at the end of its input");
}
