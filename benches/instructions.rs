//! A fixed workload for counting instructions per question, which unlike times do not move from run to run on
//! this virtual machine: every dev question asked twice (the first round warms the caches) over the shipped FAQ
//! or a synthetic corpus grown as `benches/matching.rs` grows them. Count it under callgrind:
//!
//!   cargo bench --bench instructions --no-run        # prints the executable's path
//!   valgrind --tool=callgrind --toggle-collect='*Engine::run*' EXECUTABLE [ENTRIES]
//!
//! and divide callgrind's "Collected" by the questions asked, which the run prints. `ENTRIES` 0 or absent: the
//! shipped FAQ. Run from the project's root (it reads `faq/` and `tests/eval/dev.jsonl`).

#[path = "support/corpora.rs"]
mod corpora;

use immunofaq::corpus;
use immunofaq::matcher::Engine;
use std::path::Path;

/// The allocator the `immunofaq` binary runs with, so the counts are those of the product.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // `cargo bench` passes `--bench`; the number is ours.
    let entries = std::env::args().skip(1).find(|a| !a.starts_with("--")).and_then(|a| a.parse().ok()).unwrap_or(0);
    let grown = tempfile::tempdir().unwrap();
    let dir = if entries == 0 {
        Path::new("faq")
    } else {
        corpora::grow(entries, grown.path());
        grown.path()
    };
    let engine = Engine::new(corpus::load(dir).expect("the corpus loads").corpus);
    let questions = corpora::dev_questions();
    let mut candidates = 0;
    for _ in 0..2 {
        for q in &questions {
            candidates += engine.ask(q).candidates.len();
        }
    }
    println!(
        "{} entries: asked {} questions ({candidates} candidates)",
        engine.corpus().entry_count(),
        2 * questions.len()
    );
}
