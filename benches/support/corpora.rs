//! What the benchmarks ask about: synthetic corpora grown from the shipped FAQ, and the dev questions.

use immunofaq::corpus;
use std::fmt::Write as _;
use std::path::Path;

/// Writes a corpus of `n` entries grown from the shipped one into `dir`. Entry `i` copies real entry `i` modulo
/// the shipped count and gets words of its own (a made-up word in its question and keywords, and words borrowed
/// from another entry in its alternates), so the vocabulary and posting lists grow the way a larger real FAQ's
/// would, rather than repeating the shipped entries.
pub fn grow(n: usize, dir: &Path) {
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

/// The dev set's questions, in order.
pub fn dev_questions() -> Vec<String> {
    std::fs::read_to_string("tests/eval/dev.jsonl")
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["q"].as_str().map(str::to_string))
        .collect()
}
