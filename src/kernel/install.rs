//! `disco kernel install`: the kernelspec Jupyter lists (`kernels/disco/kernel.json` and two
//! logos) in the user's, the active environment's or a given prefix's Jupyter data directory.

use serde_json::json;
use std::path::{Path, PathBuf};

/// Where the kernelspec goes.
pub enum Place {
    /// The user's Jupyter data directory ($JUPYTER_DATA_DIR, else ~/.local/share/jupyter).
    User,
    /// The active Python environment ($VIRTUAL_ENV or $CONDA_PREFIX)/share/jupyter.
    SysPrefix,
    /// PREFIX/share/jupyter.
    Prefix(PathBuf),
}

fn data_dir(place: &Place) -> Result<PathBuf, String> {
    match place {
        Place::User => {
            if let Some(d) = std::env::var_os("JUPYTER_DATA_DIR") {
                return Ok(PathBuf::from(d));
            }
            let home = dirs::home_dir().ok_or("no home directory")?;
            Ok(if cfg!(target_os = "macos") {
                home.join("Library/Jupyter")
            } else {
                home.join(".local/share/jupyter")
            })
        }
        Place::SysPrefix => std::env::var_os("VIRTUAL_ENV")
            .or_else(|| std::env::var_os("CONDA_PREFIX"))
            .map(|p| PathBuf::from(p).join("share/jupyter"))
            .ok_or_else(|| {
                "--sys-prefix needs an active environment ($VIRTUAL_ENV or $CONDA_PREFIX)".into()
            }),
        Place::Prefix(p) => Ok(p.join("share/jupyter")),
    }
}

/// Write the kernelspec; returns its directory.
pub fn install(place: &Place) -> Result<PathBuf, String> {
    let dir = data_dir(place)?.join("kernels/disco");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let exe = std::env::current_exe().map_err(|e| format!("where is disco? {e}"))?;
    let spec = json!({
        "argv": [exe.to_string_lossy(), "kernel", "--connection-file", "{connection_file}"],
        "display_name": "disco",
        "language": "rhai",
        "interrupt_mode": "message",
        "metadata": {"debugger": false},
    });
    let text = serde_json::to_string_pretty(&spec).map_err(|e| e.to_string())?;
    write(&dir.join("kernel.json"), text.as_bytes())?;
    for size in [32u32, 64] {
        write(&dir.join(format!("logo-{size}x{size}.png")), &logo(size)?)?;
    }
    Ok(dir)
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    crate::io::write_atomic(path, bytes)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The logo: a disordered square lattice of dots (each site jittered by a fixed seed).
fn logo(size: u32) -> Result<Vec<u8>, String> {
    use rand::Rng;
    let mut img = image::RgbaImage::new(size, size);
    let mut rng = crate::rng::from_seed(7);
    let n = 5;
    let cell = size as f64 / n as f64;
    let r = cell * 0.28;
    for i in 0..n {
        for j in 0..n {
            let cx = (i as f64 + 0.5) * cell + rng.random_range(-0.2..0.2) * cell;
            let cy = (j as f64 + 0.5) * cell + rng.random_range(-0.2..0.2) * cell;
            for x in 0..size {
                for y in 0..size {
                    let d = ((x as f64 + 0.5 - cx).powi(2) + (y as f64 + 0.5 - cy).powi(2)).sqrt();
                    let a = (r + 0.5 - d).clamp(0.0, 1.0);
                    if a > 0.0 {
                        let p = img.get_pixel_mut(x, y);
                        let alpha = (a * 255.0) as u8;
                        if alpha > p[3] {
                            *p = image::Rgba([31, 119, 180, alpha]);
                        }
                    }
                }
            }
        }
    }
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| e.to_string())?;
    Ok(out.into_inner())
}
