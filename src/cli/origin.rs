//! Where an apply comes from, for its history entry: who applies (the
//! `--actor` flag, then CI's user, then the OS account) and which revision
//! of the config (`--revision`, then CI's commit, then the git HEAD of the
//! config's folder).

use std::path::{Path, PathBuf};

use super::settings::Settings;

/// Who applies.
pub(super) fn actor(flag: Option<&str>, settings: &Settings) -> String {
    flag.map(str::to_string)
        .or_else(|| settings.actor.clone())
        .or_else(account_name)
        .unwrap_or_else(|| "unknown".into())
}

/// The config's revision, when known; `dir` is the config's folder.
pub(super) fn revision(
    flag: Option<&str>,
    settings: &Settings,
    dir: Option<&Path>,
) -> Option<String> {
    flag.map(str::to_string)
        .or_else(|| settings.ci_revision.clone())
        .or_else(|| git_head(dir))
}

/// The folder whose git HEAD names the config's revision.
pub(super) fn config_dir(path: &Path) -> Option<PathBuf> {
    let dir = if path.is_dir() {
        path.to_path_buf()
    } else {
        path.parent()?.to_path_buf()
    };
    Some(if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    })
}

/// The git HEAD of the config's folder.
fn git_head(dir: Option<&Path>) -> Option<String> {
    let output = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(dir?)
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let head = String::from_utf8(output.stdout).ok()?;
    (output.status.success() && !head.trim().is_empty()).then(|| head.trim().to_string())
}

/// The name of the account the process runs as, from the user database:
/// containers and service managers often set no `USER`.
#[cfg(target_os = "linux")]
fn account_name() -> Option<String> {
    let mut entry = std::mem::MaybeUninit::<libc::passwd>::uninit();
    let mut buffer = vec![0 as libc::c_char; 16 * 1024];
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: getpwuid_r writes the entry into `entry`, its strings into
    // `buffer` (whose length it is given), and sets `found` to `entry` on
    // success or to null; the name is read only on success, while `buffer`
    // is alive.
    unsafe {
        let code = libc::getpwuid_r(
            libc::getuid(),
            entry.as_mut_ptr(),
            buffer.as_mut_ptr(),
            buffer.len(),
            &mut found,
        );
        if code != 0 || found.is_null() {
            return None;
        }
        let name = std::ffi::CStr::from_ptr((*found).pw_name);
        name.to_str().ok().map(str::to_string)
    }
}

#[cfg(not(target_os = "linux"))]
fn account_name() -> Option<String> {
    None
}
