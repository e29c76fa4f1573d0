//! Criterion benchmarks of the hot path over synthetic corpora of 100 to 100,000 entries grown from the real
//! one: time per question, and loading plus indexing (TOML files on disk → ready engine). Resident memory
//! after building the largest engine is printed too.
//!
//! Run: `cargo bench --bench matching` (figures in the README and the issue notes).

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use immunofaq::corpus;
use immunofaq::matcher::Engine;
use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

/// The allocator the `immunofaq` binary runs with, so the figures are those of the product.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SIZES: [usize; 4] = [100, 1_000, 10_000, 100_000];

/// Writes a corpus of `n` entries grown from the shipped one into `dir`. Entry `i` copies real entry `i % 68`
/// and gets words of its own (a made-up word in its question and keywords, and words borrowed from another
/// entry in its alternates), so the vocabulary and posting lists grow the way a larger real FAQ's would,
/// rather than repeating 68 entries.
fn grow(n: usize, dir: &Path) {
    let real = corpus::load(Path::new("faq")).expect("shipped faq loads").corpus;
    let part = &real.parts[0];
    let en = dir.join("en");
    std::fs::create_dir_all(&en).unwrap();
    for name in ["lexicon.toml", "warnings.toml"] {
        std::fs::copy(Path::new("faq/en").join(name), en.join(name)).unwrap();
    }
    let per_file = 1000;
    for (f, start) in (0..n).step_by(per_file).enumerate() {
        let mut toml = format!("title = \"Synthetic {f}\"\norder = {f}\n");
        for i in start..(start + per_file).min(n) {
            let base = &part.entries[i % part.entries.len()];
            let donor = &part.entries[(i * 7 + 3) % part.entries.len()];
            let word = made_up_word(i);
            let borrowed: Vec<&str> = donor.question.split_whitespace().rev().take(2).collect();
            let alternates: Vec<String> = base
                .alternates
                .iter()
                .enumerate()
                .map(|(k, a)| format!("{a} {} {word}{k}", borrowed[k % borrowed.len()]))
                .collect();
            let _ = write!(
                toml,
                "\n[[entry]]\nid = \"{}-{i}\"\nquestion = {:?}\nalternates = {:?}\nkeywords = {:?}\nanswer = {:?}\n\
                 sources = [{{ title = {:?}, url = {:?} }}]\nreviewed = {}\n",
                base.id,
                format!("{} {word}", base.question),
                alternates,
                vec![word.clone()],
                base.answer,
                base.sources[0].title,
                base.sources[0].url,
                base.reviewed,
            );
        }
        std::fs::write(en.join(format!("synthetic-{f:03}.toml")), toml).unwrap();
    }
}

/// A pronounceable made-up word, unique per entry.
fn made_up_word(mut i: usize) -> String {
    const SYLLABLES: [&str; 16] =
        ["ka", "lo", "mir", "ven", "tas", "po", "ru", "zel", "bin", "dor", "fu", "gri", "hal", "jun", "nex", "qua"];
    let mut w = String::from("x");
    loop {
        w.push_str(SYLLABLES[i % 16]);
        i /= 16;
        if i == 0 {
            return w;
        }
    }
}

fn dev_questions() -> Vec<String> {
    std::fs::read_to_string("tests/eval/dev.jsonl")
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["q"].as_str().map(str::to_string))
        .collect()
}

fn load_engine(dir: &Path) -> Engine {
    Engine::new(corpus::load(dir).expect("synthetic corpus is valid").corpus)
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
        group.bench_with_input(BenchmarkId::from_parameter(n), &engine, |b, engine| {
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
        drop(engine);
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
