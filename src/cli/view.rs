//! `peel view DIR|FILE...`: images printed straight to the terminal with viuer (kitty,
//! iTerm2 or colour blocks), or a contact sheet of a folder — a quick look over SSH.

use std::io::IsTerminal;
use std::path::PathBuf;

use super::args::Cli;
use super::context::Context;
use super::error::CliError;
use crate::cli::args::ViewArgs;
use crate::imaging::thumbs::{ThumbCache, contact_sheet, images_in, is_image};

/// Most thumbnails in one contact sheet; larger folders print several sheets.
const SHEET_MAX: usize = 24;

/// Pixels per contact-sheet cell.
const SHEET_CELL: u32 = 192;

/// Prints each file, and a contact sheet (or several) for each folder.
pub fn run(cli: &Cli, args: ViewArgs) -> Result<(), CliError> {
    let ctx = Context::load(cli)?;
    let cache = ThumbCache::new(ctx.settings.paths.data_dir.join("thumbs"));
    let blocks = args.blocks || !std::io::stdout().is_terminal();
    let config = viuer::Config {
        width: args.width,
        absolute_offset: false,
        use_kitty: !blocks,
        use_iterm: !blocks,
        ..viuer::Config::default()
    };
    let mut singles = Vec::new();
    for path in &args.paths {
        if path.is_dir() {
            sheets(path, &cache, &config, args.columns)?;
        } else if path.is_file() && is_image(path) {
            singles.push(path.clone());
        } else {
            return Err(CliError::usage(format!(
                "{} is neither an image (png, jpg, webp) nor a folder",
                path.display()
            )));
        }
    }
    if singles.len() > 1 {
        return print_sheet(&singles, &cache, &config, args.columns);
    }
    for file in singles {
        let img = image::open(&file).map_err(|e| {
            CliError::failed("image", format!("cannot read {}: {e}", file.display()))
        })?;
        println!("{}", file.display());
        viuer::print(&img, &config)
            .map_err(|e| CliError::failed("terminal", format!("cannot print the image: {e}")))?;
    }
    Ok(())
}

fn sheets(
    dir: &std::path::Path,
    cache: &ThumbCache,
    config: &viuer::Config,
    columns: u32,
) -> Result<(), CliError> {
    let files = images_in(dir)
        .map_err(|e| CliError::usage(format!("cannot read the folder {}: {e}", dir.display())))?;
    if files.is_empty() {
        return Err(CliError::usage(format!(
            "{} holds no images",
            dir.display()
        )));
    }
    for chunk in files.chunks(SHEET_MAX) {
        print_sheet(chunk, cache, config, columns)?;
    }
    Ok(())
}

/// One sheet of thumbnails, then a numbered legend of the files, row by row.
fn print_sheet(
    files: &[PathBuf],
    cache: &ThumbCache,
    config: &viuer::Config,
    columns: u32,
) -> Result<(), CliError> {
    let mut thumbs = Vec::with_capacity(files.len());
    let mut shown = Vec::with_capacity(files.len());
    for file in files {
        match cache.thumbnail(file) {
            Ok(t) => {
                thumbs.push(t);
                shown.push(file);
            }
            Err(e) => eprintln!("peel: skipping {e}"),
        }
    }
    let sheet = contact_sheet(&thumbs, columns, SHEET_CELL);
    viuer::print(&sheet, config)
        .map_err(|e| CliError::failed("terminal", format!("cannot print the sheet: {e}")))?;
    for (row, names) in shown.chunks(columns.max(1) as usize).enumerate() {
        let line: Vec<String> = names
            .iter()
            .map(|p| {
                p.file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default()
            })
            .collect();
        println!("row {}: {}", row + 1, line.join("  "));
    }
    Ok(())
}
