//! `peel man [--dir DIR]`: the man pages, made from the same `clap` definitions that parse
//! the command line (clap_mangen), so they cannot drift from `--help`. `peel.1` is printed;
//! with `--dir`, it and one page per subcommand (`peel-generate.1`, `peel-batch-run.1`, …)
//! are written there.

use std::io::Write as _;
use std::path::Path;

use clap::Command;
use clap_mangen::Man;

use super::VERSION;
use super::error::CliError;
use crate::cli::args::ManArgs;

/// The manual the pages belong to, shown in their headers.
const MANUAL: &str = "peel manual";

/// The environment variables a user sets, for `peel.1`'s ENVIRONMENT section.
const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "GEMINI_API_KEY",
        "The Gemini API key (GOOGLE_API_KEY is read too). Without one, peel uses its offline simulator.",
    ),
    (
        "GOOGLE_GEMINI_BASE_URL",
        "Send Gemini API requests to this address instead.",
    ),
    (
        "PEEL_CONFIG_DIR",
        "Where config.toml, models.toml and themes/ are (default: the platform's config folder).",
    ),
    (
        "PEEL_DATA_DIR",
        "Where the store (peel.sqlite3) and session images are (default: the platform's data folder).",
    ),
    (
        "PEEL_STATE_DIR",
        "Where peel.log is written (default: the platform's state folder).",
    ),
    (
        "PEEL_LOG",
        "What peel.log records, as a tracing filter (default: peel=info).",
    ),
    ("NO_COLOR", "When set, the workbench draws without colours."),
];

/// One man page.
#[derive(Debug, Clone)]
pub struct Page {
    /// Its file name, `peel.1` or `peel-<subcommand>[-<subcommand>].1`.
    pub file: String,
    /// The page in roff.
    pub text: Vec<u8>,
}

/// Prints `peel.1`, or writes every page into `--dir` and prints their paths.
pub fn run(args: ManArgs) -> Result<(), CliError> {
    let pages = pages(super::completions::command())
        .map_err(|e| CliError::failed("io", format!("cannot render the man pages: {e}")))?;
    let Some(dir) = args.dir else {
        let Some(top) = pages.first() else {
            return Err(CliError::failed("io", "no man page was rendered"));
        };
        return std::io::stdout()
            .write_all(&top.text)
            .map_err(|e| CliError::failed("io", format!("cannot print the man page: {e}")));
    };
    write_pages(&dir, &pages)?;
    for page in &pages {
        println!("{}", dir.join(&page.file).display());
    }
    Ok(())
}

fn write_pages(dir: &Path, pages: &[Page]) -> Result<(), CliError> {
    std::fs::create_dir_all(dir).map_err(|e| {
        CliError::failed(
            "disk",
            format!(
                "cannot create {}: {e}. Name a folder you can write to.",
                dir.display()
            ),
        )
    })?;
    for page in pages {
        crate::fsio::write_atomic(&dir.join(&page.file), &page.text)
            .map_err(|e| CliError::failed("disk", e.to_string()))?;
    }
    Ok(())
}

/// Every page of `cmd`: its own first, then one per visible subcommand, depth first.
pub fn pages(cmd: Command) -> std::io::Result<Vec<Page>> {
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    let mut out = Vec::new();
    collect(&cmd, None, &mut out)?;
    Ok(out)
}

fn collect(cmd: &Command, parent: Option<&str>, out: &mut Vec<Page>) -> std::io::Result<()> {
    out.push(page(cmd, parent)?);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect(sub, Some(page_name(cmd)), out)?;
    }
    Ok(())
}

/// `peel`, or `peel-batch-run` for a subcommand (clap's display name once built).
fn page_name(cmd: &Command) -> &str {
    cmd.get_display_name().unwrap_or(cmd.get_name())
}

