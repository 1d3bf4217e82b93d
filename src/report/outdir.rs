//! Output folders: written whole or not at all, and only ever replacing a
//! folder that ccsim wrote itself.
//!
//! Files go to a hidden temporary folder beside the target,
//! `.NAME.ccsim-tmp-HOST-PID`. [`OutputDir::commit`] writes the marker
//! [`MARKER`] (the command, the version and the SHA-256 of every file),
//! then moves an existing target aside (`.NAME.ccsim-old-HOST-PID`), renames
//! the new folder in and only then deletes the old one, so that a failure at
//! any step leaves either the old or the new folder whole.
//!
//! A target is refused (see [`check_target`]) when it is not a folder, when
//! it is a non-empty folder without the marker or with files the marker does
//! not list, or when it is `/`, the current folder, the home folder or a
//! folder above one of them.
//!
//! A process that dies (`kill -9`) leaves its temporary folder behind; the
//! next output into the same parent folder removes it, once the process that
//! wrote it is gone, and puts back an old folder that was moved aside but
//! never replaced. SIGINT and SIGTERM are handled by [`remove_temporaries`].

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

/// The marker file in every folder ccsim writes.
pub const MARKER: &str = ".ccsim";
/// A file in a temporary folder saying it is one (see [`OutputDir::create`]).
const TMP_OWNER: &str = ".ccsim-tmp";
const TMP_TAG: &str = ".ccsim-tmp-";
const OLD_TAG: &str = ".ccsim-old-";

/// Why an output folder could not be written, or a folder ccsim reads back
/// cannot be trusted.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The target is not ccsim's to replace, or a folder read back is not
    /// ccsim's or was changed (bad input: exit code 2).
    #[error("{0}")]
    Refused(String),
    /// The file system failed (environment: exit code 3).
    #[error("cannot write {}: {error}", path.display())]
    Io { path: PathBuf, error: io::Error },
}

/// A folder refused is bad input (exit code 2); a file system that fails is
/// the environment's (exit code 3).
impl From<OutputError> for crate::error::Error {
    fn from(e: OutputError) -> Self {
        use crate::error::{Error, Kind};
        let kind = match e {
            OutputError::Refused(_) => Kind::Input,
            OutputError::Io { .. } => Kind::Environment,
        };
        Error::new(kind, e)
    }
}

fn io_err(path: &Path) -> impl Fn(io::Error) -> OutputError + '_ {
    move |error| OutputError::Io { path: path.to_path_buf(), error }
}

/// The temporary folders of this process, removed on SIGINT or SIGTERM.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Removes every temporary folder of this process and returns holding the
/// lock, so that no folder is committed between this call and the exit that
/// follows it. For a signal handler's thread, just before `exit`.
pub fn remove_temporaries() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    let live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    for tmp in live.iter() {
        let _ = fs::remove_dir_all(tmp);
    }
    live
}

/// A folder being written; dropped without [`OutputDir::commit`], it vanishes.
pub struct OutputDir {
    tmp: PathBuf,
    target: PathBuf,
    command: String,
    /// Folders above the target that `create` made, deepest first: removed
    /// again (when empty) if nothing is committed.
    made: Vec<PathBuf>,
    committed: bool,
}

impl OutputDir {
    /// Starts writing what will become `target`, for `command` (recorded in
    /// the marker, e.g. `run` or `merge`). Refuses a target ccsim may not
    /// replace, before anything is written.
    pub fn create(target: &Path, command: &str) -> Result<OutputDir, OutputError> {
        check_target(target)?;
        let parent = parent_of(target);
        let made: Vec<PathBuf> = parent
            .ancestors()
            .take_while(|p| !p.as_os_str().is_empty() && !p.exists())
            .map(Path::to_path_buf)
            .collect();
        fs::create_dir_all(&parent).map_err(io_err(&parent))?;
        clean_stale(&parent);
        let tmp = parent.join(format!(".{}{TMP_TAG}{}", base_name(target), owner_tag()));
        let out = OutputDir { tmp, target: target.to_path_buf(), command: command.to_string(), made, committed: false };
        // From here on, a failure drops `out`, which removes what was made.
        if fs::symlink_metadata(&out.tmp).is_ok() {
            // Only a leftover of an earlier process of this host with our id.
            if !out.tmp.join(TMP_OWNER).is_file() && !out.tmp.join(MARKER).is_file() {
                return Err(OutputError::Refused(format!("{} is in the way; move it", out.tmp.display())));
            }
            fs::remove_dir_all(&out.tmp).map_err(io_err(&out.tmp))?;
        }
        fs::create_dir(&out.tmp).map_err(io_err(&out.tmp))?;
        LIVE.lock().unwrap_or_else(|e| e.into_inner()).push(out.tmp.clone());
        fs::write(out.tmp.join(TMP_OWNER), "a folder being written by ccsim; removed when it is done\n")
            .map_err(io_err(&out.tmp))?;
        Ok(out)
    }

