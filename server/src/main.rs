use std::process::ExitCode;

use clap::Parser;
use server::cli::{run, Cli};

fn main() -> ExitCode {
    match server::startup::runtime().and_then(|runtime| runtime.block_on(run(Cli::parse()))) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