fn page(cmd: &Command, parent: Option<&str>) -> std::io::Result<Page> {
    let man = Man::new(cmd.clone())
        .date(page_date())
        .manual(MANUAL)
        .source(format!("peel {VERSION}"));
    let mut page = Vec::new();
    man.render(&mut page)?;
    // clap_mangen sets a blank line off with a break on each side, which mandoc's lint
    // warns about; a paragraph space is the same on the page.
    let page = String::from_utf8_lossy(&page).replace("\n.br\n\n.br\n", "\n.sp\n");
    // Ours go after clap_mangen's sections, before VERSION (only the top page has one).
    let (body, version) = match page.find("\n.SH VERSION") {
        Some(at) => page.split_at(at + 1),
        None => (page.as_str(), ""),
    };
    let mut text = body.as_bytes().to_vec();
    if parent.is_none() {
        write_environment(&mut text)?;
    }
    write_see_also(cmd, parent, &mut text)?;
    text.extend_from_slice(version.as_bytes());
    Ok(Page {
        file: man.get_filename(),
        text,
    })
}

/// The date in the pages' headers: the commit's when built from git (so the pages of one
/// commit are the same everywhere), else today's.
fn page_date() -> String {
    match option_env!("PEEL_COMMIT_DATE") {
        Some(date) if !date.is_empty() => date.to_string(),
        _ => chrono::Local::now().format("%Y-%m-%d").to_string(),
    }
}

fn write_environment(out: &mut Vec<u8>) -> std::io::Result<()> {
    writeln!(out, ".SH ENVIRONMENT")?;
    for (name, meaning) in ENVIRONMENT {
        writeln!(
            out,
            ".TP\n\\fB{}\\fR\n{}",
            roff_text(name),
            roff_text(meaning)
        )?;
    }
    Ok(())
}

/// SEE ALSO: the parent's page and the subcommands' pages.
fn write_see_also(cmd: &Command, parent: Option<&str>, out: &mut Vec<u8>) -> std::io::Result<()> {
    let mut refs: Vec<String> = parent
        .map(|p| format!("\\fB\\%{}\\fR(1)", roff_text(p)))
        .into_iter()
        .collect();
    refs.extend(
        cmd.get_subcommands()
            .filter(|s| !s.is_hide_set())
            .map(|s| format!("\\fB\\%{}\\fR(1)", roff_text(page_name(s)))),
    );
    if refs.is_empty() {
        return Ok(());
    }
    writeln!(out, ".SH \"SEE ALSO\"\n{}", refs.join(", "))
}

/// Text escaped for roff: backslashes doubled, hyphens as `\-`, and no line starting with
/// a control character.
fn roff_text(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('-', "\\-");
    if escaped.starts_with('.') || escaped.starts_with('\'') {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_page_per_visible_command_named_after_its_path() {
        let pages = pages(super::super::completions::command()).expect("pages");
        let files: Vec<&str> = pages.iter().map(|p| p.file.as_str()).collect();
        assert_eq!(files.first(), Some(&"peel.1"));
        for expected in [
            "peel-generate.1",
            "peel-batch-run.1",
            "peel-man.1",
            "peel-completions.1",
        ] {
            assert!(
                files.contains(&expected),
                "{expected} missing from {files:?}"
            );
        }
        assert!(
            !files.iter().any(|f| f.contains("help")),
            "no page for clap's help subcommand: {files:?}"
        );
        let top = String::from_utf8_lossy(&pages[0].text);
        assert!(top.contains(".SH ENVIRONMENT") && top.contains("PEEL_DATA_DIR"));
        let see_also = top.split(".SH \"SEE ALSO\"").nth(1).unwrap_or_default();
        assert!(
            see_also.contains("\\fB\\%peel\\-generate\\fR(1)"),
            "SEE ALSO names the subcommand pages:\n{see_also}"
        );
        let generate = pages
            .iter()
            .find(|p| p.file == "peel-generate.1")
            .expect("generate page");
        let generate = String::from_utf8_lossy(&generate.text);
        assert!(
            generate.contains(".SH \"SEE ALSO\"\n\\fB\\%peel\\fR(1)"),
            "a subcommand's page points back to peel(1)"
        );
    }

    #[test]
    fn roff_text_escapes_what_roff_would_read_as_markup() {
        assert_eq!(roff_text("a-b"), "a\\-b");
        assert_eq!(roff_text(".hidden"), "\\&.hidden");
        assert_eq!(roff_text("C:\\x"), "C:\\\\x");
    }
}