    /// Path of a file inside the folder being written.
    pub fn file(&self, name: &str) -> PathBuf {
        self.tmp.join(name)
    }

    /// Replaces `target` with the finished folder: the marker first, then the
    /// old folder aside, the new one in, and the old one deleted.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        let marker = Marker::of_folder(&self.tmp, &self.command)?;
        marker.write(&self.tmp)?;
        // From here on the marker tells a stale folder from another.
        fs::remove_file(self.tmp.join(TMP_OWNER)).map_err(io_err(&self.tmp))?;
        // The target may have changed since `create` checked it.
        check_target(&self.target)?;
        let old = parent_of(&self.target).join(format!(".{}{OLD_TAG}{}", base_name(&self.target), owner_tag()));
        let mut live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
        let existed = self.target.exists();
        if existed {
            fs::rename(&self.target, &old).map_err(io_err(&self.target))?;
        }
        if let Err(e) = fs::rename(&self.tmp, &self.target) {
            if existed {
                let _ = fs::rename(&old, &self.target);
            }
            return Err(io_err(&self.target)(e));
        }
        live.retain(|p| *p != self.tmp);
        drop(live);
        self.committed = true;
        if existed {
            // It held our marker and no other file (checked above); an empty
            // folder the user made is removed as the empty folder it is.
            fs::remove_dir_all(&old).map_err(io_err(&old))?;
        }
        Ok(self.target.clone())
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.committed {
            let mut live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
            // Only a folder this process made is registered, and removed.
            if let Some(at) = live.iter().position(|p| *p == self.tmp) {
                let _ = fs::remove_dir_all(&self.tmp);
                live.swap_remove(at);
            }
            for folder in &self.made {
                let _ = fs::remove_dir(folder); // only if empty
            }
        }
    }
}

/// The folder that holds `target` (`.` for a bare name).
fn parent_of(target: &Path) -> PathBuf {
    match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn base_name(target: &Path) -> String {
    target.file_name().map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned())
}

/// `HOST-PID` of this process, naming its temporary folders.
fn owner_tag() -> String {
    format!("{}-{}", host_name(), std::process::id())
}

fn host_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname writes at most that.
    #[cfg(unix)]
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    #[cfg(not(unix))]
    let ok = false;
    let name: String = if ok {
        let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        String::from_utf8_lossy(&buf[..end]).into_owned()
    } else {
        String::new()
    };
    let name: String = name.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '.').collect();
    if name.is_empty() { "host".into() } else { name }
}

/// True unless process `pid` of this host is known to be gone.
fn alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else { return true };
        // SAFETY: signal 0 checks that the process exists and sends nothing.
        let found = unsafe { libc::kill(pid, 0) } == 0;
        found || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// Removes the leftovers of dead ccsim processes of this host in `parent`:
/// temporary folders (recognised by their owner file or, once complete, their
/// marker), and old folders moved
/// aside (recognised by their marker), put back where the new folder never
/// came. Best effort: whatever cannot be cleaned is left as it is.
fn clean_stale(parent: &Path) {
    let Ok(entries) = fs::read_dir(parent) else { return };
    let host = host_name();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix('.') else { continue };
        let (target, tag, owner) = match (rest.rsplit_once(TMP_TAG), rest.rsplit_once(OLD_TAG)) {
            (Some((t, o)), _) => (t, TMP_TAG, o),
            (None, Some((t, o))) => (t, OLD_TAG, o),
            (None, None) => continue,
        };
        let Some((owner_host, pid)) = owner.rsplit_once('-') else { continue };
        let Ok(pid) = pid.parse::<u32>() else { continue };
        if owner_host != host || pid == std::process::id() || alive(pid) {
            continue;
        }
        let path = entry.path();
        if tag == TMP_TAG && (path.join(TMP_OWNER).is_file() || path.join(MARKER).is_file()) {
            let _ = fs::remove_dir_all(&path);
        } else if tag == OLD_TAG && path.join(MARKER).is_file() {
            let original = parent.join(target);
            if original.exists() {
                let _ = fs::remove_dir_all(&path);
            } else {
                let _ = fs::rename(&path, &original);
            }
        }
    }
}

