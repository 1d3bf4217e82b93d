//! The command line: each command's arguments and printing. The work is in
//! the library's jobs; files are written through its report layer.

pub mod commands;
pub mod compare;
pub mod progress;
