//! The files an SQLite database is made of on disk, and whether a path names one of them.
//!
//! Besides the database file, SQLite keeps `-wal` and `-shm` next to it while it is in use (and
//! `-journal` in rollback mode), and the sync lock is `.lock`. Writing anything else into one
//! of them destroys data or blocks every later command (SQLite takes a `-journal` or `-wal` it
//! finds for its own and fails to roll it back), so every command that writes a file the user
//! names — `backup`, `copy-db --to`, `report -o` — asks [`database_file_named`] first.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// One of the files of an SQLite database: the database itself or a side file named after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DatabaseFile {
    /// The database file.
    Main,
    /// `<database>-wal`, SQLite's write-ahead log.
    Wal,
    /// `<database>-shm`, the index of the write-ahead log.
    Shm,
    /// `<database>-journal`, SQLite's rollback journal.
    Journal,
    /// `<database>.lock`, the sync lock.
    Lock,
}

impl DatabaseFile {
    /// Every file of a database, the database first.
    pub const ALL: [DatabaseFile; 5] = [
        DatabaseFile::Main,
        DatabaseFile::Wal,
        DatabaseFile::Shm,
        DatabaseFile::Journal,
        DatabaseFile::Lock,
    ];

    /// What is appended to the database's name: `""`, `-wal`, `-shm`, `-journal` or `.lock`.
    pub fn suffix(self) -> &'static str {
        match self {
            DatabaseFile::Main => "",
            DatabaseFile::Wal => "-wal",
            DatabaseFile::Shm => "-shm",
            DatabaseFile::Journal => "-journal",
            DatabaseFile::Lock => ".lock",
        }
    }

    /// This file of the database at `database`.
    pub fn of(self, database: &Path) -> PathBuf {
        let mut name = database.as_os_str().to_owned();
        name.push(self.suffix());
        PathBuf::from(name)
    }

    /// Names this file of the database at `database` for a message: `the database usage.db`,
    /// `the -wal file of the database usage.db`.
    pub fn describe(self, database: &Path) -> impl fmt::Display + '_ {
        Described(self, database)
    }
}

struct Described<'a>(DatabaseFile, &'a Path);

impl fmt::Display for Described<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            DatabaseFile::Main => write!(f, "the database {}", self.1.display()),
            other => write!(
                f,
                "the {} file of the database {}",
                other.suffix(),
                self.1.display()
            ),
        }
    }
}

/// Which file of the SQLite database at `database` the path `candidate` names, if any: the
/// database or one of its side files ([`DatabaseFile`]), whether it exists yet or not.
///
/// Both paths are resolved first — symbolic links followed (a link whose target does not exist
/// yet included: its text is resolved, then the target's directory canonicalized), `.` and
/// `..` removed — so `./usage.db`, `sub/../usage.db-wal`, a link to `usage.db.lock` and a path
/// through a linked directory are all caught. Side files are looked for next to the database
/// under the name given and under its resolved name (SQLite names its `-wal` after the
/// resolved file, the sync lock after the name given). An existing file that is a hard link
/// of an existing database file is caught too (on Unix).
///
/// ```
/// use std::path::Path;
/// use usagestats_storage::{DatabaseFile, database_file_named};
///
/// let dir = tempfile::tempdir()?;
/// let db = dir.path().join("usage.db");
/// let wal = dir.path().join("usage.db-wal");
/// assert_eq!(database_file_named(&db, &wal), Some(DatabaseFile::Wal));
/// assert_eq!(database_file_named(&db, &dir.path().join("report.txt")), None);
/// assert_eq!(
///     DatabaseFile::Wal.describe(Path::new("usage.db")).to_string(),
///     "the -wal file of the database usage.db"
/// );
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn database_file_named(database: &Path, candidate: &Path) -> Option<DatabaseFile> {
    let wanted = resolved(candidate)?;
    let real_database = resolved(database);
    DatabaseFile::ALL.into_iter().find(|file| {
        let by_name = resolved(&file.of(database)).is_some_and(|p| p == wanted);
        let by_target = real_database
            .as_deref()
            .is_some_and(|db| file.of(db) == wanted);
        by_name || by_target || same_inode(&file.of(database), candidate)
    })
}

