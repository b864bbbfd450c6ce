//! Sets `PEEL_VERSION` for `peel --version`: the package version, and the commit in
//! parentheses when this is built from a git checkout of peel (`0.1.0 (abc1234)`).
//! Without git, or outside a checkout (a packaged crate), it is the version alone.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let (full, date) = match commit(&manifest_dir) {
        Some((commit, date)) => (format!("{version} ({commit})"), date),
        None => (version, String::new()),
    };
    println!("cargo:rustc-env=PEEL_VERSION={full}");
    // The man pages' date (YYYY-MM-DD), empty when not built from git.
    println!("cargo:rustc-env=PEEL_COMMIT_DATE={date}");
}

/// The short commit of HEAD and its date, when `dir` is the top of a git work tree; also
/// tells cargo to run this again when HEAD moves (a commit, a checkout, a reset).
fn commit(dir: &Path) -> Option<(String, String)> {
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    // A crate unpacked inside some other repository (cargo package's check, a vendored
    // copy) is not a checkout of peel: its commit would be someone else's.
    if !same_dir(Path::new(&top), dir) {
        return None;
    }
    let git_dir = absolute(dir, &git(dir, &["rev-parse", "--git-dir"])?);
    let common_dir = absolute(dir, &git(dir, &["rev-parse", "--git-common-dir"])?);
    watch(&git_dir.join("HEAD"));
    // HEAD names a branch: the branch's ref file moves on a commit (or packed-refs, when
    // the ref is packed). Only files that exist are watched: cargo reruns a build script
    // on every build while a watched path is missing.
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        watch(&common_dir.join(branch));
    }
    watch(&common_dir.join("packed-refs"));
    let commit = git(dir, &["rev-parse", "--short", "HEAD"])?;
    let date = git(dir, &["log", "-1", "--format=%cs", "HEAD"]).unwrap_or_default();
    Some((commit, date))
}

/// Runs git in `dir`; its trimmed output, or None when git is missing or fails.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!text.is_empty()).then_some(text)
}

fn watch(path: &Path) {
    if path.exists() {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

fn absolute(base: &Path, path: &str) -> PathBuf {
    let path = Path::new(path);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    }
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
