//! `--resume` and `--checkpoint`: the checkpoint of a failed or interrupted walk
//! in a file, and a walk continued from one (the SDK's `Checkpoint`, as JSON).

use crate::failure::{Failure, describe_io};
use crate::term::escape;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use tallyfy_ext::Checkpoint;

/// Largest checkpoint file read: the id set of a walk of millions of members fits.
const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Reads the checkpoint `--resume` names; any problem is the caller's (exit 2).
pub fn read(path: &Path) -> Result<Checkpoint, Failure> {
    let shown = escape(&path.display().to_string());
    let bad = |why: String| Failure::Usage(format!("--resume {shown}: {why}"));
    let file = std::fs::File::open(path).map_err(|e| bad(describe_io(&e)))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| bad(describe_io(&e)))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(bad(format!("larger than {MAX_FILE_BYTES} bytes")));
    }
    serde_json::from_slice(&bytes).map_err(|e| bad(format!("not a tallyfy checkpoint: {e}")))
}

/// Writes `checkpoint` to `path`, or to a new file in the temp directory; returns
/// where it went.
pub fn write(path: Option<&Path>, checkpoint: &Checkpoint) -> io::Result<PathBuf> {
    let path = match path {
        Some(path) => path.to_owned(),
        None => {
            let stamp = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis());
            std::env::temp_dir().join(format!(
                "tallyfy-checkpoint-{}-{stamp}.json",
                std::process::id()
            ))
        }
    };
    std::fs::write(&path, serde_json::to_vec(checkpoint)?)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_is_not_a_checkpoint_is_a_usage_error_naming_it() {
        let dir = std::env::temp_dir().join(format!("tallyfy-cp-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bad\u{1b}[31m.json");
        std::fs::write(&path, b"{\"operation\": 3}").unwrap();
        match read(&path) {
            Err(Failure::Usage(message)) => {
                assert!(message.contains("not a tallyfy checkpoint"), "{message}");
                assert!(!message.contains('\u{1b}'), "escaped: {message}");
            }
            other => panic!("{other:?}"),
        }
        match read(&dir.join("missing.json")) {
            Err(Failure::Usage(message)) => assert!(message.contains("missing.json"), "{message}"),
            other => panic!("{other:?}"),
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
