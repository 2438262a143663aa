//! Ensembles of realizations, in plain Rust: what one realization returns (`Sample`), the
//! blocks realizations are grouped in, the streaming mean and standard error that reduce them
//! (Welford within a block, Chan's pairwise merge across blocks), and the record file that keeps
//! finished blocks (checkpoints and shards).
//!
//! Determinism is by construction: realization i's random stream depends only on the ensemble's
//! seed and i; a block is the fixed range `b·B .. (b+1)·B`, folded in index order; blocks are
//! merged in block order. Which thread, shard or restart computed a block changes nothing.

pub mod cluster;
pub mod script;

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Realizations per block: the unit of checkpointing, sharding and of the reduction's fold order.
pub const BLOCK: usize = 16;

/// What one realization returned: a number, an array (shape + row-major data) or a map of them.
#[derive(Clone, Debug, PartialEq)]
pub enum Sample {
    Num(f64),
    Arr(Vec<usize>, Vec<f64>),
    Map(BTreeMap<String, Sample>),
}

impl Sample {
    /// Every leaf as (key, shape, values), in layout order: `""` and `[]` for a bare number.
    fn entries(&self) -> Vec<(&str, &[usize], &[f64])> {
        fn walk<'a>(s: &'a Sample, key: &'a str, out: &mut Vec<(&'a str, &'a [usize], &'a [f64])>) {
            match s {
                Sample::Num(x) => out.push((key, &[], std::slice::from_ref(x))),
                Sample::Arr(shape, d) => out.push((key, shape, d)),
                Sample::Map(m) => m.iter().for_each(|(k, v)| walk(v, k, out)),
            }
        }
        let mut out = Vec::new();
        walk(self, "", &mut out);
        out
    }

    /// The shape of every leaf (`[]` for a number), keyed by path (`""` for a bare value).
    pub fn layout(&self) -> Layout {
        Layout(
            self.entries()
                .into_iter()
                .map(|(k, shape, _)| (k.to_string(), shape.to_vec()))
                .collect(),
        )
    }

    /// Every leaf's values, in layout order.
    pub fn leaves(&self) -> Vec<&[f64]> {
        self.entries().into_iter().map(|(_, _, d)| d).collect()
    }
}

/// The keys and shapes of a sample: every realization of an ensemble must have the same.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout(pub BTreeMap<String, Vec<usize>>);

impl Layout {
    /// Why `other` differs from `self`, in words, or None when they agree.
    pub fn mismatch(&self, other: &Layout) -> Option<String> {
        if self == other {
            return None;
        }
        let keys = |l: &Layout| l.0.keys().cloned().collect::<Vec<_>>();
        if keys(self) != keys(other) {
            return Some(format!(
                "keys {:?} where the first realization returned {:?}",
                keys(other),
                keys(self)
            ));
        }
        for (k, s) in &self.0 {
            let o = &other.0[k];
            if s != o {
                let what = if k.is_empty() {
                    String::new()
                } else {
                    format!("'{k}' ")
                };
                return Some(format!(
                    "{what}shape {o:?} where the first realization returned {s:?}"
                ));
            }
        }
        None
    }
    /// Values per sample.
    pub fn size(&self) -> usize {
        self.0.values().map(|s| s.iter().product::<usize>()).sum()
    }
}

/// A block's contribution: its samples (stacking), or their running moments (reduction).
#[derive(Clone, Debug, PartialEq)]
pub enum BlockData {
    Samples(Vec<Sample>),
    Moments(Moments),
}

/// Count, mean and sum of squared deviations of every value of a sample, element-wise
/// (Welford's update; `merge` is Chan et al.'s pairwise combination).
#[derive(Clone, Debug, PartialEq)]
pub struct Moments {
    pub count: u64,
    /// The first sample, for its layout (and shapes) on output.
    pub template: Sample,
    pub mean: Vec<f64>,
    pub m2: Vec<f64>,
}

impl Moments {
    /// The moments of one sample.
    pub fn of(s: &Sample) -> Self {
        let mean: Vec<f64> = s.leaves().concat();
        let m2 = vec![0.0; mean.len()];
        Moments {
            count: 1,
            template: s.clone(),
            mean,
            m2,
        }
    }
    /// Welford: add one sample (same layout).
    pub fn push(&mut self, s: &Sample) {
        self.count += 1;
        let n = self.count as f64;
        let mut i = 0;
        for leaf in s.leaves() {
            for &x in leaf {
                let d = x - self.mean[i];
                self.mean[i] += d / n;
                self.m2[i] += d * (x - self.mean[i]);
                i += 1;
            }
        }
    }
    /// Chan's combination of two disjoint sets' moments (self first, in index order).
    pub fn merge(&mut self, o: &Moments) {
        let (na, nb) = (self.count as f64, o.count as f64);
        let n = na + nb;
        for i in 0..self.mean.len() {
            let d = o.mean[i] - self.mean[i];
            self.mean[i] += d * nb / n;
            self.m2[i] += o.m2[i] + d * d * na * nb / n;
        }
        self.count += o.count;
    }
}

