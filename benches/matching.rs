//! Criterion benchmarks of the hot path over synthetic corpora of 100 to 100,000 entries grown from the real
//! one: time per question, and loading plus indexing (TOML files on disk → ready engine). Resident memory
//! after building the largest engine is printed too (the service's own: `benches/memory.rs`), and so are the
//! times to save the engine and to start from the saved index (`--saved-index`).
//!
//! Run: `cargo bench --bench matching` (figures in the README and the issue notes).

#[path = "support/corpora.rs"]
mod corpora;

use corpora::{dev_questions, grow};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use immunofaq::corpus;
use immunofaq::matcher::Engine;
use immunofaq::matcher::saved::{self, Ready};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

/// The allocator the `immunofaq` binary runs with, so the figures are those of the product.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SIZES: [usize; 4] = [100, 1_000, 10_000, 100_000];

fn load_engine(dir: &Path) -> Ready {
    let loaded = corpus::load(dir).expect("synthetic corpus is valid");
    Ready { engine: Engine::new(loaded.corpus), warnings: loaded.warnings, from_saved: false }
}

fn resident_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn benches(c: &mut Criterion) {
    let questions = dev_questions();
    let mut group = c.benchmark_group("question");
    for n in SIZES {
        let dir = tempfile::tempdir().unwrap();
        grow(n, dir.path());
        let before = resident_kb();
        let started = Instant::now();
        let engine = load_engine(dir.path());
        let built = started.elapsed();
        let after = resident_kb();
        eprintln!(
            "corpus of {n} entries: load + index {:.2?}, resident memory {} MB (process), {} MB added by the engine",
            built,
            after.map_or("?".into(), |kb| (kb / 1024).to_string()),
            after.zip(before).map_or("?".into(), |(a, b)| (a.saturating_sub(b) / 1024).to_string())
        );
        let mut k = 0;
        group.bench_with_input(BenchmarkId::from_parameter(n), &engine.engine, |b, engine| {
            b.iter(|| {
                k = (k + 1) % questions.len();
                black_box(engine.ask(black_box(&questions[k])))
            })
        });
        // Right after building, the allocator still holds much of what indexing freed; it hands pages back as
        // the process goes on allocating, so a serving process settles lower.
        eprintln!(
            "corpus of {n} entries: resident memory after answering for a while {} MB (process)",
            resident_kb().map_or("?".into(), |kb| (kb / 1024).to_string())
        );
        let file = dir.path().with_extension("index");
        let started = Instant::now();
        saved::save(dir.path(), &file, &engine).expect("the index is saved");
        let saving = started.elapsed();
        drop(engine);
        let started = Instant::now();
        let read = saved::engine(dir.path(), Some(&file)).expect("the saved index is read");
        let reading = started.elapsed();
        assert!(read.from_saved, "started from the saved index");
        eprintln!(
            "corpus of {n} entries: saved in {saving:.2?} ({} MB); started from the saved index in {reading:.2?}",
            std::fs::metadata(&file).map_or(0, |m| m.len() >> 20)
        );
        drop(read);
        let _ = std::fs::remove_file(&file);
    }
    group.finish();

    // Criterion needs ten runs; at 100,000 entries one run is printed above instead (`load + index`).
    let mut group = c.benchmark_group("load_and_index");
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    let dir = tempfile::tempdir().unwrap();
    grow(10_000, dir.path());
    group.bench_function("10000", |b| b.iter(|| black_box(load_engine(dir.path()))));
    group.finish();
}

criterion_group! {
    name = matching;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    targets = benches
}
criterion_main!(matching);
