//! Student's t and normal distributions, the special functions behind them,
//! and a sample summary with a Student-t confidence interval.
//!
//! Everything here is deterministic double-precision arithmetic:
//!
//! * [`ln_gamma`]: Lanczos (g = 7, 9 terms) below 10, Stirling's series with
//!   its correction term from 10 on; [`ln_beta`] avoids the cancellation of
//!   `lnΓ(a) + lnΓ(b) − lnΓ(a+b)` for large arguments.
//! * [`beta_reg`]: the regularized incomplete beta function by its continued
//!   fraction (modified Lentz), computing whichever tail is small directly.
//! * [`gamma_reg`]: the regularized incomplete gamma functions (series and
//!   continued fraction).
//! * [`t_cdf`] through the incomplete beta; [`t_quantile`] by a safeguarded
//!   Newton iteration on `ln P(T > t)` (on `ln P(0 < T < t)` near the
//!   centre) from Hill's (1970) initial guess, with closed forms for 1 and 2
//!   degrees of freedom. From `df = 1e4` on, where the continued fraction
//!   loses about `df·ε`, the centre (`t² < 0.006·df`) uses the Cornish–Fisher
//!   expansion to O(df⁻⁴) instead. Checked against 30-digit references:
//!   relative error below 4e-13 for `df` in `[1, 1e7]` and `p` in
//!   `[1e-12, 1 − 1e-12]`.
//! * [`normal_quantile`]: Wichura's AS 241 (about 1e-16 relative).

use std::f64::consts::{FRAC_PI_2, PI};

/// ln √(2π).
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;
/// Smallest magnitude allowed in a Lentz denominator.
const FPMIN: f64 = 1e-300;
/// Relative convergence threshold of series and continued fractions.
const EPS: f64 = 1e-16;

/// Lanczos coefficients, g = 7, n = 9.
const LANCZOS: [f64; 9] = [
    0.999_999_999_999_809_9,
    676.520_368_121_885_1,
    -1_259.139_216_722_402_8,
    771.323_428_777_653_1,
    -176.615_029_162_140_6,
    12.507_343_278_686_905,
    -0.138_571_095_265_720_12,
    9.984_369_578_019_572e-6,
    1.505_632_735_149_311_6e-7,
];

/// Correction term of Stirling's series, `lnΓ(x) − [(x−½)ln x − x + ln√(2π)]`,
/// for `x >= 10` (truncation error below 1e-17).
fn stirling_corr(x: f64) -> f64 {
    let r = 1.0 / x;
    let r2 = r * r;
    r * (1.0 / 12.0
        + r2 * (-1.0 / 360.0
            + r2 * (1.0 / 1260.0
                + r2 * (-1.0 / 1680.0
                    + r2 * (1.0 / 1188.0
                        + r2 * (-691.0 / 360_360.0 + r2 * (1.0 / 156.0 + r2 * (-3617.0 / 122_400.0))))))))
}

/// Natural log of the gamma function for `x > 0` (NaN otherwise).
pub fn ln_gamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    if x.is_infinite() {
        return f64::INFINITY;
    }
    if x >= 10.0 {
        return (x - 0.5) * x.ln() - x + LN_SQRT_2PI + stirling_corr(x);
    }
    if x < 0.5 {
        // Γ(x) = Γ(x+1)/x keeps the Lanczos sum in its accurate range.
        return ln_gamma(x + 1.0) - x.ln();
    }
    let z = x - 1.0;
    let mut sum = LANCZOS[0];
    for (i, &c) in LANCZOS.iter().enumerate().skip(1) {
        sum += c / (z + i as f64);
    }
    let t = z + 7.5;
    LN_SQRT_2PI + (z + 0.5) * t.ln() - t + sum.ln()
}

/// Natural log of the beta function `B(a, b)` for `a, b > 0`, without the
/// cancellation of `lnΓ(a) + lnΓ(b) − lnΓ(a+b)` when an argument is large.
pub fn ln_beta(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() || a <= 0.0 || b <= 0.0 {
        return f64::NAN;
    }
    let (p, q) = if a >= b { (a, b) } else { (b, a) };
    if p.is_infinite() {
        return f64::NEG_INFINITY;
    }
    let s = p + q;
    if q >= 10.0 {
        let corr = stirling_corr(p) + stirling_corr(q) - stirling_corr(s);
        -0.5 * q.ln() + LN_SQRT_2PI + corr + (p - 0.5) * (-q / s).ln_1p() + q * (q / s).ln()
    } else if p >= 10.0 {
        let corr = stirling_corr(p) - stirling_corr(s);
        ln_gamma(q) + corr + q - q * s.ln() + (p - 0.5) * (-q / s).ln_1p()
    } else {
        ln_gamma(p) + ln_gamma(q) - ln_gamma(s)
    }
}

