//! `irma generate`: shell completions and man pages from the one clap definition.
//!
//! The checked-in `completions/` and `man/` are produced by
//! `irma generate completions --dir completions` and `irma generate man --dir man`;
//! a test fails when they differ from what the binary generates.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{CommandFactory, Subcommand, ValueEnum};
use clap_complete::Shell;

use super::Cli;

/// What to generate.
#[derive(Debug, Subcommand)]
pub enum GenerateCommand {
    /// Write shell completion scripts (bash, zsh, fish).
    Completions {
        /// Print the script for one shell to stdout instead of writing files.
        #[arg(long, value_enum, conflicts_with = "dir")]
        shell: Option<CompletionShell>,
        /// Directory to write `irma.bash`, `_irma` and `irma.fish` into.
        #[arg(long, default_value = "completions")]
        dir: PathBuf,
    },
    /// Write man pages, one per command, into a directory.
    Man {
        /// Directory to write `irma.1`, `irma-scheme.1`, ... into.
        #[arg(long, default_value = "man")]
        dir: PathBuf,
    },
}

/// A shell we generate completions for.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CompletionShell {
    /// GNU bash.
    Bash,
    /// Z shell.
    Zsh,
    /// fish.
    Fish,
    /// PowerShell.
    Powershell,
}

impl CompletionShell {
    /// The shells whose scripts are checked in under `completions/`.
    const ALL: [CompletionShell; 3] = [Self::Bash, Self::Zsh, Self::Fish];

    fn shell(self) -> Shell {
        match self {
            Self::Bash => Shell::Bash,
            Self::Zsh => Shell::Zsh,
            Self::Fish => Shell::Fish,
            Self::Powershell => Shell::PowerShell,
        }
    }

    fn file_name(self) -> &'static str {
        match self {
            Self::Bash => "irma.bash",
            Self::Zsh => "_irma",
            Self::Fish => "irma.fish",
            Self::Powershell => "_irma.ps1",
        }
    }
}

/// `irma completion SHELL`: the script on standard output.
pub fn print_completion(shell: CompletionShell) -> anyhow::Result<ExitCode> {
    print!("{}", String::from_utf8(completion(shell))?);
    Ok(ExitCode::SUCCESS)
}

/// Runs `irma generate`.
pub fn run(cmd: GenerateCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        GenerateCommand::Completions {
            shell: Some(shell), ..
        } => return print_completion(shell),
        GenerateCommand::Completions { shell: None, dir } => {
            fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            for shell in CompletionShell::ALL {
                write(&dir.join(shell.file_name()), &completion(shell))?;
            }
        }
        GenerateCommand::Man { dir } => {
            fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            write_man_pages(&dir, Cli::command(), "irma")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn completion(shell: CompletionShell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell.shell(), &mut Cli::command(), "irma", &mut out);
    out
}

/// Writes the page of `cmd` as `<name>.1`, then recurses into its subcommands as `<name>-<sub>`.
fn write_man_pages(dir: &Path, cmd: clap::Command, name: &str) -> anyhow::Result<()> {
    let cmd = cmd.name(name.to_owned()).bin_name(name.replace('-', " "));
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut page)?;
    write(&dir.join(format!("{name}.1")), &page)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let sub_name = format!("{name}-{}", sub.get_name());
        write_man_pages(dir, sub.clone(), &sub_name)?;
    }
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}
