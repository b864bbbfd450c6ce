//! Whole-app snapshots.