/// Continued fraction of the incomplete beta function (modified Lentz);
/// converges quickly for `x < (a+1)/(a+b+2)`.
fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    let qab = a + b;
    let qap = a + 1.0;
    let qam = a - 1.0;
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < FPMIN {
        d = FPMIN;
    }
    d = 1.0 / d;
    let mut h = d;
    let max_iter = 1000 + (20.0 * a.max(b).sqrt()).min(1e7) as usize;
    for m in 1..=max_iter {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < FPMIN {
            d = FPMIN;
        }
        c = 1.0 + aa / c;
        if c.abs() < FPMIN {
            c = FPMIN;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < FPMIN {
            d = FPMIN;
        }
        c = 1.0 + aa / c;
        if c.abs() < FPMIN {
            c = FPMIN;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() <= EPS {
            break;
        }
    }
    h
}

/// `(I_x(a,b), 1 − I_x(a,b))` from `x`, `y = 1 − x` and their logarithms,
/// each supplied as accurately as the caller can.
fn beta_reg_core(a: f64, b: f64, x: f64, y: f64, ln_x: f64, ln_y: f64) -> (f64, f64) {
    if x <= 0.0 {
        return (0.0, 1.0);
    }
    if y <= 0.0 {
        return (1.0, 0.0);
    }
    let front = (a * ln_x + b * ln_y - ln_beta(a, b)).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        let v = front * beta_cf(a, b, x) / a;
        (v, 1.0 - v)
    } else {
        let w = front * beta_cf(b, a, y) / b;
        (1.0 - w, w)
    }
}

/// Regularized incomplete beta function `I_x(a, b)` and its complement,
/// given `x` and `y = 1 − x` separately (pass both exactly when one of them
/// is tiny: the small tail is then computed to full relative precision).
/// Returns `(I_x(a,b), 1 − I_x(a,b))`; NaNs for invalid arguments.
pub fn beta_reg_pair(a: f64, b: f64, x: f64, y: f64) -> (f64, f64) {
    let bad = |v: f64| !(0.0..=1.0).contains(&v);
    if a.is_nan() || b.is_nan() || a <= 0.0 || b <= 0.0 || bad(x) || bad(y) {
        return (f64::NAN, f64::NAN);
    }
    let ln_x = if x > 0.5 { (-y).ln_1p() } else { x.ln() };
    let ln_y = if y > 0.5 { (-x).ln_1p() } else { y.ln() };
    beta_reg_core(a, b, x, y, ln_x, ln_y)
}

/// Regularized incomplete beta function `I_x(a, b)` for `a, b > 0`,
/// `0 <= x <= 1` (NaN otherwise).
pub fn beta_reg(a: f64, b: f64, x: f64) -> f64 {
    beta_reg_pair(a, b, x, 1.0 - x).0
}

/// `ln(x^a e^{−x} / Γ(a))`, accurate also when `a` and `x` are large and close.
fn ln_gamma_front(a: f64, x: f64) -> f64 {
    if a >= 10.0 {
        let d = (x - a) / a;
        -a * (d - d.ln_1p()) + 0.5 * (a / (2.0 * PI)).ln() - stirling_corr(a)
    } else {
        -x + a * x.ln() - ln_gamma(a)
    }
}

/// Regularized incomplete gamma functions `(P(a, x), Q(a, x))` for `a > 0`,
/// `x >= 0`; the smaller one is computed directly. NaNs for invalid input.
pub fn gamma_reg(a: f64, x: f64) -> (f64, f64) {
    if a.is_nan() || x.is_nan() || a <= 0.0 || x < 0.0 || a.is_infinite() {
        return (f64::NAN, f64::NAN);
    }
    if x == 0.0 {
        return (0.0, 1.0);
    }
    if x.is_infinite() {
        return (1.0, 0.0);
    }
    let front = ln_gamma_front(a, x).exp();
    let max_iter = 1000 + (20.0 * a.max(x).sqrt()).min(1e7) as usize;
    if x < a + 1.0 {
        // Series: P = front · Σ x^n / (a (a+1) … (a+n)).
        let mut ap = a;
        let mut del = 1.0 / a;
        let mut sum = del;
        for _ in 0..max_iter {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if del.abs() <= sum.abs() * EPS {
                break;
            }
        }
        let p = front * sum;
        (p, 1.0 - p)
    } else {
        // Continued fraction for Q (modified Lentz).
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / FPMIN;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..=max_iter {
            let i = i as f64;
            let an = -i * (i - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < FPMIN {
                d = FPMIN;
            }
            c = b + an / c;
            if c.abs() < FPMIN {
                c = FPMIN;
            }
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() <= EPS {
                break;
            }
        }
        let q = front * h;
        (1.0 - q, q)
    }
}

/// Standard normal CDF Φ(x), with full relative precision in the lower tail.
pub fn normal_cdf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    let (p, q) = gamma_reg(0.5, 0.5 * x * x);
    if x < 0.0 { 0.5 * q } else { 0.5 + 0.5 * p }
}

