//! Shards on a cluster: what a sharded run records for its merge (`run.json`), where the shard
//! files live, and Slurm job arrays that run the shards and then the merge. Slurm does the
//! scheduling; this writes its batch scripts and reads its accounting.

use super::Shard;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

/// What the merge needs to run the script again: the script, its parameters, the directory it
/// ran in, and the number of shards.
#[derive(Clone, Debug, PartialEq)]
pub struct RunSpec {
    pub script: PathBuf,
    pub params: Vec<String>,
    pub cwd: PathBuf,
    pub shards: usize,
}

impl RunSpec {
    /// The spec of `script` with `params`, run from the current directory.
    pub fn new(script: &str, params: &[String], shards: usize) -> Result<RunSpec, String> {
        let script =
            std::fs::canonicalize(script).map_err(|e| format!("cannot find '{script}': {e}"))?;
        let cwd = std::env::current_dir().map_err(|e| format!("no current directory: {e}"))?;
        Ok(RunSpec {
            script,
            params: params.to_vec(),
            cwd,
            shards,
        })
    }

    /// Write `run.json` into the shard directory (atomically).
    pub fn save(&self, dir: &Path) -> Result<(), String> {
        let v = json!({
            "script": self.script.to_string_lossy(),
            "params": self.params,
            "cwd": self.cwd.to_string_lossy(),
            "shards": self.shards,
        });
        let text = serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?;
        crate::io::write_atomic_always(&dir.join("run.json"), text.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", dir.join("run.json").display()))
    }

    /// Read `run.json` from a shard directory.
    pub fn load(dir: &Path) -> Result<RunSpec, String> {
        let path = dir.join("run.json");
        let text = std::fs::read_to_string(&path).map_err(|e| {
            format!(
                "cannot read {}: {e} (is this the output folder of a sharded run?)",
                path.display()
            )
        })?;
        let v: Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let s = |k: &str| -> Result<String, String> {
            v[k].as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("{}: no '{k}'", path.display()))
        };
        Ok(RunSpec {
            script: PathBuf::from(s("script")?),
            params: v["params"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            cwd: PathBuf::from(s("cwd")?),
            shards: v["shards"].as_u64().unwrap_or(0) as usize,
        })
    }
}

/// The shard directory: the one given, else `OUT/.shards` for a script given `out=OUT`, else
/// `.shards` here.
pub fn shard_dir(params: &[String], explicit: Option<&str>) -> PathBuf {
    if let Some(d) = explicit {
        return PathBuf::from(d);
    }
    match params.iter().find_map(|p| p.strip_prefix("out=")) {
        Some(out) => Path::new(out).join(".shards"),
        None => PathBuf::from(".shards"),
    }
}

/// The shard directory of an output folder (`OUT/.shards`) or the shard directory itself.
pub fn find_shard_dir(path: &Path) -> PathBuf {
    let inner = path.join(".shards");
    if inner.join("run.json").exists() || !path.join("run.json").exists() {
        inner
    } else {
        path.to_path_buf()
    }
}

/// The shard of a Slurm array task, from `SLURM_ARRAY_TASK_ID` and `_COUNT` (ids counted from
/// `SLURM_ARRAY_TASK_MIN`), when the process runs as one.
pub fn shard_from_env() -> Option<Result<Shard, String>> {
    let get = |k: &str| std::env::var(k).ok();
    let id = get("SLURM_ARRAY_TASK_ID")?;
    let count = get("SLURM_ARRAY_TASK_COUNT")?;
    let min = get("SLURM_ARRAY_TASK_MIN").unwrap_or_else(|| "0".into());
    let parse = |s: &str, what: &str| -> Result<usize, String> {
        s.trim()
            .parse()
            .map_err(|_| format!("{what}='{s}' is not a non-negative integer"))
    };
    Some((|| {
        let (id, count, min) = (
            parse(&id, "SLURM_ARRAY_TASK_ID")?,
            parse(&count, "SLURM_ARRAY_TASK_COUNT")?,
            parse(&min, "SLURM_ARRAY_TASK_MIN")?,
        );
        Shard::parse(&format!("{}/{count}", id.saturating_sub(min)))
    })())
}

/// Options of `disco slurm`.
#[derive(Clone, Debug, Default)]
pub struct SlurmOpts {
    pub tasks: usize,
    pub time: Option<String>,
    pub partition: Option<String>,
    pub cpus: Option<usize>,
    pub mem: Option<String>,
    /// Only these shards (re-submitting the ones a merge reported missing).
    pub only: Option<Vec<usize>>,
}

/// Quote a word for a POSIX shell.
fn sh(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,@%+".contains(&b))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Write the job-array script and the merge script into `DIR/slurm/`; returns their paths.
pub fn write_sbatch(
    spec: &RunSpec,
    dir: &Path,
    o: &SlurmOpts,
    exe: &Path,
) -> Result<(PathBuf, PathBuf), String> {
    let dir = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        spec.cwd.join(dir)
    };
    let logs = dir.join("logs");
    let slurm = dir.join("slurm");
    for d in [&logs, &slurm] {
        std::fs::create_dir_all(d).map_err(|e| format!("cannot create {}: {e}", d.display()))?;
    }
    let name = spec
        .script
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "script".into());
    let array = match &o.only {
        Some(list) => list
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(","),
        None => format!("0-{}", o.tasks - 1),
    };
    let mut common = vec![format!(
        "#SBATCH --chdir={}",
        sh(&spec.cwd.to_string_lossy())
    )];
    if let Some(t) = &o.time {
        common.push(format!("#SBATCH --time={}", sh(t)));
    }
    if let Some(p) = &o.partition {
        common.push(format!("#SBATCH --partition={}", sh(p)));
    }
    if let Some(m) = &o.mem {
        common.push(format!("#SBATCH --mem={}", sh(m)));
    }
    let params: String = spec.params.iter().map(|p| format!(" {}", sh(p))).collect();
    let exe = sh(&exe.to_string_lossy());
    let dirq = sh(&dir.to_string_lossy());
    let cpus = o
        .cpus
        .map(|c| format!("#SBATCH --cpus-per-task={c}\n"))
        .unwrap_or_default();
    let threads = if o.cpus.is_some() {
        " --threads \"$SLURM_CPUS_PER_TASK\""
    } else {
        ""
    };
    let array_text = format!(
        "#!/bin/sh\n#SBATCH --job-name=disco-{name}\n#SBATCH --array={array}\n#SBATCH --output={}/task-%a.log\n{cpus}{}\n# one shard of the script's ensembles per array task; `disco merge` assembles them\nexec {exe} --quiet{threads} run {} --shard \"$SLURM_ARRAY_TASK_ID/{}\" --shard-dir {dirq}{params}\n",
        sh(&logs.to_string_lossy()),
        common.join("\n"),
        sh(&spec.script.to_string_lossy()),
        o.tasks,
    );
    let merge_text = format!(
        "#!/bin/sh\n#SBATCH --job-name=disco-{name}-merge\n#SBATCH --output={}/merge.log\n{}\nexec {exe} --quiet merge {dirq}\n",
        sh(&logs.to_string_lossy()),
        common.join("\n"),
    );
    let a = slurm.join("array.sbatch");
    let m = slurm.join("merge.sbatch");
    crate::io::write_atomic_always(&a, array_text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", a.display()))?;
    crate::io::write_atomic_always(&m, merge_text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", m.display()))?;
    Ok((a, m))
}

fn sbatch(args: &[&str]) -> Result<String, String> {
    let out = Command::new("sbatch")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run sbatch ({e}): is Slurm installed on this machine?"))?;
    if !out.status.success() {
        return Err(format!(
            "sbatch {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    // --parsable: "jobid" or "jobid;cluster"
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text
        .trim()
        .split(';')
        .next()
        .unwrap_or_default()
        .to_string())
}

/// Submit the array, then the merge with `--dependency=afterok` on it; records the job ids in
/// `DIR/slurm/jobs.json`. Returns (array id, merge id).
pub fn submit(dir: &Path, array: &Path, merge: &Path) -> Result<(String, String), String> {
    let a = sbatch(&["--parsable", &array.to_string_lossy()])?;
    let m = sbatch(&[
        "--parsable",
        &format!("--dependency=afterok:{a}"),
        "--kill-on-invalid-dep=yes",
        &merge.to_string_lossy(),
    ])?;
    let jobs = dir.join("slurm").join("jobs.json");
    let mut all: Vec<Value> = std::fs::read_to_string(&jobs)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    all.push(json!({"array": a, "merge": m}));
    let text = serde_json::to_string_pretty(&all).map_err(|e| e.to_string())?;
    crate::io::write_atomic_always(&jobs, text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", jobs.display()))?;
    Ok((a, m))
}

/// The state of the run's jobs, from `sacct` (or `squeue` where accounting is off).
pub fn status(dir: &Path) -> Result<String, String> {
    let jobs = dir.join("slurm").join("jobs.json");
    let text = std::fs::read_to_string(&jobs).map_err(|e| {
        format!(
            "cannot read {}: {e} (was the run submitted with --submit?)",
            jobs.display()
        )
    })?;
    let all: Vec<Value> =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", jobs.display()))?;
    let ids: Vec<String> = all
        .iter()
        .flat_map(|j| [j["array"].as_str(), j["merge"].as_str()])
        .flatten()
        .map(str::to_string)
        .collect();
    if ids.is_empty() {
        return Err(format!("{}: no jobs recorded", jobs.display()));
    }
    let list = ids.join(",");
    let sacct = Command::new("sacct")
        .args([
            "-X",
            "-n",
            "-P",
            "-j",
            &list,
            "--format=JobID,JobName,State,ExitCode,Elapsed",
        ])
        .output();
    if let Ok(out) = &sacct {
        let text = String::from_utf8_lossy(&out.stdout);
        if out.status.success() && !text.trim().is_empty() {
            let mut s = String::from("job\tname\tstate\texit\telapsed\n");
            for line in text.lines() {
                s.push_str(&line.replace('|', "\t"));
                s.push('\n');
            }
            return Ok(s);
        }
    }
    let out = Command::new("squeue")
        .args(["-h", "-j", &list, "-o", "%i\t%j\t%T\t%M\t%R"])
        .output()
        .map_err(|e| format!("cannot run sacct or squeue ({e}): is Slurm installed here?"))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    Ok(if text.trim().is_empty() {
        format!(
            "jobs {list}: not in the queue (finished; accounting is off, so see the logs in {})\n",
            dir.join("logs").display()
        )
    } else {
        format!("job\tname\tstate\ttime\treason\n{text}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_dir_follows_the_out_parameter() {
        assert_eq!(
            shard_dir(&["n=3".into(), "out=res".into()], None),
            Path::new("res/.shards")
        );
        assert_eq!(shard_dir(&[], None), Path::new(".shards"));
        assert_eq!(shard_dir(&["out=res".into()], Some("x")), Path::new("x"));
    }

    #[test]
    fn shell_words_are_quoted() {
        assert_eq!(sh("out=a/b"), "out=a/b");
        assert_eq!(sh("a b"), "'a b'");
        assert_eq!(sh("it's"), "'it'\\''s'");
    }
}