/// `path` made absolute, with symbolic links resolved as far as the path
/// exists and `..` taken as the file system takes it (the parent of where a
/// link leads); beyond what exists, `..` removes the name before it.
fn resolve(path: &Path) -> io::Result<PathBuf> {
    let mut out = PathBuf::new();
    for part in std::path::absolute(path)?.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => {
                out.push(other);
                if fs::symlink_metadata(&out).is_ok() {
                    out = fs::canonicalize(&out)?;
                }
            }
        }
    }
    Ok(out)
}

/// Checks that ccsim may write `target`: it does not exist, or is an empty
/// folder, or a folder ccsim wrote (its marker lists every file in it); and it
/// is neither `/`, the current folder, the home folder, nor above one of them.
pub fn check_target(target: &Path) -> Result<(), OutputError> {
    let shown = target.display();
    let refuse = |why: String| Err(OutputError::Refused(format!("output folder {shown}: {why}")));
    let meta = fs::symlink_metadata(target);
    if let Ok(meta) = &meta {
        if meta.file_type().is_symlink() {
            return refuse("is a symbolic link; name the folder itself".into());
        }
        if !meta.is_dir() {
            return refuse("exists and is not a folder".into());
        }
    }
    let resolved = resolve(target).map_err(io_err(target))?;
    let cwd = std::env::current_dir().and_then(fs::canonicalize).ok();
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty()).and_then(|h| fs::canonicalize(h).ok());
    let what = if resolved.parent().is_none() {
        Some("the root folder")
    } else if cwd.as_ref().is_some_and(|c| c.starts_with(&resolved)) {
        Some("the current folder or a folder above it")
    } else if home.as_ref().is_some_and(|h| h.starts_with(&resolved)) {
        Some("the home folder or a folder above it")
    } else {
        None
    };
    if let Some(what) = what {
        return refuse(format!(
            "is {what} ({}); ccsim writes its results into a folder of their own: name a new one, \
             e.g. --out results/NAME",
            resolved.display()
        ));
    }
    if meta.is_err() {
        return Ok(());
    }
    let files = files_in(target).map_err(io_err(target))?;
    if files.is_empty() {
        return Ok(());
    }
    let marker = match Marker::read(target) {
        Ok(m) => m,
        Err(_) if !target.join(MARKER).exists() => {
            return refuse(format!(
                "exists and was not written by ccsim (it has no {MARKER} marker), and ccsim replaces only its \
                 own output folders: choose a new folder with --out, or move or delete this one yourself"
            ));
        }
        Err(e) => return Err(e),
    };
    let foreign: Vec<&String> = files.iter().filter(|f| *f != MARKER && !marker.sha256.contains_key(*f)).collect();
    if let Some(first) = foreign.first() {
        let more = match foreign.len() {
            1 => String::new(),
            n => format!(" and {} more", n - 1),
        };
        return refuse(format!(
            "holds files that ccsim did not write ({first}{more}), and replacing the folder would delete them: \
             move them out, or choose a new folder with --out"
        ));
    }
    Ok(())
}

/// Every file under `dir`, as relative paths with `/`, sorted; folders are
/// not listed, symbolic links are listed as files.
fn files_in(dir: &Path) -> io::Result<Vec<String>> {
    fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) -> io::Result<()> {
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
            if entry.file_type()?.is_dir() {
                walk(&entry.path(), &format!("{name}/"), out)?;
            } else {
                out.push(name);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, "", &mut out)?;
    out.sort();
    Ok(out)
}

/// The SHA-256 of a file, in lower-case hex.
fn sha256_of(path: &Path) -> io::Result<String> {
    let mut file = fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// The marker `.ccsim` of an output folder: which command wrote it, with
/// which version, and the SHA-256 of every file in it, so that a reader (merge,
/// compare) can tell the folder is ccsim's and unchanged.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Marker {
    pub command: String,
    pub version: String,
    /// File (relative path with `/`) → SHA-256 in hex.
    pub sha256: BTreeMap<String, String>,
}

