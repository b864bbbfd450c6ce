//! `peel doctor`: checks the configured backend end to end and prints what to fix.

use super::args::Cli;
use super::args::DoctorArgs;
use super::context::Context;
use super::error::CliError;
use crate::studio::doctor::{self, Report, Status};

/// Runs the checks; exit 0 when all pass, 1 otherwise.
pub async fn run(cli: &Cli, args: DoctorArgs) -> Result<(), CliError> {
    let ctx = Context::load(cli)?;
    let report = doctor::run(
        &ctx.settings,
        &ctx.registry,
        args.model.as_deref(),
        !args.no_generate,
    )
    .await;
    if args.json {
        let mut body = serde_json::to_value(&report).unwrap_or_default();
        body["ok"] = serde_json::json!(report.ok());
        println!("{body}");
    } else {
        print!("{}", render(&report));
        for line in terminal_lines(cli, &ctx) {
            println!("  {line}");
        }
    }
    if report.ok() {
        return Ok(());
    }
    let failed = report
        .checks
        .iter()
        .filter(|c| c.status == Status::Fail)
        .count();
    let first = report
        .checks
        .iter()
        .find(|c| c.status == Status::Fail)
        .map(|c| format!("{}: {}", c.name, c.detail))
        .unwrap_or_default();
    let mut error = CliError::failed(
        "doctor",
        format!("{failed} check(s) failed; first: {first}"),
    );
    error.json_printed = args.json;
    Err(error)
}

/// The `images:` and `theme:` lines the workbench's F1 shows, for the terminal doctor
/// runs in (one probe asks both).
fn terminal_lines(cli: &Cli, ctx: &Context) -> Vec<String> {
    use crate::terminal::theme::{Candidates, choice::ThemeChoice};
    use std::io::IsTerminal;
    let settings = &ctx.settings;
    let choice = ThemeChoice::from_flag_or_config(cli.theme.as_deref(), &settings.config.tui.theme);
    let themes = match Candidates::load(choice, &settings.paths.config_dir, settings.env.no_color) {
        Ok(themes) => themes,
        Err(e) => return vec![format!("theme: {e}")],
    };
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        return vec![
            "images: not a terminal (run peel doctor in the terminal you use peel in)".into(),
            themes.pick(None, settings.env.colorfgbg.as_deref()).1,
        ];
    }
    if crossterm::terminal::enable_raw_mode().is_err() {
        return vec!["images: unknown (the terminal refused raw mode)".into()];
    }
    let detected = crate::terminal::probe::detect(
        crate::terminal::probe::Drawing::Detect,
        themes.asks_terminal(),
        settings.env.in_tmux,
    );
    let _ = crossterm::terminal::disable_raw_mode();
    let (_, theme) = themes.pick(detected.background, settings.env.colorfgbg.as_deref());
    vec![detected.decision.line(), theme]
}

/// The report as text: one line per check, a `fix:` line under each failure.
pub fn render(report: &Report) -> String {
    let backend = if report.backend == "simulator" {
        "the embedded offline simulator"
    } else if report.description.is_empty() {
        report.backend.as_str()
    } else {
        report.description.as_str()
    };
    let mut out = format!("peel doctor — {backend}, model {}\n", report.model);
    for check in &report.checks {
        let mark = match check.status {
            Status::Pass => "✓",
            Status::Fail => "✗",
            Status::Warn => "!",
            Status::Skip => "-",
        };
        out.push_str(&format!("  {mark} {:<14} {}\n", check.name, check.detail));
        if let Some(fix) = &check.fix {
            out.push_str(&format!("      fix: {fix}\n"));
        }
    }
    if report.ok() {
        out.push_str("all checks passed\n");
    }
    out
}
