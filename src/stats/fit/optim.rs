//! Maximising a smooth function of one or two parameters: Newton's method
//! with finite-difference derivatives, a backtracking line search and a box.
//!
//! The log-likelihoods here are smooth, the parameters are on log scales
//! (or are the log-scale location of the lognormal) and the starting points
//! come from moments, so Newton converges in a handful of steps. Where the
//! Hessian is not negative definite (far from the optimum) the step falls
//! back to the gradient scaled by the diagonal. The Hessian at the optimum is
//! the observed information the standard errors come from (Lawless,
//! *Statistical Models and Methods for Lifetime Data*, 2nd ed., 2003,
//! appendix D on computation).

/// Finite-difference step on the (log-scale) parameters. The rounding error
/// of a second difference is about 4·ε·|ℓ|/h², about 1 for |ℓ| = 1e7 (a
/// million values), against curvatures of the order of the sample size.
const H: f64 = 1e-4;
/// Converged when the Newton decrement gᵀ(−H)⁻¹g, twice the log-likelihood
/// the next step would still gain, is below this: far below the sampling
/// noise of a log-likelihood (of order 1).
const TOLERANCE: f64 = 1e-8;
/// Accepted as converged when the line search cannot improve any more (the
/// function's rounding noise) and the decrement is below this.
const STALL_TOLERANCE: f64 = 1e-4;
const MAX_ITERATIONS: usize = 200;
/// The largest change of one parameter in one step (a factor e² on a log scale).
const MAX_STEP: f64 = 2.0;

/// The maximum found: where, the value there, and the inverse of the
/// negated Hessian there (the covariance of the estimates when `f` is a
/// log-likelihood).
#[derive(Debug, Clone, Copy)]
pub(super) struct Optimum<const N: usize> {
    pub x: [f64; N],
    pub value: f64,
    pub cov: [[f64; N]; N],
    pub iterations: usize,
}

/// Why the maximum was not found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Failure {
    /// The function, or its derivatives, are not finite at the start or on the way.
    NotFinite,
    /// Parameter `i` runs into the edge of the box (the likelihood keeps
    /// rising towards 0 or ∞ of a shape or a scale).
    Edge(usize),
    /// No convergence after this many iterations.
    NoConvergence(usize),
    /// At the maximum, −Hessian is not positive definite.
    Singular,
}

/// Maximises `f` inside the box `[lower, upper]` from `start` (clamped into the box).
pub(super) fn maximise<const N: usize>(
    f: impl Fn(&[f64; N]) -> f64,
    start: [f64; N],
    lower: [f64; N],
    upper: [f64; N],
) -> Result<Optimum<N>, Failure> {
    let inside = |x: &[f64; N]| (0..N).all(|i| x[i] >= lower[i] && x[i] <= upper[i]);
    let mut x = start;
    for i in 0..N {
        x[i] = x[i].clamp(lower[i], upper[i]);
    }
    let mut fx = f(&x);
    if !fx.is_finite() {
        return Err(Failure::NotFinite);
    }
    for iteration in 0..MAX_ITERATIONS {
        let (g, h) = derivatives(&f, &x, fx);
        if g.iter().chain(h.iter().flatten()).any(|v| !v.is_finite()) {
            return Err(Failure::NotFinite);
        }
        let neg_h = h.map(|row| row.map(|v| -v));
        let newton = solve_pd(&neg_h, &g);
        let mut d = newton.unwrap_or_else(|| std::array::from_fn(|i| g[i] / (h[i][i].abs() + 1e-12)));
        let decrement: f64 = (0..N).map(|i| g[i] * d[i]).sum();
        if newton.is_some() && decrement < TOLERANCE {
            return finish(x, fx, &neg_h, iteration);
        }
        let longest = d.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        if longest > MAX_STEP {
            d = d.map(|v| v * MAX_STEP / longest);
        }
        let mut step = 1.0;
        let mut moved = false;
        for _ in 0..60 {
            let next: [f64; N] = std::array::from_fn(|i| x[i] + step * d[i]);
            if inside(&next) {
                let fnext = f(&next);
                if fnext.is_finite() && fnext >= fx {
                    moved = next != x;
                    (x, fx) = (next, fnext);
                    break;
                }
            }
            step /= 2.0;
        }
        if !moved {
            if newton.is_some() && decrement < STALL_TOLERANCE {
                return finish(x, fx, &neg_h, iteration);
            }
            return Err(at_edge(&x, &lower, &upper).unwrap_or(Failure::NoConvergence(iteration)));
        }
    }
    Err(at_edge(&x, &lower, &upper).unwrap_or(Failure::NoConvergence(MAX_ITERATIONS)))
}

fn finish<const N: usize>(
    x: [f64; N],
    value: f64,
    neg_h: &[[f64; N]; N],
    iterations: usize,
) -> Result<Optimum<N>, Failure> {
    let cov = inverse_pd(neg_h).ok_or(Failure::Singular)?;
    Ok(Optimum { x, value, cov, iterations })
}