impl Marker {
    /// The marker of the folder `dir` as it is now, written by `command`.
    fn of_folder(dir: &Path, command: &str) -> Result<Marker, OutputError> {
        let mut sha256 = BTreeMap::new();
        for file in files_in(dir).map_err(io_err(dir))?.into_iter().filter(|f| f != TMP_OWNER) {
            let path = dir.join(&file);
            sha256.insert(file, sha256_of(&path).map_err(io_err(&path))?);
        }
        Ok(Marker { command: command.into(), version: env!("CARGO_PKG_VERSION").into(), sha256 })
    }

    fn write(&self, dir: &Path) -> Result<(), OutputError> {
        let path = dir.join(MARKER);
        let body = toml::to_string(self).map_err(|e| io_err(&path)(io::Error::other(e)))?;
        let text = format!(
            "# Written by ccsim: this folder is the output of `ccsim {}`, and ccsim may replace it.\n\
             # merge and compare check the files they read against these SHA-256 sums.\n{body}",
            self.command
        );
        fs::write(&path, text).map_err(io_err(&path))
    }

    /// Reads the marker of `dir`; an error says the folder is not ccsim's.
    pub fn read(dir: &Path) -> Result<Marker, OutputError> {
        let path = dir.join(MARKER);
        let text = fs::read_to_string(&path).map_err(|e| {
            OutputError::Refused(if e.kind() == io::ErrorKind::NotFound {
                format!("{}: no {MARKER} marker: not a folder written by ccsim", dir.display())
            } else {
                format!("cannot read {}: {e}", path.display())
            })
        })?;
        toml::from_str(&text).map_err(|e| OutputError::Refused(format!("{}: not a ccsim marker: {e}", path.display())))
    }

    /// Reads the marker of `dir` and checks that each of `files` is listed in
    /// it and unchanged since ccsim wrote it.
    pub fn verify(dir: &Path, files: &[&str]) -> Result<Marker, OutputError> {
        let marker = Marker::read(dir)?;
        for &file in files {
            let path = dir.join(file);
            let Some(expected) = marker.sha256.get(file) else {
                return Err(OutputError::Refused(format!(
                    "{}: not written by the ccsim command that wrote {} (not listed in its {MARKER})",
                    path.display(),
                    dir.display()
                )));
            };
            let found = sha256_of(&path).map_err(|e| {
                OutputError::Refused(format!("cannot read {}: {e} (listed in {MARKER})", path.display()))
            })?;
            if found != *expected {
                return Err(OutputError::Refused(format!(
                    "{} was changed after ccsim wrote it (its SHA-256 differs from the one in {MARKER}); \
                     run the command that wrote it again",
                    path.display()
                )));
            }
        }
        Ok(marker)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, file: &str, text: &str) {
        let path = dir.join(file);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn output(target: &Path, files: &[(&str, &str)]) -> Result<PathBuf, OutputError> {
        let out = OutputDir::create(target, "test")?;
        for (f, t) in files {
            write(&out.file(""), f, t);
        }
        out.commit()
    }

    #[test]
    fn a_new_folder_is_written_with_its_marker_and_nothing_else_is_left() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("a/b/run");
        output(&target, &[("summary.csv", "x\n"), ("charts/c.png", "png")]).unwrap();
        let marker = Marker::verify(&target, &["summary.csv", "charts/c.png"]).unwrap();
        assert_eq!(marker.command, "test");
        assert_eq!(marker.sha256.len(), 2);
        assert_eq!(
            files_in(&root.path().join("a/b")).unwrap(),
            vec!["run/.ccsim", "run/charts/c.png", "run/summary.csv"]
        );
    }

