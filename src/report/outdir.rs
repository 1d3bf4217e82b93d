//! The output folder is written whole or not at all: files go to a hidden
//! temporary folder beside the target, renamed over it only when complete.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// A folder being written; dropped without [`OutputDir::commit`], it vanishes.
pub struct OutputDir {
    tmp: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl OutputDir {
    /// Starts writing what will become `target`.
    pub fn create(target: &Path) -> io::Result<OutputDir> {
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent)?;
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
        let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if tmp.exists() {
            fs::remove_dir_all(&tmp)?;
        }
        fs::create_dir_all(&tmp)?;
        Ok(OutputDir { tmp, target: target.to_path_buf(), committed: false })
    }

    /// Path of a file inside the folder being written.
    pub fn file(&self, name: &str) -> PathBuf {
        self.tmp.join(name)
    }

    /// Replaces `target` with the finished folder.
    pub fn commit(mut self) -> io::Result<PathBuf> {
        if self.target.exists() {
            fs::remove_dir_all(&self.target)?;
        }
        fs::rename(&self.tmp, &self.target)?;
        self.committed = true;
        Ok(self.target.clone())
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.tmp);
        }
    }
}