/// Evaluates a polynomial with coefficients in increasing degree (Horner).
fn poly(coef: &[f64], x: f64) -> f64 {
    coef.iter().rev().fold(0.0, |acc, &c| acc * x + c)
}

/// Standard normal quantile Φ⁻¹(p) (Wichura's AS 241, ~1e-16 relative).
/// Returns −∞ for `p = 0`, +∞ for `p = 1` and NaN outside `[0, 1]`.
#[allow(clippy::excessive_precision)] // AS 241's published coefficients
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 8] = [
        3.387_132_872_796_366_608,
        133.141_667_891_784_377_45,
        1_971.590_950_306_551_442_7,
        13_731.693_765_509_461_125,
        45_921.953_931_549_871_457,
        67_265.770_927_008_700_853,
        33_430.575_583_588_128_105,
        2_509.080_928_730_122_672_7,
    ];
    const B: [f64; 8] = [
        1.0,
        42.313_330_701_600_911_252,
        687.187_007_492_057_908_3,
        5_394.196_021_424_751_107_7,
        21_213.794_301_586_595_867,
        39_307.895_800_092_710_61,
        28_729.085_735_721_942_674,
        5_226.495_278_852_854_561,
    ];
    const C: [f64; 8] = [
        1.423_437_110_749_683_577_34,
        4.630_337_846_156_545_295_9,
        5.769_497_221_460_691_405_5,
        3.647_848_324_763_204_605_04,
        1.270_458_252_452_368_382_58,
        0.241_780_725_177_450_611_77,
        0.022_723_844_989_269_184_583_3,
        7.745_450_142_783_414_076_4e-4,
    ];
    const D: [f64; 8] = [
        1.0,
        2.053_191_626_637_758_821_87,
        1.676_384_830_183_803_849_4,
        0.689_767_334_985_100_004_55,
        0.148_103_976_427_480_074_59,
        0.015_198_666_563_616_457_196_6,
        5.475_938_084_995_344_946e-4,
        1.050_750_071_644_416_843_24e-9,
    ];
    const E: [f64; 8] = [
        6.657_904_643_501_103_777_2,
        5.463_784_911_164_114_369_9,
        1.784_826_539_917_291_335_8,
        0.296_560_571_828_504_891_23,
        0.026_532_189_526_576_123_093,
        1.242_660_947_388_078_438_6e-3,
        2.711_555_568_743_487_578_15e-5,
        2.010_334_399_292_288_132_65e-7,
    ];
    const F: [f64; 8] = [
        1.0,
        0.599_832_206_555_887_937_69,
        0.136_929_880_922_735_805_31,
        0.014_875_361_290_850_614_852_5,
        7.868_691_311_456_132_591e-4,
        1.846_318_317_510_054_681_8e-5,
        1.421_511_758_316_445_888_7e-7,
        2.044_263_103_389_939_785_64e-15,
    ];
    if p.is_nan() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180_625 - q * q;
        return q * poly(&A, r) / poly(&B, r);
    }
    let tail = if q < 0.0 { p } else { 1.0 - p };
    let r = (-tail.ln()).sqrt();
    let v = if r <= 5.0 {
        let r = r - 1.6;
        poly(&C, r) / poly(&D, r)
    } else {
        let r = r - 5.0;
        poly(&E, r) / poly(&F, r)
    };
    if q < 0.0 { -v } else { v }
}

/// From this many degrees of freedom on, the t distribution near its centre
/// is handled by the Cornish–Fisher expansion: the incomplete-beta continued
/// fraction loses about `df·ε` relative precision when `t²/df` is small.
const CF_MIN_DF: f64 = 1e4;
/// The expansion is used only while `t²/df` stays below this, where its
/// O(df⁻⁵) truncation error is far below 1e-15.
const CF_MAX_T2_PER_DF: f64 = 6e-3;

/// Cornish–Fisher expansion of the t quantile in powers of `1/df`
/// (Abramowitz & Stegun 26.7.5): `t(z)` for the normal quantile `z`, and
/// `dt/dz`.
fn cornish_fisher(z: f64, df: f64) -> (f64, f64) {
    let n = 1.0 / df;
    let z2 = z * z;
    let g1 = (z2 + 1.0) * z / 4.0;
    let g2 = ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0;
    let g3 = (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0;
    let g4 = ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) * z / 92_160.0;
    let d1 = (3.0 * z2 + 1.0) / 4.0;
    let d2 = ((25.0 * z2 + 48.0) * z2 + 3.0) / 96.0;
    let d3 = (((21.0 * z2 + 95.0) * z2 + 51.0) * z2 - 15.0) / 384.0;
    let d4 = ((((711.0 * z2 + 5432.0) * z2 + 7410.0) * z2 - 5760.0) * z2 - 945.0) / 92_160.0;
    (z + n * (g1 + n * (g2 + n * (g3 + n * g4))), 1.0 + n * (d1 + n * (d2 + n * (d3 + n * d4))))
}

