//! placeholder

pub mod sink;
