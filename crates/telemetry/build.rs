//! Records the git commit the binary is built from (`staffprobot_build_info{commit}`), or
//! "unknown" outside a git checkout (a source tarball, a Docker build without `.git`).

use std::process::Command;

fn main() {
    let commit = std::env::var("STAFFPROBOT_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| {
            Command::new("git")
                .args(["rev-parse", "--short", "HEAD"])
                .output()
                .ok()
                .filter(|o| o.status.success())
                .and_then(|o| String::from_utf8(o.stdout).ok())
        })
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_alphanumeric()))
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=STAFFPROBOT_COMMIT={commit}");
    println!("cargo:rerun-if-env-changed=STAFFPROBOT_COMMIT");
    // A new commit moves HEAD (or the branch it points at): build again then. `--git-path`
    // finds both in a worktree too.
    let git_path = |path: &str| {
        Command::new("git")
            .args(["rev-parse", "--git-path", path])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .map(|p| p.trim().to_owned())
    };
    if let Some(head) = git_path("HEAD") {
        println!("cargo:rerun-if-changed={head}");
        if let Ok(text) = std::fs::read_to_string(&head)
            && let Some(reference) = text.trim().strip_prefix("ref: ")
            && let Some(path) = git_path(reference)
        {
            println!("cargo:rerun-if-changed={path}");
        }
    }
}