/// Which blocks a shard computes: block b belongs to shard b mod count (round robin, so a slow
/// region of the parameter range is spread over the shards).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// Parse `i/n` (0 ≤ i < n).
    pub fn parse(s: &str) -> Result<Shard, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("shard '{s}' is not of the form i/n (e.g. 0/4)"))?;
        let index: usize = i
            .trim()
            .parse()
            .map_err(|_| format!("shard '{s}': '{i}' is not a non-negative integer"))?;
        let count: usize = n
            .trim()
            .parse()
            .map_err(|_| format!("shard '{s}': '{n}' is not a positive integer"))?;
        if count == 0 || index >= count {
            return Err(format!("shard '{s}': need 0 <= i < n"));
        }
        Ok(Shard { index, count })
    }
    /// Whether block `b` is this shard's.
    pub fn owns(&self, b: usize) -> bool {
        b % self.count == self.index
    }
}

/// Number of blocks of an ensemble of n realizations.
pub fn blocks(n: usize) -> usize {
    n.div_ceil(BLOCK)
}

/// What identifies an ensemble in its record files: a file written for another ensemble (other n,
/// seed, closure or reduction) is refused, not silently mixed in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fingerprint {
    pub n: u64,
    pub seed: u64,
    pub closure: String,
    pub reduce: String,
}

impl Fingerprint {
    fn line(&self) -> String {
        format!(
            "n={} seed={} closure={} reduce={} block={}",
            self.n, self.seed, self.closure, self.reduce, BLOCK
        )
    }
}

const MAGIC: &[u8] = b"disco-ensemble 1\n";

/// An append-only file of finished blocks. Each record is `[len u32][payload][fnv u64]` and is
/// synced before the next batch starts, so a run killed at any point leaves whole records plus
/// at most one torn tail, which the next open cuts off.
#[derive(Debug)]
pub struct RecordFile {
    file: std::fs::File,
    path: PathBuf,
}

impl RecordFile {
    /// Open (or create) `path` for `fp`, returning the blocks already in it.
    pub fn open(
        path: &Path,
        fp: &Fingerprint,
    ) -> Result<(RecordFile, Vec<(usize, BlockData)>), String> {
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            }
        }
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let header = [MAGIC, fp.line().as_bytes(), b"\n"].concat();
        let mut found = Vec::new();
        if bytes.is_empty() {
            file.write_all(&header)
                .and_then(|_| file.sync_data())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        } else {
            if !bytes.starts_with(MAGIC) {
                return Err(format!(
                    "{} is not an ensemble record file; remove it or choose another name",
                    path.display()
                ));
            }
            if !bytes.starts_with(&header) {
                let theirs = bytes[MAGIC.len()..]
                    .split(|&b| b == b'\n')
                    .next()
                    .map(|l| String::from_utf8_lossy(l).into_owned())
                    .unwrap_or_default();
                return Err(format!(
                    "{} holds another ensemble ({theirs}) than this one ({}); remove it to start afresh",
                    path.display(),
                    fp.line()
                ));
            }
            let mut at = header.len();
            while let Some((next, block)) = read_record(&bytes, at) {
                found.push(block);
                at = next;
            }
            if at < bytes.len() {
                // a torn record from a killed run: cut it off
                file.set_len(at as u64)
                    .map_err(|e| format!("cannot truncate {}: {e}", path.display()))?;
            }
            file.seek(SeekFrom::Start(at as u64))
                .map_err(|e| format!("cannot seek {}: {e}", path.display()))?;
        }
        Ok((
            RecordFile {
                file,
                path: path.to_path_buf(),
            },
            found,
        ))
    }

    /// Append finished blocks and sync them to disk.
    pub fn append(&mut self, blocks: &[(usize, &BlockData)]) -> Result<(), String> {
        let mut buf = Vec::new();
        for (b, data) in blocks {
            let mut payload = Vec::new();
            put_u64(&mut payload, *b as u64);
            encode_block(data, &mut payload);
            buf.extend_from_slice(&(payload.len() as u32).to_le_bytes());
            buf.extend_from_slice(&payload);
            buf.extend_from_slice(&fnv(&payload).to_le_bytes());
        }
        self.file
            .write_all(&buf)
            .and_then(|_| self.file.sync_data())
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))
    }
}

