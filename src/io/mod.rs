//! Data files: `.npy` (to and from numpy), `.csv` and `.json`. Every write is atomic: the data
//! goes to a temporary file in the same directory which is then renamed over the target, so an
//! interrupted run never leaves a half-written file.

pub mod script;

use crate::array::NdArray;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Write `bytes` to `path` atomically (temp file + fsync + rename), creating parent directories.
/// A target that exists and is not a regular file (a FIFO, `/dev/stdout`, `/dev/null`) is
/// written through, never replaced; a directory is an error. The temporary file is
/// `.NAME.tmpPID` beside the target: removed on SIGINT/SIGTERM (`remove_temps_on_signals`), and
/// swept by the next write to the same target when its process is gone (after `kill -9`).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if DISCARD_WRITES.load(std::sync::atomic::Ordering::Relaxed) {
        if !DISCARD_NOTED.swap(true, std::sync::atomic::Ordering::Relaxed) {
            eprintln!(
                "note: shard run: the script's own files ({} and the rest) are written by the merge, not here",
                path.display()
            );
        }
        return Ok(());
    }
    write_atomic_always(path, bytes)
}

static DISCARD_WRITES: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
static DISCARD_NOTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Make the script's writes (`save`, figures, models) do nothing: a shard's results hold NaN for
/// the other shards' realizations, so only the merge writes the script's files.
pub fn discard_script_writes(on: bool) {
    DISCARD_WRITES.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// Whether the script's writes are being discarded (a shard run).
pub fn discarding_script_writes() -> bool {
    DISCARD_WRITES.load(std::sync::atomic::Ordering::Relaxed)
}

/// `write_atomic`, also in a shard run (for the run's own bookkeeping files).
pub fn write_atomic_always(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.is_dir() {
            return Err(std::io::Error::other("it is a directory"));
        }
        if !meta.is_file() {
            let mut f = std::fs::OpenOptions::new().write(true).open(path)?;
            f.write_all(bytes)?;
            return f.flush();
        }
    }
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir)?;
        }
    }
    let name = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    sweep_stale_temps(path, &name);
    let tmp: PathBuf = path.with_file_name(format!(".{name}.tmp{}", std::process::id()));
    let slot = in_flight::register(&tmp);
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    in_flight::release(slot);
    result
}