/// [`database_file_named`] as an error: [`Error::DatabaseFileAsTarget`] naming `target` and
/// which file of the database it is, for a command about to write `target`.
///
/// # Errors
/// [`Error::DatabaseFileAsTarget`] when `target` names the database at `database` or one of
/// its side files.
pub fn refuse_database_file(database: &Path, target: &Path) -> Result<()> {
    match database_file_named(database, target) {
        None => Ok(()),
        Some(file) => Err(Error::DatabaseFileAsTarget {
            path: target.to_path_buf(),
            file: file.describe(database).to_string(),
        }),
    }
}

/// How many links [`resolved`] follows before giving up (the kernel's own limit is 40).
const MAX_LINKS: usize = 40;

/// The canonical form of `path`, existing or not: links followed (also a link to a file that
/// does not exist yet), then canonicalized; a path that does not exist is its canonical
/// directory joined with its file name. `None` when the directory does not exist either or
/// the links go round in a circle.
fn resolved(path: &Path) -> Option<PathBuf> {
    let mut path = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        if let Ok(real) = std::fs::canonicalize(&path) {
            return Some(real);
        }
        match std::fs::read_link(&path) {
            // A dangling link: where it points, relative to the link's own directory.
            Ok(target) => path = parent(&path).join(target),
            Err(_) => {
                let name = path.file_name()?;
                return Some(std::fs::canonicalize(parent(&path)).ok()?.join(name));
            }
        }
    }
    None
}

/// The directory of `path` (`.` for a bare file name).
fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// Two existing paths naming one file (a hard link included).
#[cfg(unix)]
fn same_inode(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_inode(_: &Path, _: &Path) -> bool {
    false
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn every_file_of_the_database_is_found_by_any_name() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let db = d.join("usage.db");
        std::fs::write(&db, b"").unwrap();
        std::fs::create_dir(d.join("sub")).unwrap();
        symlink(d, d.join("sub/up")).unwrap();
        for file in DatabaseFile::ALL {
            let name = format!("usage.db{}", file.suffix());
            // None of the side files exists: the links dangle.
            let link = d.join(format!("link{}", file.suffix()));
            symlink(&name, &link).unwrap();
            let chained = d.join(format!("chain{}", file.suffix()));
            symlink(&link, &chained).unwrap();
            for candidate in [
                d.join(&name),
                d.join("sub/..").join(&name),
                d.join("sub/up").join(&name),
                link,
                chained,
            ] {
                assert_eq!(
                    database_file_named(&db, &candidate),
                    Some(file),
                    "{}",
                    candidate.display()
                );
            }
        }
        // The database named through a link: its side files by either name.
        let db_link = d.join("sub/db-link");
        symlink(&db, &db_link).unwrap();
        assert_eq!(
            database_file_named(&db_link, &d.join("usage.db-wal")),
            Some(DatabaseFile::Wal)
        );
        assert_eq!(
            database_file_named(&db_link, &d.join("sub/db-link.lock")),
            Some(DatabaseFile::Lock)
        );
        std::fs::hard_link(&db, d.join("hard")).unwrap();
        assert_eq!(
            database_file_named(&db, &d.join("hard")),
            Some(DatabaseFile::Main)
        );
        for other in ["usage.db.bak", "usage.db-wal2", "usage", "sub/usage.db"] {
            assert_eq!(database_file_named(&db, &d.join(other)), None, "{other}");
        }
        assert_eq!(database_file_named(&db, &d.join("no/such/dir/x")), None);
    }

    #[test]
    fn circular_links_name_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        symlink(d.join("a"), d.join("b")).unwrap();
        symlink(d.join("b"), d.join("a")).unwrap();
        assert_eq!(database_file_named(&d.join("usage.db"), &d.join("a")), None);
    }

    #[test]
    fn messages_name_the_file() {
        let db = Path::new("x.db");
        let shown: Vec<String> = DatabaseFile::ALL
            .iter()
            .map(|f| f.describe(db).to_string())
            .collect();
        assert_eq!(
            shown,
            [
                "the database x.db",
                "the -wal file of the database x.db",
                "the -shm file of the database x.db",
                "the -journal file of the database x.db",
                "the .lock file of the database x.db",
            ]
        );
    }
}
