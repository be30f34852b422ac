//! Shared helpers: run the real binary, locate the shared fixtures.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// The repository root (where Cargo.toml is).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared`, next to the repository root: schemes and vectors recorded from the reference.
pub fn shared() -> PathBuf {
    repo_root().join("../shared")
}

/// A finished run of the `irma` binary.
pub struct Run {
    /// Exit status code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Standard output as text.
    pub stdout: String,
    /// Standard error as text.
    pub stderr: String,
}

impl Run {
    /// Panics with the full output unless the exit status was 0.
    #[track_caller]
    pub fn success(self) -> Self {
        assert_eq!(
            self.code,
            Some(0),
            "expected success:\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// Panics with the full output unless the exit status was non-zero.
    #[track_caller]
    pub fn failure(self) -> Self {
        assert_ne!(
            self.code,
            Some(0),
            "expected failure:\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// Runs the real `irma` binary with the given arguments, no stdin, and waits for it.
pub fn irma<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let out: Output = Command::new(env!("CARGO_BIN_EXE_irma"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run irma");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs the real `irma` binary with extra environment variables (and `IRMA_SCHEMES_PATH`
/// removed unless given), no stdin, and waits for it.
pub fn irma_env<I, S>(env: &[(&str, &std::ffi::OsStr)], args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_irma"));
    cmd.args(args)
        .stdin(Stdio::null())
        .env_remove("IRMA_SCHEMES_PATH");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out: Output = cmd.output().expect("run irma");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