/// Remove `.NAME.tmpPID` files beside `path` whose process no longer runs (left by a killed
/// run).
fn sweep_stale_temps(path: &Path, name: &str) {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let prefix = format!(".{name}.tmp");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = file.strip_prefix(&prefix) else {
            continue;
        };
        if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let alive =
            pid == std::process::id().to_string() || Path::new(&format!("/proc/{pid}")).exists();
        if !alive {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// The temporary files being written now, reachable from a signal handler: a few slots of
/// leaked C strings behind atomic pointers (no lock, no allocation in the handler).
mod in_flight {
    use std::ffi::CString;
    use std::sync::atomic::{AtomicPtr, Ordering};

    const SLOTS: usize = 16;
    static TEMPS: [AtomicPtr<libc::c_char>; SLOTS] =
        [const { AtomicPtr::new(std::ptr::null_mut()) }; SLOTS];

    /// Note a temporary file; the slot to release (None when all are taken: it then goes
    /// unremoved on a signal, and is swept by the next write instead).
    pub fn register(p: &std::path::Path) -> Option<usize> {
        use std::os::unix::ffi::OsStrExt;
        let c = CString::new(p.as_os_str().as_bytes()).ok()?.into_raw();
        for (i, slot) in TEMPS.iter().enumerate() {
            if slot
                .compare_exchange(std::ptr::null_mut(), c, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
            {
                return Some(i);
            }
        }
        // SAFETY: `c` came from `into_raw` above and was stored nowhere
        drop(unsafe { CString::from_raw(c) });
        None
    }

    /// The write is over: forget its temporary file.
    pub fn release(slot: Option<usize>) {
        if let Some(i) = slot {
            let c = TEMPS[i].swap(std::ptr::null_mut(), Ordering::SeqCst);
            if !c.is_null() {
                // SAFETY: only `register` stores pointers, from `into_raw`
                drop(unsafe { CString::from_raw(c) });
            }
        }
    }

    /// In a signal handler: unlink every noted temporary file (async-signal-safe calls only).
    pub fn unlink_all() {
        for slot in &TEMPS {
            let c = slot.load(Ordering::SeqCst);
            if !c.is_null() {
                // SAFETY: a valid C string until `release`, which this process no longer reaches
                unsafe { libc::unlink(c) };
            }
        }
    }
}

/// On SIGINT and SIGTERM, remove the temporary files of writes under way, then die of the
/// signal as before (`disco run` and `eval`; the REPL handles Ctrl-C itself).
pub fn remove_temps_on_signals() {
    extern "C" fn handler(sig: libc::c_int) {
        in_flight::unlink_all();
        // SAFETY: restoring the default disposition and re-raising are async-signal-safe
        unsafe {
            libc::signal(sig, libc::SIG_DFL);
            libc::raise(sig);
        }
    }
    // SAFETY: installs a handler that makes only async-signal-safe calls
    unsafe {
        libc::signal(libc::SIGINT, handler as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, handler as *const () as libc::sighandler_t);
    }
}

/// Encode an array as `.npy` (little-endian f64, C order) with the `ndarray-npy` crate.
pub fn npy_bytes(a: &NdArray) -> Result<Vec<u8>, String> {
    use ndarray_npy::WriteNpyExt;
    let mut out = Vec::with_capacity(128 + 8 * a.size());
    a.view()
        .as_standard_layout()
        .write_npy(&mut out)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

/// The bytes of a complex128 `.npy` file (numpy reads it as complex128).
pub fn npy_bytes_complex(a: &crate::array::complex::CArray) -> Result<Vec<u8>, String> {
    use ndarray_npy::WriteNpyExt;
    let mut out = Vec::with_capacity(128 + 16 * a.len());
    a.view()
        .as_standard_layout()
        .write_npy(&mut out)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

/// Decode a complex `.npy` file (c16 or c8), or None when the file holds real data.
pub fn parse_npy_complex(bytes: &[u8]) -> Option<Result<crate::array::complex::CArray, String>> {
    use ndarray::ArrayD;
    use ndarray_npy::ReadNpyExt;
    let head = &bytes[..bytes.len().min(256)];
    let text = String::from_utf8_lossy(head);
    if !(text.contains("<c16") || text.contains("<c8")) {
        return None;
    }
    if let Err(e) = check_npy_size(bytes) {
        return Some(Err(e));
    }
    Some(if text.contains("<c16") {
        ArrayD::<faer::c64>::read_npy(bytes)
            .map(crate::array::complex::CArray::new)
            .map_err(|e| e.to_string())
    } else {
        ArrayD::<num_complex::Complex<f32>>::read_npy(bytes)
            .map(|a| {
                crate::array::complex::CArray::new(
                    a.mapv(|z| faer::c64::new(f64::from(z.re), f64::from(z.im))),
                )
            })
            .map_err(|e| e.to_string())
    })
}

/// Decode a `.npy` file of f8, f4, i8, i4, u1 or bool data into f64.
pub fn parse_npy(bytes: &[u8]) -> Result<NdArray, String> {
    use ndarray::ArrayD;
    use ndarray_npy::ReadNpyExt;
    check_npy_size(bytes)?;
    let first = match ArrayD::<f64>::read_npy(bytes) {
        Ok(a) => return Ok(NdArray::new(a)),
        Err(e) => e.to_string(),
    };
    if let Ok(a) = ArrayD::<f32>::read_npy(bytes) {
        return Ok(NdArray::new(a.mapv(f64::from)));
    }
    if let Ok(a) = ArrayD::<i64>::read_npy(bytes) {
        return Ok(NdArray::new(a.mapv(|x| x as f64)));
    }
    if let Ok(a) = ArrayD::<i32>::read_npy(bytes) {
        return Ok(NdArray::new(a.mapv(f64::from)));
    }
    if let Ok(a) = ArrayD::<u8>::read_npy(bytes) {
        return Ok(NdArray::new(a.mapv(f64::from)));
    }
    if let Ok(a) = ArrayD::<bool>::read_npy(bytes) {
        return Ok(NdArray::new(a.mapv(|x| if x { 1.0 } else { 0.0 })));
    }
    Err(format!(
        "{first} (f8, f4, i8, i4, u1 and bool arrays are read)"
    ))
}

/// The header's shape and element size against the bytes that follow it: a header that claims
/// more data than the file holds (a truncated or edited file) is an error before anything is
/// allocated for it.
fn check_npy_size(bytes: &[u8]) -> Result<(), String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("not a .npy file (no \\x93NUMPY magic)".into());
    }
    let (len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        _ if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        _ => return Err("truncated .npy header".into()),
    };
    let header = bytes
        .get(start..start + len)
        .map(String::from_utf8_lossy)
        .ok_or("truncated .npy header")?;
    let field = |key: &str| -> Option<String> {
        let i = header.find(key)? + key.len();
        Some(header[i..].trim_start_matches([':', ' ']).to_string())
    };
    let descr = field("'descr'").ok_or("the .npy header has no 'descr'")?;
    let item: u128 = descr
        .trim_start_matches(['\'', '<', '>', '|', '='])
        .chars()
        .skip_while(|c| c.is_alphabetic())
        .take_while(|c| c.is_ascii_digit())
        .collect::<String>()
        .parse()
        .map_err(|_| format!("cannot read the element type {descr:.12}"))?;
    let shape = field("'shape'").ok_or("the .npy header has no 'shape'")?;
    let dims = shape
        .trim_start_matches('(')
        .split(')')
        .next()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| {
            d.parse::<u128>()
                .map_err(|_| format!("bad dimension '{d}' in the .npy header"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let need = dims
        .iter()
        .try_fold(item, |acc, d| acc.checked_mul(*d))
        .ok_or("the .npy header's shape overflows")?;
    let have = (bytes.len() - start - len) as u128;
    if need > have {
        return Err(format!(
            "the header claims shape {dims:?} of {item}-byte elements ({}), but the file holds {} \
             of data (truncated or edited?)",
            crate::args::human_bytes(need),
            crate::args::human_bytes(have)
        ));
    }
    Ok(())
}

/// CSV text of a 1D (one column) or 2D array, full precision.
pub fn csv_text(a: &NdArray, header: Option<&[String]>) -> Result<String, String> {
    let mut s = String::new();
    if let Some(h) = header {
        s.push_str(&h.join(","));
        s.push('\n');
    }
    match a.ndim() {
        1 => {
            for x in a.view().iter() {
                s.push_str(&format!("{x:?}\n"));
            }
        }
        2 => {
            for row in a.view().outer_iter() {
                let cells: Vec<String> = row.iter().map(|x| format!("{x:?}")).collect();
                s.push_str(&cells.join(","));
                s.push('\n');
            }
        }
        _ => {
            return Err(format!(
                "CSV holds 1D or 2D arrays, got shape {:?}",
                a.shape()
            ))
        }
    }
    Ok(s)
}

/// Parse CSV of numbers. A first line that is not numeric is taken as the header.
pub fn parse_csv(text: &str) -> Result<(Option<Vec<String>>, NdArray), String> {
    let mut header: Option<Vec<String>> = None;
    let mut rows: Vec<Vec<f64>> = Vec::new();
    for (ln, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        let parsed: Result<Vec<f64>, _> = cells.iter().map(|c| c.parse::<f64>()).collect();
        match parsed {
            Ok(r) => {
                if let Some(first) = rows.first() {
                    if first.len() != r.len() {
                        return Err(format!(
                            "line {}: {} columns, expected {}",
                            ln + 1,
                            r.len(),
                            first.len()
                        ));
                    }
                }
                rows.push(r);
            }
            Err(_) if rows.is_empty() && header.is_none() => {
                header = Some(cells.iter().map(|s| s.to_string()).collect());
            }
            Err(e) => return Err(format!("line {}: not a number: {e}", ln + 1)),
        }
    }
    // a header alone is an empty table with its columns: shape [0, ncol]
    let ncol = rows
        .first()
        .map(|r| r.len())
        .or(header.as_ref().map(|h| h.len()))
        .unwrap_or(0);
    let nrow = rows.len();
    let data: Vec<f64> = rows.into_iter().flatten().collect();
    let arr = if ncol == 1 {
        NdArray::from_vec(data)
    } else {
        NdArray::from_2d(nrow, ncol, data)?
    };
    Ok((header, arr))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npy_roundtrip_and_header_alignment() {
        let a = NdArray::from_2d(2, 3, vec![1.0, -2.5, 3.0, 4.0, 5.0, f64::NAN]).unwrap();
        let b = npy_bytes(&a).unwrap();
        assert_eq!(&b[..6], b"\x93NUMPY");
        let c = parse_npy(&b).unwrap();
        assert_eq!(c.shape(), &[2, 3]);
        assert_eq!(c.to_vec()[..5], a.to_vec()[..5]);
        assert!(c.to_vec()[5].is_nan());
        assert!(parse_npy(b"garbage").is_err());
    }

    #[test]
    fn csv_roundtrip_with_header() {
        let a = NdArray::from_2d(2, 2, vec![0.1, 2.0, 3.0, 1e-300]).unwrap();
        let t = csv_text(&a, Some(&["x".into(), "y".into()])).unwrap();
        let (h, b) = parse_csv(&t).unwrap();
        assert_eq!(h.unwrap(), vec!["x", "y"]);
        assert_eq!(b, a);
        assert!(parse_csv("1,2\n3\n").is_err());
    }

    #[test]
    fn atomic_write_leaves_no_temp_file() {
        let dir = std::env::temp_dir().join(format!("disco-io-{}", std::process::id()));
        let p = dir.join("sub/x.txt");
        write_atomic(&p, b"hello").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"hello");
        let n = std::fs::read_dir(p.parent().unwrap()).unwrap().count();
        assert_eq!(n, 1);
        let _ = std::fs::remove_dir_all(dir);
    }
}