/// Normal `(P(Z > z), P(0 < Z < z))` for `z >= 0`, both to full precision.
fn normal_tails(z: f64) -> (f64, f64) {
    let (p, q) = gamma_reg(0.5, 0.5 * z * z);
    (0.5 * q, 0.5 * p)
}

/// `(P(T > t), P(0 < T < t))` for `t >= 0` with `df` (finite, > 0) degrees
/// of freedom; each is computed directly, so both keep full relative
/// precision.
fn t_tails(t: f64, df: f64) -> (f64, f64) {
    if t.is_infinite() {
        return (0.0, 0.5);
    }
    if df >= CF_MIN_DF && t * t < CF_MAX_T2_PER_DF * df {
        // Invert the (monotone) expansion t(z) by Newton's method.
        let mut z = t;
        for _ in 0..50 {
            let (tz, dtz) = cornish_fisher(z, df);
            let dz = (tz - t) / dtz;
            z -= dz;
            if dz.abs() <= 1e-16 * z.abs() {
                break;
            }
        }
        return normal_tails(z);
    }
    // x = df/(df+t²) = 1/(1+z), y = z/(1+z) with z = t²/df;
    // P(T > t) = ½·I_x(df/2, ½).
    let s = t / df.sqrt();
    let z = s * s;
    let (a, b) = (0.5 * df, 0.5);
    let (i_x, i_c) = if z.is_finite() {
        let x = 1.0 / (1.0 + z);
        let y = z / (1.0 + z);
        beta_reg_pair(a, b, x, y)
    } else {
        let ln_x = -2.0 * s.ln();
        beta_reg_core(a, b, ln_x.exp(), 1.0, ln_x, 0.0)
    };
    (0.5 * i_x, 0.5 * i_c)
}

/// Density of Student's t at `t` (`df` finite, > 0).
fn t_pdf(t: f64, df: f64) -> f64 {
    let s = t / df.sqrt();
    let ln_k = if s.abs() < 1e150 { (s * s).ln_1p() } else { 2.0 * s.abs().ln() };
    (-ln_beta(0.5 * df, 0.5) - 0.5 * df.ln() - 0.5 * (df + 1.0) * ln_k).exp()
}

/// CDF of Student's t distribution with `df > 0` degrees of freedom
/// (`df = +∞` gives the normal CDF). NaN for invalid arguments.
pub fn t_cdf(t: f64, df: f64) -> f64 {
    if t.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if df.is_infinite() {
        return normal_cdf(t);
    }
    let (tail, central) = t_tails(t.abs(), df);
    if t < 0.0 { tail } else { 0.5 + central }
}

/// Hill's (1970, CACM algorithm 396) approximation of the upper quantile
/// `t > 0` with `P(T > t) = q`, `0 < q < 0.5`, for `df > 0.5`.
fn hill_guess(q: f64, n: f64) -> f64 {
    let p2 = 2.0 * q;
    let a = 1.0 / (n - 0.5);
    let b = 48.0 / (a * a);
    let mut c = ((20_700.0 * a / b - 98.0) * a - 16.0) * a + 96.36;
    let d = ((94.5 / (b + c) - 3.0) / b + 1.0) * (a * FRAC_PI_2).sqrt() * n;
    let mut y = (d * p2).powf(2.0 / n);
    if (n < 2.1 && p2 > 0.5) || y > 0.05 + a {
        let x = normal_quantile(q);
        let y0 = x * x;
        if n < 5.0 {
            c += 0.3 * (n - 4.5) * (x + 0.6);
        }
        c += (((0.05 * d * x - 5.0) * x - 7.0) * x - 2.0) * x + b;
        y = (((((0.4 * y0 + 6.3) * y0 + 36.0) * y0 + 94.5) / c - y0 - 3.0) / b + 1.0) * x;
        y = (a * y * y).exp_m1();
    } else {
        y = ((1.0 / (((n + 6.0) / (n * y) - 0.089 * d - 0.822) * (n + 2.0) * 3.0) + 0.5 / (n + 4.0)) * y - 1.0)
            * (n + 1.0)
            / (n + 2.0)
            + 1.0 / y;
    }
    (n * y).sqrt()
}

