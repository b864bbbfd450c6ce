//! The terminal floor: what the faces that draw share about the terminal they draw on —
//! which image protocol it speaks (`probe.rs` asks it, `graphics.rs` decides from the
//! answers) and the colours (`theme/`). The only place below the faces that knows ratatui,
//! crossterm or ratatui-image (`tests/architecture.rs` checks it).

pub mod graphics;
pub mod probe;
pub mod theme;
