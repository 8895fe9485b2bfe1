//! Shell completions and the manual page, as a user installs them.

use std::process::Command;

use crate::harness::*;

fn usagestats(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_usagestats"));
    c.current_dir(dir).env_remove("RUST_LOG");
    c
}

/// The bash script parses, and completing `usagestats rep<TAB>` offers `report` (and
/// `reconfigure`'s prefix does not match), as bash's completion machinery would call it.
#[test]
fn bash_completion_completes_subcommands() {
    let dir = tempdir();
    let out = run(usagestats(dir.path()).args(["completions", "bash"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let script = dir.path().join("usagestats.bash");
    std::fs::write(&script, &out.stdout).expect("script");
    let syntax = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .expect("bash");
    assert!(
        syntax.status.success(),
        "{}",
        String::from_utf8_lossy(&syntax.stderr)
    );
    let complete = |line: &str| -> Vec<String> {
        let words: Vec<&str> = line.split(' ').collect();
        let program = format!(
            "source {script}; COMP_WORDS=({words}); COMP_CWORD={cword}; COMP_LINE='{line}'; \
             COMP_POINT=${{#COMP_LINE}}; _usagestats usagestats '{cur}' '{prev}'; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script = script.display(),
            words = words
                .iter()
                .map(|w| format!("'{w}'"))
                .collect::<Vec<_>>()
                .join(" "),
            cword = words.len() - 1,
            cur = words[words.len() - 1],
            prev = words[words.len() - 2],
        );
        let out = Command::new("bash")
            .args(["-c", &program])
            .output()
            .expect("bash");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect()
    };
    assert_eq!(complete("usagestats rep"), ["report"]);
    let options = complete("usagestats report --off");
    assert!(options.contains(&"--offline".to_string()), "{options:?}");
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let out = run(usagestats(dir.path()).args(["completions", shell]));
        assert_eq!(out.status.code(), Some(0), "{shell}");
        assert!(stdout(&out).contains("usagestats"), "{shell}");
    }
    let out = run(usagestats(dir.path()).args(["completions", "tcsh"]));
    assert_eq!(out.status.code(), Some(2));
}

/// The manual page `cargo xtask man` writes renders with `man -l`, with the commands and the
/// options a reader looks for.
#[test]
fn the_manual_page_renders_with_man() {
    let dir = tempdir();
    let out = run(usagestats(dir.path()).arg("man-page"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let page = dir.path().join("usagestats.1");
    std::fs::write(&page, &out.stdout).expect("page");
    let rendered = Command::new("man")
        .arg("-l")
        .arg(&page)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .env("LANG", "C.UTF-8")
        .output()
        .expect("man is installed (apt-get install man-db)");
    assert!(
        rendered.status.success(),
        "{}",
        String::from_utf8_lossy(&rendered.stderr)
    );
    let text = String::from_utf8_lossy(&rendered.stdout);
    for needle in [
        "NAME",
        "SYNOPSIS",
        "usagestats",
        "completions",
        "--database",
        "report",
    ] {
        assert!(text.contains(needle), "{needle} missing:\n{text}");
    }
}