/// Upper quantile: the `t > 0` with `P(T > t) = q`, `0 < q < 0.5`.
fn t_upper_quantile(q: f64, df: f64) -> f64 {
    if df >= CF_MIN_DF {
        let (t, _) = cornish_fisher(-normal_quantile(q), df);
        if t * t < CF_MAX_T2_PER_DF * df {
            return t;
        }
    }
    let mut t = if df > 0.75 { hill_guess(q, df) } else { f64::NAN };
    if !(t.is_finite() && t > 0.0) {
        // Power-law tail: P(T > t) ≈ df^(df/2 − 1) t^(−df) / B(df/2, ½).
        t = df.sqrt() * ((df.ln() + ln_beta(0.5 * df, 0.5) + q.ln()) * (-1.0 / df)).exp();
        if !(t.is_finite() && t > 0.0) {
            t = 1.0;
        }
    }
    // Safeguarded Newton on ln P(T > t) − ln q (nearly linear in ln t in the
    // tails) or, near the centre, on ln P(0 < T < t) − ln(½ − q), whose
    // target is exact there (Sterbenz). [lo, hi] always brackets the root.
    let central_target = 0.5 - q;
    let use_central = q > 0.25;
    let (mut lo, mut hi) = (0.0_f64, f64::INFINITY);
    for _ in 0..400 {
        let (tail, central) = t_tails(t, df);
        let (below, step) = if use_central {
            if central == central_target {
                return t;
            }
            let g = (central / central_target).ln();
            (central < central_target, -g * central / t_pdf(t, df))
        } else {
            if tail == q {
                return t;
            }
            let g = (tail / q).ln();
            (tail > q, g * tail / t_pdf(t, df))
        };
        if below {
            lo = t;
        } else {
            hi = t;
        }
        let mut next = t + step;
        if !(next > lo && next < hi) {
            next = if hi.is_infinite() {
                8.0 * t.max(1.0)
            } else if lo > 0.0 && hi > 4.0 * lo {
                (lo * hi).sqrt()
            } else {
                0.5 * (lo + hi)
            };
        } else if step.abs() <= 2.0 * f64::EPSILON * next {
            return next;
        }
        if next == t || next == lo || next == hi {
            return next;
        }
        t = next;
    }
    t
}

/// Quantile (inverse CDF) of Student's t distribution with `df > 0`
/// degrees of freedom: the `t` with `t_cdf(t, df) = p`.
///
/// Returns −∞/+∞ for `p = 0`/`1`, NaN for `p` outside `[0, 1]` or invalid
/// `df`; `df = +∞` gives the normal quantile.
pub fn t_quantile(p: f64, df: f64) -> f64 {
    if p.is_nan() || df.is_nan() || !(0.0..=1.0).contains(&p) || df <= 0.0 {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    if p == 0.5 {
        return 0.0;
    }
    // Work with the smaller tail q, exact for p >= 0.5 (Sterbenz).
    let lower = p < 0.5;
    let q = if lower { p } else { 1.0 - p };
    let t = if df.is_infinite() {
        -normal_quantile(q)
    } else if df == 1.0 {
        // Cauchy: t = cot(πq).
        if q < 0.25 { 1.0 / (PI * q).tan() } else { (PI * (0.5 - q)).tan() }
    } else if df == 2.0 {
        (1.0 - 2.0 * q) / (2.0 * q * (1.0 - q)).sqrt()
    } else {
        t_upper_quantile(q, df)
    };
    if lower { -t } else { t }
}

/// Sample summary: mean, sample standard deviation and a two-sided
/// Student-t confidence interval for the mean.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub n: usize,
    pub mean: f64,
    /// Sample standard deviation (divisor n − 1); NaN when n < 2.
    pub stdev: f64,
    /// Lower bound of the confidence interval for the mean; NaN when n < 2.
    pub ci_low: f64,
    /// Upper bound of the confidence interval for the mean; NaN when n < 2.
    pub ci_high: f64,
}

/// The upper quantile at (1+level)/2 with `df` degrees of freedom,
/// remembered per thread: aggregation asks for the same few values often.
fn two_sided_t(level: f64, df: usize) -> f64 {
    use std::cell::RefCell;
    use std::collections::HashMap;
    thread_local! {
        static CACHE: RefCell<HashMap<(u64, usize), f64>> = RefCell::new(HashMap::new());
    }
    CACHE.with(|cache| {
        // Computed from the small tail.
        *cache.borrow_mut().entry((level.to_bits(), df)).or_insert_with(|| -t_quantile(0.5 * (1.0 - level), df as f64))
    })
}

/// Summarizes `values` with a two-sided Student-t confidence interval at
/// `level` (e.g. 0.95): `mean ± t_{(1+level)/2, n−1} · stdev / √n`.
///
/// Returns `None` for an empty slice. With `n < 2`, `stdev` and the interval
/// are NaN; a `level` outside `(0, 1)` gives a NaN interval. Uses a corrected
/// two-pass algorithm, so it is accurate for data with a large common offset.
pub fn summarize(values: &[f64], level: f64) -> Option<Summary> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let nf = n as f64;
    let first = values.iter().sum::<f64>() / nf;
    // Second pass: deviations, with the mean refined by their sum.
    let (sum_d, sum_d2) = values.iter().fold((0.0, 0.0), |(s, s2), &x| {
        let d = x - first;
        (s + d, s2 + d * d)
    });
    let mean = first + sum_d / nf;
    if n < 2 {
        return Some(Summary { n, mean, stdev: f64::NAN, ci_low: f64::NAN, ci_high: f64::NAN });
    }
    let var = ((sum_d2 - sum_d * sum_d / nf) / (nf - 1.0)).max(0.0);
    let stdev = var.sqrt();
    let (ci_low, ci_high) = if level > 0.0 && level < 1.0 {
        // Upper quantile at (1+level)/2, computed from the small tail.
        let t = two_sided_t(level, n - 1);
        let half = t * stdev / nf.sqrt();
        (mean - half, mean + half)
    } else {
        (f64::NAN, f64::NAN)
    };
    Some(Summary { n, mean, stdev, ci_low, ci_high })
}