/// The first parameter within 1% of the box's width from its edge.
fn at_edge<const N: usize>(x: &[f64; N], lower: &[f64; N], upper: &[f64; N]) -> Option<Failure> {
    (0..N).find(|&i| (x[i] - lower[i]).min(upper[i] - x[i]) < 0.01 * (upper[i] - lower[i])).map(Failure::Edge)
}

/// Gradient and Hessian by central differences: 1 + 2N + 2N(N − 1) evaluations.
pub(super) fn derivatives<const N: usize>(
    f: impl Fn(&[f64; N]) -> f64,
    x: &[f64; N],
    fx: f64,
) -> ([f64; N], [[f64; N]; N]) {
    let shifted = |moves: &[(usize, f64)]| {
        let mut y = *x;
        for &(i, by) in moves {
            y[i] += by;
        }
        f(&y)
    };
    let mut g = [0.0; N];
    let mut h = [[0.0; N]; N];
    for i in 0..N {
        let (up, down) = (shifted(&[(i, H)]), shifted(&[(i, -H)]));
        g[i] = (up - down) / (2.0 * H);
        h[i][i] = (up - 2.0 * fx + down) / (H * H);
    }
    for (i, j) in (0..N).flat_map(|i| (0..i).map(move |j| (i, j))) {
        let pp = shifted(&[(i, H), (j, H)]);
        let pm = shifted(&[(i, H), (j, -H)]);
        let mp = shifted(&[(i, -H), (j, H)]);
        let mm = shifted(&[(i, -H), (j, -H)]);
        h[i][j] = (pp - pm - mp + mm) / (4.0 * H * H);
        h[j][i] = h[i][j];
    }
    (g, h)
}

/// The lower-triangular Cholesky factor of a positive definite `a`, or `None`.
fn cholesky<const N: usize>(a: &[[f64; N]; N]) -> Option<[[f64; N]; N]> {
    let mut l = [[0.0; N]; N];
    for i in 0..N {
        for j in 0..=i {
            let s: f64 = a[i][j] - (0..j).map(|k| l[i][k] * l[j][k]).sum::<f64>();
            if i == j {
                if !(s > 0.0 && s.is_finite()) {
                    return None;
                }
                l[i][i] = s.sqrt();
            } else {
                l[i][j] = s / l[j][j];
            }
        }
    }
    Some(l)
}

/// Solves `a x = b` for a positive definite `a`, or `None`.
fn solve_pd<const N: usize>(a: &[[f64; N]; N], b: &[f64; N]) -> Option<[f64; N]> {
    let l = cholesky(a)?;
    let mut y = [0.0; N];
    for i in 0..N {
        y[i] = (b[i] - (0..i).map(|k| l[i][k] * y[k]).sum::<f64>()) / l[i][i];
    }
    let mut x = [0.0; N];
    for i in (0..N).rev() {
        x[i] = (y[i] - (i + 1..N).map(|k| l[k][i] * x[k]).sum::<f64>()) / l[i][i];
    }
    Some(x)
}

/// The inverse of a positive definite `a`, or `None`.
fn inverse_pd<const N: usize>(a: &[[f64; N]; N]) -> Option<[[f64; N]; N]> {
    let mut inv = [[0.0; N]; N];
    // The inverse of a symmetric matrix is symmetric: its j-th column is its j-th row.
    for (j, row) in inv.iter_mut().enumerate() {
        let unit: [f64; N] = std::array::from_fn(|i| f64::from(u8::from(i == j)));
        *row = solve_pd(a, &unit)?;
    }
    Some(inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_maximum_of_a_quadratic_and_its_inverse_curvature() {
        // f = −½ (x − m)ᵀ A (x − m) with A = [[4, 1], [1, 2]]: cov = A⁻¹ = [[2, −1], [−1, 4]] / 7.
        let f = |x: &[f64; 2]| {
            let (a, b) = (x[0] - 1.0, x[1] + 2.0);
            -0.5 * (4.0 * a * a + 2.0 * a * b + 2.0 * b * b)
        };
        let opt = maximise(f, [5.0, 5.0], [-10.0; 2], [10.0; 2]).unwrap();
        assert!((opt.x[0] - 1.0).abs() < 1e-6 && (opt.x[1] + 2.0).abs() < 1e-6, "{:?}", opt.x);
        let want = [[2.0 / 7.0, -1.0 / 7.0], [-1.0 / 7.0, 4.0 / 7.0]];
        let cells = opt.cov.iter().flatten().zip(want.iter().flatten());
        assert!(cells.into_iter().all(|(got, want)| (got - want).abs() < 1e-6), "{:?}", opt.cov);
    }

    #[test]
    fn a_maximum_beyond_the_box_is_reported_as_the_edge() {
        let f = |x: &[f64; 1]| x[0];
        assert_eq!(maximise(f, [0.0], [-3.0], [3.0]).unwrap_err(), Failure::Edge(0));
    }
}