/// Read every record of a record file written for `fp` (for merging shards); None when the file
/// does not exist.
pub fn read_records(
    path: &Path,
    fp: &Fingerprint,
) -> Result<Option<Vec<(usize, BlockData)>>, String> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let header = [MAGIC, fp.line().as_bytes(), b"\n"].concat();
    if !bytes.starts_with(&header) {
        return Err(format!(
            "{} was written for another ensemble than this one ({}): did the script or its parameters change between the shards and the merge?",
            path.display(),
            fp.line()
        ));
    }
    let mut at = header.len();
    let mut found = Vec::new();
    while let Some((next, block)) = read_record(&bytes, at) {
        found.push(block);
        at = next;
    }
    Ok(Some(found))
}

fn read_record(bytes: &[u8], at: usize) -> Option<(usize, (usize, BlockData))> {
    let len = u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as usize;
    let payload = bytes.get(at + 4..at + 4 + len)?;
    let sum = u64::from_le_bytes(bytes.get(at + 4 + len..at + 12 + len)?.try_into().ok()?);
    if fnv(payload) != sum {
        return None;
    }
    let mut r = Reader(payload);
    let b = r.u64()? as usize;
    let data = decode_block(&mut r)?;
    Some((at + 12 + len, (b, data)))
}

pub(crate) fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn put_u64(out: &mut Vec<u8>, x: u64) {
    out.extend_from_slice(&x.to_le_bytes());
}

fn encode_sample(s: &Sample, out: &mut Vec<u8>) {
    match s {
        Sample::Num(x) => {
            out.push(0);
            out.extend_from_slice(&x.to_bits().to_le_bytes());
        }
        Sample::Arr(shape, data) => {
            out.push(1);
            put_u64(out, shape.len() as u64);
            shape.iter().for_each(|&d| put_u64(out, d as u64));
            data.iter()
                .for_each(|x| out.extend_from_slice(&x.to_bits().to_le_bytes()));
        }
        Sample::Map(m) => {
            out.push(2);
            put_u64(out, m.len() as u64);
            for (k, v) in m {
                put_u64(out, k.len() as u64);
                out.extend_from_slice(k.as_bytes());
                encode_sample(v, out);
            }
        }
    }
}

fn encode_block(d: &BlockData, out: &mut Vec<u8>) {
    match d {
        BlockData::Samples(v) => {
            out.push(0);
            put_u64(out, v.len() as u64);
            v.iter().for_each(|s| encode_sample(s, out));
        }
        BlockData::Moments(m) => {
            out.push(1);
            put_u64(out, m.count);
            encode_sample(&m.template, out);
            put_u64(out, m.mean.len() as u64);
            m.mean
                .iter()
                .for_each(|x| out.extend_from_slice(&x.to_bits().to_le_bytes()));
            m.m2.iter()
                .for_each(|x| out.extend_from_slice(&x.to_bits().to_le_bytes()));
        }
    }
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        if self.0.len() < n {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u64(&mut self) -> Option<u64> {
        self.take(8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes)
    }
    fn f64s(&mut self, n: usize) -> Option<Vec<f64>> {
        let b = self.take(n.checked_mul(8)?)?;
        Some(
            b.chunks_exact(8)
                .map(|c| {
                    f64::from_bits(u64::from_le_bytes([
                        c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
                    ]))
                })
                .collect(),
        )
    }
}

fn decode_sample(r: &mut Reader) -> Option<Sample> {
    match r.u8()? {
        0 => Some(Sample::Num(r.f64s(1)?[0])),
        1 => {
            let nd = r.u64()? as usize;
            if nd > 64 {
                return None;
            }
            let shape: Vec<usize> = (0..nd)
                .map(|_| r.u64().map(|d| d as usize))
                .collect::<Option<_>>()?;
            let size = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d))?;
            Some(Sample::Arr(shape, r.f64s(size)?))
        }
        2 => {
            let n = r.u64()? as usize;
            let mut m = BTreeMap::new();
            for _ in 0..n {
                let kl = r.u64()? as usize;
                let k = String::from_utf8(r.take(kl)?.to_vec()).ok()?;
                m.insert(k, decode_sample(r)?);
            }
            Some(Sample::Map(m))
        }
        _ => None,
    }
}