#[cfg(test)]
#[allow(clippy::excessive_precision)] // reference values carry extra digits
mod tests {
    use super::*;

    /// Asserts `|got − want| <= tol · |want|` (absolute when `want = 0`).
    fn close(got: f64, want: f64, tol: f64) {
        let err = if want == 0.0 { got.abs() } else { ((got - want) / want).abs() };
        assert!(err <= tol, "got {got:e}, want {want:e}, rel err {err:e}");
    }

    #[test]
    fn ln_gamma_known_values() {
        close(ln_gamma(1.0), 0.0, 1e-15);
        close(ln_gamma(2.0), 0.0, 1e-15);
        close(ln_gamma(0.5), 0.572_364_942_924_700_1, 1e-15);
        close(ln_gamma(3.0), 2.0_f64.ln(), 3e-15);
        close(ln_gamma(10.0), 362_880.0_f64.ln(), 1e-15);
        close(ln_gamma(9.999), 12.799_575_780_077_412, 1e-14);
        close(ln_gamma(100.0), 359.134_205_369_575_4, 1e-15);
        close(ln_gamma(1e-8), 18.420_680_738_180_209, 1e-14);
        close(ln_gamma(1e10), 220_258_509_288.810_58, 1e-15);
        assert!(ln_gamma(0.0).is_nan() && ln_gamma(-1.0).is_nan());
    }

    #[test]
    fn ln_beta_agrees_across_branches() {
        // B(a, b) for integers: (a−1)!(b−1)!/(a+b−1)!.
        close(ln_beta(3.0, 4.0), (2.0 * 6.0 / 720.0_f64).ln(), 1e-14);
        // lnB(p, q) for large p, small q ≈ lnΓ(q) − q ln p.
        let (p, q) = (1e12_f64, 0.5_f64);
        close(ln_beta(p, q), ln_gamma(q) - q * p.ln(), 1e-12);
        // Symmetric, and continuous at the branch point 10.
        close(ln_beta(12.0, 9.99), ln_beta(9.99, 12.0), 1e-15);
        close(ln_beta(10.0, 10.0), ln_gamma(10.0) * 2.0 - ln_gamma(20.0), 1e-14);
        close(ln_beta(9.999_999, 10.0), ln_beta(10.0, 10.0), 1e-6);
    }

    #[test]
    fn incomplete_beta_and_gamma() {
        // I_x(1, b) = 1 − (1−x)^b; I_x(a, 1) = x^a.
        close(beta_reg(1.0, 3.5, 0.2), 1.0 - 0.8_f64.powf(3.5), 1e-14);
        close(beta_reg(2.5, 1.0, 0.3), 0.3_f64.powf(2.5), 1e-14);
        close(beta_reg(4.0, 6.0, 0.5) + beta_reg(6.0, 4.0, 0.5), 1.0, 1e-15);
        let (lo, hi) = beta_reg_pair(2.0, 3.0, 1e-20, 1.0);
        close(lo, 6.0 * 1e-40, 1e-12); // I ≈ x²·Γ(5)/(Γ(3)Γ(3))·… = 6x²
        close(hi, 1.0, 1e-15);
        assert!(beta_reg(0.0, 1.0, 0.5).is_nan() && beta_reg(1.0, 1.0, 1.5).is_nan());
        // P(1, x) = 1 − e^(−x); Q(n, x) = Poisson(x) CDF at n − 1.
        let (p, q) = gamma_reg(1.0, 0.7);
        close(p, -(-0.7_f64).exp_m1(), 1e-14);
        close(q, (-0.7_f64).exp(), 1e-14);
        let x = 3.0_f64;
        let poisson_le_2 = (-x).exp() * (1.0 + x + x * x / 2.0);
        close(gamma_reg(3.0, x).1, poisson_le_2, 1e-14);
        // Large, close arguments (mpmath reference values).
        close(gamma_reg(1e6, 1e6).1, 0.499_867_019_239_127_4, 1e-12);
        close(gamma_reg(1e6, 1e6 + 3000.0).0, 0.998_638_259_353_782_4, 1e-12);
    }

