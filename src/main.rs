//! The `irma` binary: parse the command line, run (which sets up logging), map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = irma::cli::Cli::parse();
    match irma::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("irma: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
