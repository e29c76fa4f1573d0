//! `immunofaq check`: validate the FAQ folder as an admin would before publishing a change.

use crate::corpus::{self, Severity};
use crate::matcher::Engine;
use std::path::Path;
use std::process::ExitCode;

pub fn run(dir: &Path) -> ExitCode {
    match corpus::load(dir) {
        Ok(loaded) => {
            for w in &loaded.warnings {
                println!("{w}");
            }
            let engine = Engine::new(loaded.corpus);
            println!("{}", summary(&engine, loaded.warnings.len()));
            ExitCode::SUCCESS
        }
        Err(problems) => {
            for p in &problems {
                println!("{p}");
            }
            let errors = problems.iter().filter(|p| p.severity == Severity::Error).count();
            eprintln!("{errors} error(s) in {}: the bot will not serve this FAQ until they are fixed", dir.display());
            ExitCode::FAILURE
        }
    }
}

/// One line: entries per language, phrasings, lexicon terms, warning signs.
pub fn summary(engine: &Engine, warnings: usize) -> String {
    let parts: Vec<String> = engine
        .corpus()
        .parts
        .iter()
        .map(|p| {
            format!(
                "{}: {} entries, {} phrasings, {} lexicon terms, {} warning signs",
                p.lang.code(),
                p.entries.len(),
                p.phrasing_count(),
                p.term_count(),
                p.warnings.signs.len()
            )
        })
        .collect();
    format!("ok: {} ({warnings} warning(s))", parts.join("; "))
}