    #[test]
    fn normal_quantile_and_cdf() {
        // Reference values: mpmath at 40 digits.
        close(normal_quantile(0.975), 1.959_963_984_540_054, 1e-15);
        close(normal_quantile(0.3), -0.524_400_512_708_040_8, 1e-15);
        close(normal_quantile(1e-10), -6.361_340_902_404_056, 1e-15);
        close(normal_quantile(0.02425), -1.972_961_051_311_885, 1e-15);
        close(normal_quantile(0.999_999), 4.753_424_308_817_088, 1e-12);
        assert_eq!(normal_quantile(0.5), 0.0);
        assert_eq!(normal_quantile(0.0), f64::NEG_INFINITY);
        assert_eq!(normal_quantile(1.0), f64::INFINITY);
        assert!(normal_quantile(1.5).is_nan() && normal_quantile(f64::NAN).is_nan());
        assert!(normal_quantile(1e-300) < -37.0);
        for &p in &[1e-300, 1e-50, 1e-12, 0.01, 0.2, 0.5, 0.7, 0.99] {
            close(normal_cdf(normal_quantile(p)), p, 1e-13);
        }
        close(normal_cdf(1.959_963_984_540_054), 0.975, 1e-15);
        close(normal_cdf(-10.0), 7.619_853_024_160_527e-24, 1e-13);
    }

    #[test]
    fn t_quantile_table_values() {
        // Reference values: mpmath (40 digits) inverting the incomplete beta.
        let cases: [(f64, f64, f64); 19] = [
            (0.975, 9.0, 2.262_157_162_798_205),
            (0.975, 1.0, 12.706_204_736_174_693),
            (1.0 - 0.05 / 6.0, 29.0, 2.540_908_149_498_904_3),
            (0.995, 1000.0, 2.580_754_698_065_950_8),
            (0.975, 2.0, 4.302_652_729_749_461_8),
            (0.95, 3.0, 2.353_363_434_801_823),
            (0.9, 5.0, 1.475_884_048_824_481_3),
            (0.999, 10.0, 4.143_700_494_046_589),
            (0.6, 4.0, 0.270_722_294_707_597_36),
            (0.500_000_1, 7.0, 2.597_460_274_278_495_5e-7),
            (1e-12, 1.0, -318_309_886_183.790_7),
            (1e-12, 3.0, -10_331.108_244_292_486),
            (1e-12, 1.5, -52_194_694.273_446_35),
            (1.0 - 1e-12, 30.0, 11.397_227_795_416_011),
            (0.025, 2.5, -3.574_654_842_003_683),
            (0.99, 100.0, 2.364_217_366_238_482),
            (1e-9, 1.000_000_1, -318_309_269.128_361_85),
            (0.975, 30.5, 2.040_869_445_186_320_2),
            (1e-6, 200.0, -4.897_302_102_826_782),
        ];
        for &(p, df, want) in &cases {
            let got = t_quantile(p, df);
            let err = ((got - want) / want).abs();
            assert!(err < 1e-12, "t_quantile({p}, {df}) = {got}, want {want} ({err:e})");
        }
        close(t_quantile(0.999_999_9, 4.0), 73.985_758_057_510_53, 1e-12);
        close(t_quantile(0.7, 0.5), 1.009_525_878_607_165_6, 1e-12);
    }

    #[test]
    fn t_quantile_large_df_and_edges() {
        close(t_quantile(0.975, 1e6), 1.959_966_356_814_106_6, 1e-12);
        close(t_quantile(0.975, 1e9), 1.959_963_986_912_325, 1e-11);
        close(t_quantile(0.975, f64::INFINITY), 1.959_963_984_540_054, 1e-15);
        assert_eq!(t_quantile(0.5, 5.0), 0.0);
        assert_eq!(t_quantile(0.0, 5.0), f64::NEG_INFINITY);
        assert_eq!(t_quantile(1.0, 5.0), f64::INFINITY);
        assert!(t_quantile(-0.1, 5.0).is_nan());
        assert!(t_quantile(0.9, 0.0).is_nan());
        assert!(t_quantile(f64::NAN, 3.0).is_nan());
        // Antisymmetry (0.125 and 0.875 are exact complements).
        for &df in &[1.0, 2.0, 3.7, 50.0, 1e5] {
            assert_eq!(t_quantile(0.125, df), -t_quantile(0.875, df));
        }
        // Both sides of the switch to the Cornish–Fisher expansion
        // (mpmath reference values).
        let cases: [(f64, f64, f64); 7] = [
            (1e-12, 1e4, -7.043_371_602_055_776),
            (1e-12, 9999.0, -7.043_372_491_879_411),
            (1e-12, 1e5, -7.035_371_742_393_576),
            (0.975, 2e4, 1.960_082_605_158_134_8),
            (0.6, 1e5, 0.253_347_777_157_179_9),
            (0.9, 1e12, 1.281_551_565_545_447_2),
            (1e-7, 3e4, -5.200_552_441_733_325),
        ];
        for &(p, df, want) in &cases {
            close(t_quantile(p, df), want, 1e-13);
        }
    }