fn decode_block(r: &mut Reader) -> Option<BlockData> {
    match r.u8()? {
        0 => {
            let n = r.u64()? as usize;
            if n > BLOCK {
                return None;
            }
            let v = (0..n)
                .map(|_| decode_sample(r))
                .collect::<Option<Vec<_>>>()?;
            Some(BlockData::Samples(v))
        }
        1 => {
            let count = r.u64()?;
            let template = decode_sample(r)?;
            let len = r.u64()? as usize;
            let mean = r.f64s(len)?;
            let m2 = r.f64s(len)?;
            Some(BlockData::Moments(Moments {
                count,
                template,
                mean,
                m2,
            }))
        }
        _ => None,
    }
}

/// Mean, standard deviation (ddof = 1) and standard error of the mean of merged moments.
pub fn mean_std_err(m: &Moments) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let n = m.count as f64;
    let std: Vec<f64> =
        m.m2.iter()
            .map(|&s| {
                if m.count > 1 {
                    (s / (n - 1.0)).sqrt()
                } else {
                    f64::NAN
                }
            })
            .collect();
    let err = std.iter().map(|s| s / n.sqrt()).collect();
    (m.mean.clone(), std, err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arr(v: &[f64]) -> Sample {
        Sample::Arr(vec![v.len()], v.to_vec())
    }

    #[test]
    fn welford_and_chan_give_the_textbook_mean_and_variance() {
        let xs: Vec<f64> = (0..37).map(|i| ((i * 7919) % 101) as f64 * 0.1).collect();
        let mut parts: Vec<Moments> = xs
            .chunks(BLOCK)
            .map(|c| {
                let mut m = Moments::of(&Sample::Num(c[0]));
                c[1..].iter().for_each(|&x| m.push(&Sample::Num(x)));
                m
            })
            .collect();
        let mut all = parts.remove(0);
        parts.iter().for_each(|p| all.merge(p));
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let (m, s, e) = mean_std_err(&all);
        assert!((m[0] - mean).abs() < 1e-12);
        assert!((s[0] - var.sqrt()).abs() < 1e-12);
        assert!((e[0] - var.sqrt() / n.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn records_round_trip_and_a_torn_tail_is_cut() {
        let dir = std::env::temp_dir().join(format!("disco-ens-{}", std::process::id()));
        let path = dir.join("r.bin");
        let _ = std::fs::remove_file(&path);
        let fp = Fingerprint {
            n: 40,
            seed: 7,
            closure: "anon$1".into(),
            reduce: "stack".into(),
        };
        let mut m = BTreeMap::new();
        m.insert("a".to_string(), arr(&[1.0, f64::NAN, -0.0]));
        m.insert("b".to_string(), Sample::Num(2.5));
        let b0 = BlockData::Samples(vec![Sample::Map(m.clone()); 3]);
        let b1 = BlockData::Moments(Moments::of(&Sample::Map(m)));
        {
            let (mut f, found) = RecordFile::open(&path, &fp).unwrap();
            assert!(found.is_empty());
            f.append(&[(0, &b0), (2, &b1)]).unwrap();
        }
        // a torn record, as kill -9 in the middle of a write leaves
        let mut bytes = std::fs::read(&path).unwrap();
        let good = bytes.len();
        bytes.extend_from_slice(&[9, 0, 0, 0, 1, 2]);
        std::fs::write(&path, &bytes).unwrap();
        let (_f, found) = RecordFile::open(&path, &fp).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].0, 0);
        assert_eq!(found[1].0, 2);
        match (&found[0].1, &b0) {
            (BlockData::Samples(a), BlockData::Samples(b)) => {
                assert_eq!(format!("{a:?}"), format!("{b:?}"));
            }
            _ => panic!("wrong kind"),
        }
        assert_eq!(std::fs::metadata(&path).unwrap().len() as usize, good);
        let other = Fingerprint { n: 41, ..fp };
        assert!(RecordFile::open(&path, &other)
            .unwrap_err()
            .contains("another ensemble"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn shards_partition_the_blocks() {
        let s: Vec<Shard> = (0..3)
            .map(|i| Shard::parse(&format!("{i}/3")).unwrap())
            .collect();
        for b in 0..20 {
            assert_eq!(s.iter().filter(|x| x.owns(b)).count(), 1);
        }
        assert!(Shard::parse("3/3").is_err());
        assert!(Shard::parse("a/3").is_err());
        assert!(Shard::parse("1").is_err());
    }
}
