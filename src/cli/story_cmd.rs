//! `peel story FILE`: a storyboard run frame by frame, each frame carrying the one before;
//! `--reroll N [--onward]` makes frame N (and those after it) again in the same folder.

use super::args::Cli;
use super::batch::run::{options, run_lane};
use super::context::Context;
use super::error::CliError;
use crate::cli::args::StoryArgs;
use crate::studio::backend;
use crate::studio::batch::lookup::LookupError;
use crate::studio::batch::queue::lock_run;
use crate::studio::batch::story_sheet::{self, StoryReport};
use crate::studio::story::{self, Reroll};

/// Runs a story file, or re-rolls frames of its newest story.
pub async fn run(cli: &Cli, args: StoryArgs) -> Result<(), CliError> {
    let ctx = Context::load(cli)?;
    let story = story::load_checked(&ctx, &args.file).map_err(|e| match e {
        LookupError::Refused(message) => CliError::usage(message),
        LookupError::Failed(e) => e.into(),
    })?;
    let options = options(&ctx, &args.lane, None)?;
    let store = ctx.store()?;
    let mut sent: Option<Vec<usize>> = None;
    let run_id = match args.reroll {
        Some(frame) => {
            let reroll = Reroll {
                frame,
                onward: args.onward,
            };
            let (run, _, frames) = story::reroll(&store, &story, reroll)?;
            let last = story.items.len();
            if !args.onward && frame < last && !args.lane.json {
                eprintln!(
                    "peel: frames {}–{last} still carry the earlier frame {frame}; add --onward to make them again too",
                    frame + 1
                );
            }
            tracing::info!("re-rolling frames {frames:?} of run {run}");
            sent = Some(frames);
            run
        }
        None => {
            let parent = ctx.settings.output_dir(args.out.as_deref());
            story::create(&store, &story, &parent)?.0
        }
    };
    drop(story);
    if args.lane.detach {
        return super::batch::run::detach_run(&ctx, &store, run_id, options, args.lane.json);
    }
    let lock = lock_run(&ctx.settings.paths.data_dir.join("locks"), run_id)?;
    let conn = backend::connect(&ctx.settings, &ctx.registry).await?;
    let summary = run_lane(
        &ctx,
        store.clone(),
        conn,
        run_id,
        lock,
        options,
        args.lane.json,
    )
    .await?;
    let Some(row) = store.batch_run(run_id)? else {
        return Err(CliError::usage(format!("run {run_id} left the store")));
    };
    let report = story_sheet::report(&store, &row)?;
    print(&report, sent.as_deref(), args.lane.json);
    if let Some(stop) = &summary.stopped_by {
        let mut error = CliError::failed(
            stop.kind(),
            format!(
                "{stop} The story stopped before its last frame; `peel batch resume {}` finishes it.",
                report.run
            ),
        );
        error.json_printed = args.lane.json;
        return Err(error);
    }
    match summary.stop_reason {
        None => Ok(()),
        Some(reason) => Err(stopped(&report, &reason, &args.file, args.lane.json)),
    }
}

/// Prints the story: every frame of a new one, or only the frames a re-roll sent, with
/// what this command cost and the totals `story.json` holds.
fn print(report: &StoryReport, sent: Option<&[usize]>, json: bool) {
    let shown: Vec<_> = report
        .frames
        .iter()
        .filter(|f| sent.is_none_or(|s| s.contains(&f.index)))
        .collect();
    let sent_usd = (shown.iter().map(|f| f.cost_usd).sum::<f64>() * 1e6).round() / 1e6;
    if json {
        let mut body = serde_json::to_value(report).unwrap_or_default();
        let indexes: Vec<usize> = shown.iter().map(|f| f.index).collect();
        body["sent"] = serde_json::json!(indexes);
        body["sent_usd"] = serde_json::json!(sent_usd);
        println!("{body}");
        return;
    }
    println!("{}", report.dir.display());
    for frame in &shown {
        let what = match &frame.path {
            Some(path) => path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default(),
            None => format!("({})", frame.state),
        };
        let kept = match (sent, frame.versions.last()) {
            (Some(_), Some(old)) => format!(" · the one before kept as {old}"),
            _ => String::new(),
        };
        eprintln!(
            "peel: frame {:>2} {what} · seed {} · ${:.3}{kept}",
            frame.index, frame.seed, frame.cost_usd
        );
    }
    match sent {
        Some(_) => eprintln!(
            "peel: story {}: re-rolled {} frame(s) for ${sent_usd:.3}; its {} frames now cost ${:.3}, ${:.3} spent in all with the kept versions (story.json)",
            report.run,
            shown.len(),
            report.frames.len(),
            report.cost_usd,
            report.spent_usd
        ),
        None => eprintln!(
            "peel: story {}: {} frames · ${:.3} · sheet.png and story.json in the folder",
            report.run,
            report.frames.len(),
            report.cost_usd
        ),
    }
}

/// Why the story stopped before its last frame, and how to finish it.
fn stopped(report: &StoryReport, reason: &str, file: &std::path::Path, json: bool) -> CliError {
    let failed = report.frames.iter().find(|f| f.state == "failed");
    let (code, kind, message) = match (reason, failed) {
        ("interrupted", _) => (
            130,
            "interrupted",
            format!(
                "interrupted; `peel batch resume {}` finishes the story",
                report.run
            ),
        ),
        ("budget", _) => (
            super::batch::run::EXIT_BUDGET,
            "budget",
            format!(
                "stopped at the budget; `peel batch resume {} --budget USD` finishes the story",
                report.run
            ),
        ),
        (_, Some(frame)) => (
            1,
            "failed",
            format!(
                "frame {} failed ({}); the frames after it wait for it. `peel batch resume {}` tries again, or change the frame and `peel story {} --reroll {} --onward`",
                frame.index,
                frame.error.as_deref().unwrap_or("see manifest.json"),
                report.run,
                file.display(),
                frame.index
            ),
        ),
        (other, None) => (1, "failed", other.to_string()),
    };
    CliError {
        code,
        kind: kind.into(),
        message,
        json_printed: json,
    }
}
