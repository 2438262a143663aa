//! Complex n-dimensional arrays (numpy's complex128): wave functions and Hamiltonians with
//! magnetic flux or spin–orbit coupling. Element-wise arithmetic broadcasts as numpy does.

use super::{broadcast_shape, ArrResult, NdArray};
use faer::c64;
use ndarray::{ArrayD, IxDyn, Zip};
use std::sync::Arc;

/// A complex ndarray (shared storage, copy on write like `NdArray`).
#[derive(Clone, Debug)]
pub struct CArray(pub Arc<ArrayD<c64>>);

impl CArray {
    pub fn new(a: ArrayD<c64>) -> Self {
        CArray(Arc::new(a))
    }
    pub fn from_vec(v: Vec<c64>) -> Self {
        let n = v.len();
        CArray::new(
            ArrayD::from_shape_vec(IxDyn(&[n]), v).unwrap_or_else(|_| ArrayD::zeros(IxDyn(&[0]))),
        )
    }
    pub fn from_shape_vec(shape: &[usize], v: Vec<c64>) -> ArrResult<Self> {
        ArrayD::from_shape_vec(IxDyn(shape), v)
            .map(CArray::new)
            .map_err(|e| format!("cannot shape {shape:?}: {e}"))
    }
    /// A real array as complex.
    pub fn from_real(a: &NdArray) -> Self {
        CArray::new(a.view().mapv(|x| c64::new(x, 0.0)))
    }
    /// Real and imaginary parts of the same shape.
    pub fn from_parts(re: &NdArray, im: &NdArray) -> ArrResult<Self> {
        let shape = broadcast_shape(re.shape(), im.shape())?;
        let r = re
            .view()
            .broadcast(IxDyn(&shape))
            .ok_or("cannot broadcast re")?;
        let i = im
            .view()
            .broadcast(IxDyn(&shape))
            .ok_or("cannot broadcast im")?;
        Ok(CArray::new(
            Zip::from(&r).and(&i).map_collect(|&a, &b| c64::new(a, b)),
        ))
    }
    pub fn view(&self) -> &ArrayD<c64> {
        &self.0
    }
    pub fn shape(&self) -> &[usize] {
        self.0.shape()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The elements in row-major order.
    pub fn to_vec(&self) -> Vec<c64> {
        self.0.iter().copied().collect()
    }
    /// A real array of f(z) per element.
    pub fn map_real(&self, f: impl Fn(c64) -> f64) -> NdArray {
        NdArray::new(self.0.mapv(f))
    }
    /// A complex array of f(z) per element.
    pub fn map(&self, f: impl Fn(c64) -> c64) -> CArray {
        CArray::new(self.0.mapv(f))
    }
    /// Element-wise op(a, b) with numpy broadcasting.
    pub fn zip_with(a: &CArray, b: &CArray, op: impl Fn(c64, c64) -> c64) -> ArrResult<CArray> {
        let shape = broadcast_shape(a.shape(), b.shape())?;
        let av = a.0.broadcast(IxDyn(&shape)).ok_or("cannot broadcast")?;
        let bv = b.0.broadcast(IxDyn(&shape)).ok_or("cannot broadcast")?;
        Ok(CArray::new(
            Zip::from(&av).and(&bv).map_collect(|&x, &y| op(x, y)),
        ))
    }
    /// Matrix product of 2D (or 1D) complex arrays, through faer.
    pub fn matmul(a: &CArray, b: &CArray) -> ArrResult<CArray> {
        let (ra, ca, a_vec) = dims2(a);
        let (rb, cb, b_vec) = dims2(b);
        let (rb, cb) = if b_vec { (cb, rb) } else { (rb, cb) };
        if ca != rb {
            return Err(format!(
                "shapes {:?} and {:?} do not chain (inner dimensions {ca} and {rb})",
                a.shape(),
                b.shape()
            ));
        }
        let am = faer::Mat::<c64>::from_fn(ra, ca, |i, j| a.0[flat(i, j, a_vec)]);
        let bm = faer::Mat::<c64>::from_fn(rb, cb, |i, j| b.0[flat(i, j, b_vec)]);
        let p = &am * &bm;
        let v: Vec<c64> = (0..ra)
            .flat_map(|i| (0..cb).map(move |j| (i, j)))
            .map(|(i, j)| p[(i, j)])
            .collect();
        match (a_vec, b_vec) {
            (true, true) => CArray::from_shape_vec(&[], v),
            (true, false) => CArray::from_shape_vec(&[cb], v),
            (false, true) => CArray::from_shape_vec(&[ra], v),
            _ => CArray::from_shape_vec(&[ra, cb], v),
        }
    }
    /// The transpose of a 2D array (`conj` too for the conjugate transpose).
    pub fn transpose(&self, conj: bool) -> CArray {
        let t = self.0.t().to_owned();
        if conj {
            CArray::new(t.mapv(|z| z.conj()))
        } else {
            CArray::new(t)
        }
    }
}

/// (rows, cols, is a vector) of a 1D or 2D array; a vector is a row on the left of a product.
fn dims2(a: &CArray) -> (usize, usize, bool) {
    match a.shape() {
        [n] => (1, *n, true),
        [r, c] => (*r, *c, false),
        s => (s.iter().product(), 1, false),
    }
}

fn flat(i: usize, j: usize, vec: bool) -> IxDyn {
    if vec {
        IxDyn(&[i.max(j)])
    } else {
        IxDyn(&[i, j])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_and_conjugate_transposes() {
        let i = c64::new(0.0, 1.0);
        let one = c64::new(1.0, 0.0);
        // σ_y = [[0, −i], [i, 0]]: σ_y² = 1, σ_y† = σ_y
        let sy =
            CArray::from_shape_vec(&[2, 2], vec![c64::new(0.0, 0.0), -i, i, c64::new(0.0, 0.0)])
                .unwrap();
        let sq = CArray::matmul(&sy, &sy).unwrap();
        assert_eq!(
            sq.to_vec(),
            vec![one, c64::new(0.0, 0.0), c64::new(0.0, 0.0), one]
        );
        assert_eq!(sy.transpose(true).to_vec(), sy.to_vec());
        let v = CArray::from_vec(vec![one, i]);
        let w = CArray::matmul(&sy, &v).unwrap();
        assert_eq!(w.shape(), &[2]);
        assert_eq!(w.to_vec(), vec![c64::new(1.0, 0.0), i]);
    }
}
