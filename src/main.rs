//! The `immunofaq` binary: parse the command line and run one subcommand.

use clap::Parser;

fn main() -> std::process::ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    immunofaq::cli::run(immunofaq::cli::Cli::parse())
}
