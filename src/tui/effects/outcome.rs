//! What the event loop receives from effect tasks: a message for `update`, or a decoded
//! image for the image slot.

use std::path::PathBuf;

use ratatui_image::protocol::StatefulProtocol;

use crate::tui::msg::Msg;

/// What the event loop receives from effect tasks.
pub enum Outcome {
    /// A message for `update`.
    Msg(Msg),
    /// A decoded image, ready for the image slot.
    Image {
        /// The file.
        path: PathBuf,
        /// The image wrapped for the terminal's protocol.
        protocol: StatefulProtocol,
        /// Pixel size.
        size: (u32, u32),
    },
    /// The image pinned for compare, decoded (None: drop it).
    Pinned(Option<(PathBuf, StatefulProtocol)>),
}