    #[test]
    fn a_folder_of_ccsim_is_replaced_whole() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("run");
        output(&target, &[("a.csv", "1"), ("b.csv", "2")]).unwrap();
        output(&target, &[("a.csv", "3")]).unwrap();
        assert_eq!(files_in(&target).unwrap(), vec![".ccsim", "a.csv"]);
        assert_eq!(fs::read_to_string(target.join("a.csv")).unwrap(), "3");
        assert_eq!(fs::read_dir(root.path()).unwrap().count(), 1, "no temporary or old folder is left");
    }

    #[test]
    fn an_empty_folder_is_used_and_a_foreign_one_refused_untouched() {
        let root = tempfile::tempdir().unwrap();
        let empty = root.path().join("empty");
        fs::create_dir(&empty).unwrap();
        output(&empty, &[("a.csv", "1")]).unwrap();

        let theirs = root.path().join("theirs");
        write(&theirs, "notes.txt", "keep me");
        let e = output(&theirs, &[("a.csv", "1")]).unwrap_err();
        assert!(matches!(&e, OutputError::Refused(m) if m.contains("no .ccsim marker")), "{e}");
        assert_eq!(fs::read_to_string(theirs.join("notes.txt")).unwrap(), "keep me");

        // A file added to a folder of ccsim's is the user's.
        write(&empty, "mine.txt", "keep me too");
        let e = output(&empty, &[("a.csv", "2")]).unwrap_err();
        assert!(e.to_string().contains("mine.txt"), "{e}");
        assert_eq!(fs::read_to_string(empty.join("a.csv")).unwrap(), "1");
        let file = root.path().join("file");
        fs::write(&file, "x").unwrap();
        assert!(output(&file, &[]).unwrap_err().to_string().contains("not a folder"));
        let names: Vec<String> = files_in(root.path()).unwrap();
        assert!(names.iter().all(|n| !n.contains(".ccsim-")), "{names:?}");
    }

    #[test]
    fn the_root_the_current_and_the_home_folder_and_their_parents_are_refused() {
        let cwd = std::env::current_dir().unwrap();
        for target in [PathBuf::from("/"), PathBuf::from("."), PathBuf::from("sub/.."), cwd.clone()] {
            let e = check_target(&target).unwrap_err();
            assert!(e.to_string().contains("name a new one"), "{}: {e}", target.display());
        }
        if let Some(parent) = cwd.parent() {
            assert!(check_target(parent).is_err());
        }
        if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty() && Path::new(h).exists()) {
            let e = check_target(Path::new(&home)).unwrap_err();
            assert!(e.to_string().contains("above it"), "{e}");
        }
    }

    #[test]
    fn a_changed_or_unlisted_file_fails_verification() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("run");
        output(&target, &[("a.csv", "1")]).unwrap();
        fs::write(target.join("a.csv"), "2").unwrap();
        assert!(Marker::verify(&target, &["a.csv"]).unwrap_err().to_string().contains("was changed"));
        assert!(Marker::verify(&target, &["b.csv"]).unwrap_err().to_string().contains("not listed"));
        assert!(Marker::verify(root.path(), &[]).unwrap_err().to_string().contains("no .ccsim marker"));
    }

    #[test]
    fn leftovers_of_dead_processes_are_cleaned_and_an_old_folder_put_back() {
        let root = tempfile::tempdir().unwrap();
        let host = host_name();
        let dead = 999_999_999; // beyond any process id (Linux allows up to 2^22)
        let tmp = root.path().join(format!(".gone{TMP_TAG}{host}-{dead}"));
        write(&tmp, TMP_OWNER, "");
        let old = root.path().join(format!(".kept{OLD_TAG}{host}-{dead}"));
        write(&old, MARKER, "");
        let other_host = root.path().join(format!(".x{TMP_TAG}elsewhere-{dead}"));
        write(&other_host, TMP_OWNER, "");
        let not_ours = root.path().join(format!(".y{TMP_TAG}{host}-{dead}"));
        write(&not_ours, "data.txt", "");
        output(&root.path().join("next"), &[]).unwrap();
        assert!(!tmp.exists());
        assert!(root.path().join("kept/.ccsim").exists(), "the old folder is put back");
        assert!(other_host.exists() && not_ours.exists());
    }

    #[test]
    fn a_failed_output_removes_the_folders_it_made_and_nothing_in_its_way() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("a/b/run");
        drop(OutputDir::create(&target, "test").unwrap());
        assert_eq!(fs::read_dir(root.path()).unwrap().count(), 0, "a/ and a/b/ are removed again");
        let in_way = root.path().join(format!(".run{TMP_TAG}{}", owner_tag()));
        write(&in_way, "mine.txt", "keep");
        let e = OutputDir::create(&root.path().join("run"), "test").err().unwrap();
        assert!(e.to_string().contains("in the way"), "{e}");
        assert_eq!(fs::read_to_string(in_way.join("mine.txt")).unwrap(), "keep");
    }
}
