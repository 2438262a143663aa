//! Linear algebra, with no physics: the symmetric operator type, the dense eigensolvers (`eigh`
//! by Householder tridiagonalization, QL and inverse iteration; `eigvalsh`), the sparse
//! shift-invert block Lanczos (`eigs_near`), the kernel polynomial method (`kpm`), general dense
//! decompositions (`dense`), and the scheduling helper they share (`parallel`).
//! Domains build operators and call these; nothing here imports a domain.

pub mod dense;
pub mod eigen;
pub mod hermitian;
pub mod kpm;
pub mod kpm2;
pub mod operator;
pub mod parallel;
pub mod shift_invert;
pub mod simd;
pub mod stencil;
pub mod tridiagonal;
pub mod tridiagonalize;

pub use eigen::{
    eigh_dense, eigh_dense_par, eigh_dense_with, eigvalsh_dense, residuals, EighParams, Spectrum,
};
pub use hermitian::{eigh_hermitian, residuals_hermitian, ComplexSpectrum, HermitianOperator};
pub use operator::Operator;
pub use shift_invert::{eigs_near, eigs_near_with, EigsNearParams};
pub use tridiagonalize::ReductionParams;
