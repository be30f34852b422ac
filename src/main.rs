//! The `irma` binary: parse the command line, set up logging, run, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = irma::cli::Cli::parse();
    irma::cli::init_logging(cli.verbose, cli.quiet);
    match irma::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("irma: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
