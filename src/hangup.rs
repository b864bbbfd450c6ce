//! When the terminal goes away (SIGHUP, the SSH or tmux session killed): the process keeps
//! its work going, and what it would have printed goes to `peel.log` instead of a dead tty.

use std::fs::OpenOptions;
use std::io;
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::signal::unix::{SignalKind, signal};

use crate::config::{Env, Paths};

static HUNG_UP: AtomicBool = AtomicBool::new(false);

/// True once the terminal is known to be gone.
pub fn is_hung_up() -> bool {
    HUNG_UP.load(Ordering::SeqCst)
}

/// The log file beside the other state (`peel.log`, the one tracing writes to).
pub fn log_path() -> PathBuf {
    Paths::resolve(&Env::from_process())
        .state_dir
        .join("peel.log")
}

/// Cuts the process loose from its terminal: stdout and stderr append to `peel.log`, stdin
/// reads nothing. Later prints cannot fail or touch the dead tty. Safe to call twice.
pub fn detach_stdio() -> io::Result<()> {
    if HUNG_UP.swap(true, Ordering::SeqCst) {
        return Ok(());
    }
    let path = log_path();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let log = OpenOptions::new().create(true).append(true).open(&path)?;
    let null = OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")?;
    // Whatever is still buffered for the dead terminal (a frame cut short by EIO, escape
    // sequences) is flushed into /dev/null first, so none of it reaches the log.
    for fd in [libc::STDOUT_FILENO, libc::STDERR_FILENO] {
        // SAFETY: as below; /dev/null stays open for the call.
        if unsafe { libc::dup2(null.as_raw_fd(), fd) } < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    let _ = io::Write::flush(&mut io::stdout());
    let _ = io::Write::flush(&mut io::stderr());
    for (from, to) in [
        (null.as_raw_fd(), libc::STDIN_FILENO),
        (log.as_raw_fd(), libc::STDOUT_FILENO),
        (log.as_raw_fd(), libc::STDERR_FILENO),
    ] {
        // SAFETY: both descriptors are open for the duration of the call; dup2 only
        // replaces the standard descriptor, which std's handles keep using by number.
        if unsafe { libc::dup2(from, to) } < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// For CLI commands that send paid requests: from now on a hangup no longer kills the
/// process; it detaches from the terminal and lets the command finish and save its work.
/// (Ctrl+C is left to the command.)
pub fn finish_on_hangup(command: &'static str) {
    let Ok(mut hangups) = signal(SignalKind::hangup()) else {
        tracing::warn!("{command}: cannot watch for hangups; closing the terminal stops it");
        return;
    };
    tokio::spawn(async move {
        if hangups.recv().await.is_none() {
            return;
        }
        tracing::info!("{command}: the terminal hung up; finishing the work headless");
        if let Err(e) = detach_stdio() {
            tracing::error!("{command}: could not move output to the log: {e}");
        }
        // Later hangups change nothing.
        while hangups.recv().await.is_some() {}
    });
}
