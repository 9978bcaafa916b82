//! Archive sources: placeholder, filled in by the archive work.
