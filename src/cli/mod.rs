//! The command line: one subcommand per face of the core (check, ask, chat, match, eval) plus `serve`, the bot.

mod ask;
mod check;
pub mod eval;
mod protocol;
pub mod serve;

use crate::matcher::Engine;
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "immunofaq",
    version,
    about = "Answers patients' questions about cancer immunotherapy from a sourced FAQ"
)]
pub struct Cli {
    /// The FAQ folder (one sub-folder per language, e.g. faq/en/) [default: faq].
    #[arg(long, global = true, env = "IMMUNOFAQ_FAQ")]
    pub faq: Option<PathBuf>,

    /// Keep the built index in this file and start from it while the program and the FAQ files are unchanged
    /// (a large FAQ then starts in a second instead of being read and indexed again).
    #[arg(long, global = true, env = "IMMUNOFAQ_SAVED_INDEX")]
    pub saved_index: Option<PathBuf>,

    /// The clinic's urgent contact number, shown under the urgent message.
    #[arg(long, global = true, env = "IMMUNOFAQ_URGENT_CONTACT")]
    pub urgent_contact: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the FAQ files; print every problem with file:line:column, or a one-line summary.
    Check {
        /// The folder to check (defaults to --faq).
        dir: Option<PathBuf>,
    },
    /// Answer one question exactly as a patient would read it.
    Ask {
        question: String,
        /// Show the normalised question, corrections, concepts, and the top candidates with their signals.
        #[arg(long)]
        explain: bool,
    },
    /// A conversation in the terminal; pick a suggestion by typing its number.
    Chat,
    /// Machine protocol: one question per line on stdin, one JSON object per line on stdout.
    Match,
    /// Measure matching quality on a JSON-lines file of {"q": ..., "topic": id or null}.
    Eval(eval::EvalArgs),
    /// Run the Telegram bot (token from TELOXIDE_TOKEN; API URL from TELOXIDE_API_URL when set).
    Serve(serve::ServeArgs),
    /// Unanswered questions grouped by similarity with the closest entry, or usage statistics (--stats).
    Report {
        /// Usage statistics instead of unanswered questions.
        #[arg(long)]
        stats: bool,
        /// The statistics database.
        #[arg(long, env = "IMMUNOFAQ_DB", default_value = "data/immunofaq.db")]
        db: PathBuf,
    },
}

pub fn run(cli: Cli) -> ExitCode {
    let faq = cli.faq.clone().unwrap_or_else(|| PathBuf::from("faq"));
    let contact = cli.urgent_contact.as_deref();
    let saved = cli.saved_index.as_deref();
    let result = match &cli.command {
        Command::Check { dir } => return check::run(dir.as_ref().unwrap_or(&faq)),
        Command::Ask { question, explain } => {
            // Only the explanation shows which phrasing matched, so only it keeps their texts.
            let engine = if *explain { explain_engine(&faq) } else { load_engine(&faq, saved) };
            engine.map(|e| ask::ask(&e, question, *explain, contact))
        }
        Command::Chat => load_engine(&faq, saved).and_then(|e| ask::chat(&e, contact)),
        Command::Match => load_engine(&faq, saved).and_then(|e| protocol::run(&e)),
        Command::Eval(args) => load_engine(&faq, saved).and_then(|e| eval::run(&e, args)),
        Command::Serve(args) => serve::resolve(cli.faq.as_deref(), saved, contact, args).and_then(serve::run),
        Command::Report { stats, db } => report(&faq, saved, db, *stats),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("immunofaq: {message}");
            ExitCode::FAILURE
        }
    }
}

fn report(faq: &Path, saved: Option<&Path>, db: &Path, stats: bool) -> Result<(), String> {
    if !db.exists() {
        return Err(format!("no statistics database at {}: has the bot run with --db {0}?", db.display()));
    }
    let store = crate::store::Store::open(db).map_err(|e| e.to_string())?;
    if stats {
        println!("{}", crate::report::stats_text(&store));
    } else {
        println!("{}", crate::report::unanswered_text(&load_engine(faq, saved)?, &store));
    }
    Ok(())
}

/// Loads and validates the corpus (or reads the engine saved for it); on problems, the error lists them all.
pub fn load_engine(dir: &Path, saved: Option<&Path>) -> Result<Engine, String> {
    crate::matcher::saved::engine(dir, saved)
        .map(|ready| ready.engine)
        .map_err(|problems| problems_text(dir, &problems))
}

/// The engine that keeps every phrasing's text, for `ask --explain`: it is never saved.
fn explain_engine(dir: &Path) -> Result<Engine, String> {
    match crate::corpus::load(dir) {
        Ok(loaded) => Ok(Engine::with_phrasing_texts(loaded.corpus)),
        Err(problems) => Err(problems_text(dir, &problems)),
    }
}

fn problems_text(dir: &Path, problems: &[crate::corpus::Problem]) -> String {
    let list: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    format!("the FAQ in {} has problems; fix them and run `immunofaq check`:\n{}", dir.display(), list.join("\n"))
}
