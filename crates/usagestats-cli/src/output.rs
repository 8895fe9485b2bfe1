//! Writing `-o FILE`: the file holds the old report or the whole new one, never part of one.

use std::fs::{File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

/// How many symbolic links [`link_target`] follows (the kernel's own limit is 40).
const MAX_LINKS: usize = 40;

/// Writes `bytes` to `path` all at once: into a new temporary file in the same directory
/// (created exclusively, `.NAME.tmp-PID-N`), flushed to disk, then renamed over `path`. A run
/// killed or failing midway leaves the previous file as it was (and at most the temporary
/// file; a failure removes it).
///
/// The permissions are those writing in place would give: a new file gets the default mode
/// (under the umask), an existing one keeps its mode, and an existing file the user may not
/// write is refused as before. A link is followed: the file it points to is replaced, the
/// link kept. What is not a regular file (`/dev/stdout`, a pipe) is written in place, and so
/// is a file whose directory does not let us create the temporary file.
pub fn replace_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let target = link_target(path);
    let existing = match std::fs::metadata(&target) {
        Ok(m) if !m.is_file() => return std::fs::write(&target, bytes),
        Ok(m) => {
            // Refused now as writing in place would be: renaming would get past it.
            drop(OpenOptions::new().write(true).open(&target)?);
            Some(m)
        }
        Err(_) => None,
    };
    let Some(name) = target.file_name() else {
        return std::fs::write(&target, bytes);
    };
    let dir = directory(&target);
    let (temp_path, mut temp) = match create_temporary(dir, &name.to_string_lossy()) {
        Ok(created) => created,
        Err(e) if existing.is_some() && e.kind() == io::ErrorKind::PermissionDenied => {
            // A file we may write in a directory we may not: only in place is possible.
            return std::fs::write(&target, bytes);
        }
        Err(e) => return Err(e),
    };
    let written = (|| {
        if let Some(m) = &existing {
            temp.set_permissions(m.permissions())?;
        }
        temp.write_all(bytes)?;
        temp.sync_all()?;
        drop(temp);
        std::fs::rename(&temp_path, &target)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp_path);
        return Err(e);
    }
    // The rename itself survives a power cut only once the directory is on disk too.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// `path` with symbolic links followed to the file they finally name, which need not exist.
fn link_target(path: &Path) -> PathBuf {
    let mut path = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::read_link(&path) {
            Ok(target) => path = directory(&path).join(target),
            Err(_) => break,
        }
    }
    path
}

/// The directory of `path` (`.` for a bare file name).
fn directory(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// A new file `.NAME.tmp-PID-N` in `dir`, created exclusively: never one that exists, and
/// never through a link someone placed there.
fn create_temporary(dir: &Path, name: &str) -> io::Result<(PathBuf, File)> {
    let mut attempt = 0u32;
    loop {
        let path = dir.join(format!(".{name}.tmp-{}-{attempt}", std::process::id()));
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => attempt += 1,
            Err(e) => return Err(e),
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_file_is_replaced_whole_keeping_its_mode_and_the_link_to_it() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let report = d.join("report.txt");
        replace_file(&report, b"first").unwrap();
        assert_eq!(std::fs::read(&report).unwrap(), b"first");
        std::fs::set_permissions(&report, std::fs::Permissions::from_mode(0o640)).unwrap();
        replace_file(&report, b"second").unwrap();
        assert_eq!(std::fs::read(&report).unwrap(), b"second");
        assert_eq!(mode(&report), 0o640);
        // Through a link (to a file not there yet, then to the file): the link stays.
        std::os::unix::fs::symlink("later.txt", d.join("link")).unwrap();
        replace_file(&d.join("link"), b"third").unwrap();
        assert_eq!(std::fs::read(d.join("later.txt")).unwrap(), b"third");
        replace_file(&d.join("link"), b"fourth").unwrap();
        assert!(
            std::fs::symlink_metadata(d.join("link"))
                .unwrap()
                .is_symlink()
        );
        assert_eq!(std::fs::read(d.join("later.txt")).unwrap(), b"fourth");
        assert_eq!(names(d), ["later.txt", "link", "report.txt"]);
    }

    #[test]
    fn a_failure_leaves_the_old_file_and_no_temporary_one() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let report = d.join("report.txt");
        std::fs::write(&report, b"old").unwrap();
        std::fs::create_dir(d.join("a-directory")).unwrap();
        assert!(replace_file(&d.join("a-directory"), b"new").is_err());
        assert!(replace_file(&d.join("no-such-dir/report.txt"), b"new").is_err());
        assert_eq!(names(d), ["a-directory", "report.txt"]);
        assert_eq!(std::fs::read(&report).unwrap(), b"old");
    }

    #[test]
    fn what_is_not_a_regular_file_is_written_in_place() {
        replace_file(Path::new("/dev/null"), b"nothing").unwrap();
        assert!(Path::new("/dev/null").exists());
    }
}
