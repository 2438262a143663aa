//! Losses: mean squared error, mean absolute percentage error, cross-entropy.

use super::*;
use candle_core::{DType, Tensor, D};

/// Losses.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Loss {
    Mse,
    Mae,
    /// Mean absolute percentage error, mean |ŷ − y|/|y| (seed 000 Eq. 3); accuracy = 1 − MAPE.
    Mape,
    /// Softmax cross-entropy against integer class labels.
    CrossEntropy,
    /// Binary cross-entropy on logits (numerically stable form).
    Bce,
}

/// The loss of predictions `yh` against targets `y` (labels as an N vector for cross-entropy).
pub fn loss(kind: Loss, yh: &Tensor, y: &Tensor) -> MlResult<Tensor> {
    // a one-output regression (N×1 predictions) against an N vector of targets
    let reshaped;
    let y =
        if kind != Loss::CrossEntropy && yh.dims() != y.dims() && yh.elem_count() == y.elem_count()
        {
            reshaped = y.reshape(yh.shape()).map_err(ce)?;
            &reshaped
        } else {
            y
        };
    let r = match kind {
        Loss::Mse => (yh - y).and_then(|d| d.sqr()).and_then(|d| d.mean_all()),
        Loss::Mae => (yh - y).and_then(|d| d.abs()).and_then(|d| d.mean_all()),
        Loss::Mape => (yh - y)
            .and_then(|d| d.abs())
            .and_then(|d| d.div(&y.abs()?.affine(1.0, 1e-12)?))
            .and_then(|d| d.mean_all()),
        Loss::CrossEntropy => {
            let ls = candle_nn::ops::log_softmax(yh, D::Minus1).map_err(ce)?;
            let idx = y
                .to_dtype(DType::U32)
                .and_then(|t| t.unsqueeze(1))
                .map_err(ce)?;
            ls.gather(&idx, 1)
                .and_then(|g| g.mean_all())
                .and_then(|m| m.neg())
        }
        Loss::Bce => {
            // mean(max(z, 0) − z·y + ln(1 + e^(−|z|)))
            let a = yh.relu().map_err(ce)?;
            let b = (yh * y).map_err(ce)?;
            let c = yh
                .abs()
                .and_then(|t| t.neg())
                .and_then(|t| t.exp())
                .and_then(|t| t.affine(1.0, 1.0))
                .and_then(|t| t.log())
                .map_err(ce)?;
            (a - b).and_then(|t| t + c).and_then(|t| t.mean_all())
        }
    };
    r.map_err(ce)
}