    #[test]
    fn t_cdf_values_and_round_trip() {
        close(t_cdf(2.0, 5.0), 0.949_030_260_585_070_8, 1e-14);
        close(t_cdf(-3.0, 10.0), 0.006_671_827_511_284_789, 1e-13);
        close(t_cdf(0.1, 1.0), 0.531_725_517_430_553_6, 1e-14);
        close(t_cdf(50.0, 3.0), 0.999_991_191_423_979_4, 1e-14);
        close(t_cdf(-1e6, 2.5), 7.193_397_190_814_238e-16, 1e-12);
        close(t_cdf(1.5, 1e7), 0.933_192_782_946_185_3, 1e-14);
        close(t_cdf(1.96, 1e6), 0.975_001_966_207_365_1, 1e-14);
        close(t_cdf(0.3, 1e8), 0.617_911_421_877_168_1, 1e-14);
        close(t_cdf(-2.0, 1e12), 0.022_750_131_948_314_185, 1e-13);
        close(t_cdf(-5.0, 9999.0), 2.915_168_205_114_159_6e-7, 1e-12);
        // Just inside and outside the Cornish–Fisher region at df = 1e4.
        close(t_cdf(-7.7, 1e4), 7.447_511_737_176_603e-15, 1e-12);
        close(t_cdf(-7.8, 1e4), 3.404_433_416_063_056e-15, 1e-12);
        close(1.0 - t_cdf(7.0, 1e4), 1.362_015_78e-12, 1e-4);
        assert_eq!(t_cdf(0.0, 3.0), 0.5);
        assert_eq!(t_cdf(f64::INFINITY, 3.0), 1.0);
        assert_eq!(t_cdf(f64::NEG_INFINITY, 3.0), 0.0);
        assert!(t_cdf(1.0, -1.0).is_nan());
        for &df in &[1.0, 1.3, 2.0, 3.0, 7.5, 29.0, 120.0, 1e4] {
            for &p in &[1e-12, 1e-7, 0.001, 0.025, 0.2, 0.45, 0.499_999] {
                let t = t_quantile(p, df);
                close(t_cdf(t, df), p, 1e-11);
            }
        }
    }

    #[test]
    fn summarize_basic() {
        assert_eq!(summarize(&[], 0.95), None);
        let one = summarize(&[3.5], 0.95).expect("non-empty");
        assert_eq!((one.n, one.mean), (1, 3.5));
        assert!(one.stdev.is_nan() && one.ci_low.is_nan() && one.ci_high.is_nan());

        // 1..=10: mean 5.5, s² = 55/6; CI half width = t_{0.975,9}·s/√10.
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        let s = summarize(&v, 0.95).expect("non-empty");
        assert_eq!(s.n, 10);
        close(s.mean, 5.5, 1e-15);
        close(s.stdev, (55.0_f64 / 6.0).sqrt(), 1e-15);
        let half = 2.262_157_162_798_205 * (55.0_f64 / 6.0).sqrt() / 10.0_f64.sqrt();
        close(s.ci_low, 5.5 - half, 1e-13);
        close(s.ci_high, 5.5 + half, 1e-13);

        // Two values, 95%: t_{0.975,1} = 12.706….
        let s = summarize(&[1.0, 3.0], 0.95).expect("non-empty");
        close(s.stdev, 2.0_f64.sqrt(), 1e-15);
        close(s.ci_high - s.mean, 12.706_204_736_174_693, 1e-13);

        // Invalid level: NaN interval, other fields intact.
        let s = summarize(&[1.0, 2.0, 4.0], 1.0).expect("non-empty");
        assert!(s.ci_low.is_nan() && s.ci_high.is_nan() && s.stdev.is_finite());
        // Constant data: zero width.
        let s = summarize(&[2.0; 5], 0.9).expect("non-empty");
        assert_eq!((s.stdev, s.ci_low, s.ci_high), (0.0, 2.0, 2.0));
    }

    #[test]
    fn summarize_is_stable_with_large_offset() {
        // Variance of {1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16} is 30.
        let v = [1e9 + 4.0, 1e9 + 7.0, 1e9 + 13.0, 1e9 + 16.0];
        let s = summarize(&v, 0.99).expect("non-empty");
        close(s.mean, 1e9 + 10.0, 1e-16);
        close(s.stdev, 30.0_f64.sqrt(), 1e-12);
        // Bonferroni-style level: t_{1−0.05/6, 3}.
        let s = summarize(&v, 1.0 - 0.05 / 3.0).expect("non-empty");
        let t = t_quantile(1.0 - 0.05 / 6.0, 3.0);
        // (ci_high − mean loses ~1e9·ε absolute to the offset.)
        close(s.ci_high - s.mean, t * 30.0_f64.sqrt() / 2.0, 1e-7);
    }
}
