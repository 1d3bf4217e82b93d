//! Queueing formulas (Erlang C, Erlang A) for checks and estimates.
//!
//! # Assumptions
//!
//! Both models describe one queue in steady state:
//!
//! * arrivals form a Poisson process with constant rate λ (`rate_per_sec`);
//! * `c` identical agents (`agents`), each serving one contact at a time, so
//!   with chat concurrency `agents` must be read as the number of concurrent
//!   slots (an approximation: real slots of one agent are not independent);
//! * handle times are exponential with mean `aht_secs` (μ = 1/aht), whatever
//!   the load;
//! * one FIFO queue, no retrials, no priorities, no routing delays.
//!
//! Erlang C (M/M/c) assumes infinite patience and exists only below capacity
//! (offered load `a = λ·aht < c`). Erlang A (M/M/c+M, Palm's model) adds
//! abandonment: each waiting customer leaves after an exponential patience
//! with mean θ (`patience_mean_secs`) unless service starts first; customers
//! in service never abandon. It is stable at any load.
//!
//! All times are seconds. Invalid parameters (negative, NaN, zero handle
//! time) give `None` from [`erlang_c`] and NaN fields from [`erlang_a`].
//!
//! # Erlang A computation
//!
//! The number in system `N` is a birth–death chain with birth rate λ and
//! death rate `min(n,c)·μ + max(n−c,0)·γ`, γ = 1/θ. Its stationary
//! distribution is summed in log space (stable for hundreds of agents and
//! for loads above capacity) up to the state from which the remaining tail
//! mass is below e⁻⁴⁰ ≈ 4e-18 of the largest state probability.
//!
//! By PASTA, an arrival finds `j = n − c >= 0` customers ahead with
//! probability π(c+j). While it waits with `k` ahead, its position drops at
//! rate `cμ + kγ` (a service start or an abandonment ahead) and it abandons
//! itself at rate γ, so each of its `j+1` phases ends after an Exp(cμ+(k+1)γ)
//! time independently of how it ends. Hence
//!
//! * `P(served | j) = Π_{k=0..j} (cμ+kγ)/(cμ+(k+1)γ) = cμ/(cμ+(j+1)γ)`;
//! * `E[W·1{served} | j] = P(served | j)·Σ_{k=1..j+1} 1/(cμ+kγ)`;
//! * given service, the wait is hypoexponential with rates `γ(m+k)`,
//!   `k = 1..j+1`, `m = cμ/γ`; then `e^{−γW} ~ Beta(m+1, j+1)`, so
//!   `P(W <= T | served, j) = I_u(j+1, m+1)` with `u = 1 − e^{−γT}`, which is
//!   the tail `P(X >= j+1)` of a negative binomial `X` with `m+1` successes
//!   and success probability `e^{−γT}`. Its terms are positive and obey
//!   `P(X = i) / P(X = i−1) = (cμ + iγ)·τ/i`, `τ = (1 − e^{−γT})/γ`, starting
//!   from `P(X = 0) = e^{−(cμ+γ)T}`. For γ → 0 this is the Poisson(cμT) law
//!   of Erlang C.
//!
//! So all the waiting-time quantities are exact sums over the same states,
//! computed in one O(states) pass with compensated summation; the cost is
//! that of the stationary distribution. The pass over the waiting states
//! `j >= 0` is shared with the chat model ([`chat`]), where `cμ` becomes the
//! completion rate `D` with every chat slot busy.

pub mod calibrate;
pub mod chat;
pub mod estimate;
pub mod roster;
pub mod warnings;

pub use chat::{ChatCenter, ChatCenterResult, solve_chat_center};

/// Largest number of states of the Erlang A chain before giving up (only
/// reached with astronomically long patience at or above capacity).
const MAX_STATES: usize = 100_000_000;
/// Log of the tail mass, relative to the largest state probability, beyond
/// which the Erlang A chain is truncated.
const LN_TAIL: f64 = -40.0;

/// Erlang C (M/M/c) steady-state results.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErlangC {
    /// Probability that an arrival waits (all agents busy), `C(c, a)`.
    pub p_wait: f64,
    /// Average speed of answer (mean wait over all arrivals), seconds.
    pub asa: f64,
    /// `P(wait <= T)` over all arrivals.
    pub service_level: f64,
    /// Agent occupancy `a/c`.
    pub occupancy: f64,
}

/// Erlang B blocking probability for offered load `load` (erlangs) and
/// `agents` servers, by the stable recursion `B(k) = a·B(k−1)/(k + a·B(k−1))`.
/// NaN for a negative or non-finite load.
pub fn erlang_b(load: f64, agents: u32) -> f64 {
    if !(load >= 0.0 && load.is_finite()) {
        return f64::NAN;
    }
    let mut b = 1.0;
    for k in 1..=agents {
        b = load * b / (f64::from(k) + load * b);
    }
    b
}

/// The blocking probability of M/M/c/K with offered load `load` (erlangs),
/// `agents` servers and room for `waiting` chats in the queue (K = c +
/// waiting): the steady-state share of time, and by PASTA of arrivals, with
/// every server busy and the queue full. `waiting = 0` is Erlang B. The
/// states' weights a^n/n! (n ≤ c), then a^c/c!·(a/c)^(n−c), are summed
/// relative to the last one, so nothing overflows. NaN for a negative or
/// non-finite load.
pub fn mmck_blocking(load: f64, agents: u32, waiting: u32) -> f64 {
    if !(load >= 0.0 && load.is_finite()) {
        return f64::NAN;
    }
    if waiting == 0 || agents == 0 {
        return erlang_b(load, agents);
    }
    // 1/B(c) = Σ_{n≤c} π_n/π_c; then each waiting state adds (c/a)^j more.
    let inv_b = 1.0 / erlang_b(load, agents);
    let c = f64::from(agents);
    // Weights of states c..K relative to state K: (c/a)^(K−n).
    let r = c / load;
    let mut tail = 0.0; // Σ_{j=0}^{waiting−1} r^j, states K..c+1
    let mut power = 1.0;
    for _ in 0..waiting {
        tail += power;
        power *= r;
    }
    // power = r^waiting: state c relative to K; states 0..c add inv_b times that.
    1.0 / (tail + power * inv_b)
}

/// Erlang C for arrival rate `rate_per_sec`, mean handle time `aht_secs`,
/// `agents` agents and service-level threshold `threshold_secs`.
///
/// Returns `None` when the queue is unstable (`λ·aht >= agents`, including
/// zero agents) or a parameter is invalid (negative or non-finite rate,
/// non-positive or non-finite handle time, negative or NaN threshold; an
/// infinite threshold is allowed).
pub fn erlang_c(rate_per_sec: f64, aht_secs: f64, agents: u32, threshold_secs: f64) -> Option<ErlangC> {
    let valid = rate_per_sec >= 0.0
        && rate_per_sec.is_finite()
        && aht_secs > 0.0
        && aht_secs.is_finite()
        && threshold_secs >= 0.0;
    if !valid || agents == 0 {
        return None;
    }
    let a = rate_per_sec * aht_secs;
    let c = f64::from(agents);
    if a >= c {
        return None;
    }
    let b = erlang_b(a, agents);
    let rho = a / c;
    let p_wait = b / (1.0 - rho * (1.0 - b));
    Some(ErlangC {
        p_wait,
        asa: p_wait * aht_secs / (c - a),
        service_level: 1.0 - p_wait * (-(c - a) * threshold_secs / aht_secs).exp(),
        occupancy: rho,
    })
}

/// Erlang A (M/M/c+M) steady-state results.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErlangA {
    /// Probability that an arrival must wait, `P(N >= c)`.
    pub p_wait: f64,
    /// Probability that an arrival abandons, `γ·E[(N−c)⁺]/λ`.
    pub p_abandon: f64,
    /// Mean wait of served customers (including those served at once),
    /// `E[W·1{served}] / P(served)`, seconds; NaN if nobody is served.
    pub asa: f64,
    /// `P(served and wait <= T)` over all arrivals.
    pub service_level: f64,
    /// Agent occupancy `E[min(N, c)]/c`; NaN with zero agents.
    pub occupancy: f64,
    /// Mean number waiting, `E[(N−c)⁺]`.
    pub mean_queue: f64,
}

impl ErlangA {
    fn nan() -> Self {
        ErlangA {
            p_wait: f64::NAN,
            p_abandon: f64::NAN,
            asa: f64::NAN,
            service_level: f64::NAN,
            occupancy: f64::NAN,
            mean_queue: f64::NAN,
        }
    }
}

/// Neumaier-compensated sum.
#[derive(Default, Clone, Copy)]
struct Sum {
    s: f64,
    c: f64,
}

impl Sum {
    fn add(&mut self, x: f64) {
        let t = self.s + x;
        if self.s.abs() >= x.abs() {
            self.c += (self.s - t) + x;
        } else {
            self.c += (x - t) + self.s;
        }
        self.s = t;
    }

    fn get(self) -> f64 {
        self.s + self.c
    }
}

/// The waiting states of a queue hanging off the state where every server
/// (or chat slot) is busy: `q = 0, 1, …` waiting, birth rate λ, death rate
/// `D + qγ` out of `q >= 1`. `D` is the departure rate with every server
/// busy (`cμ` for Erlang A) and γ the abandonment rate of each waiting
/// customer. See the module docs for the waiting-time sums.
#[derive(Debug, Clone, Copy, PartialEq)]
struct QueueTail {
    /// Arrival rate λ.
    lambda: f64,
    /// Departure rate `D` with every server busy.
    d: f64,
    /// Abandonment rate γ (0 for infinite patience).
    gamma: f64,
    /// Log-weight of `q = 0`; later ones follow by `l(q) = l(q−1) + ln(λ/(D + qγ))`.
    ln_w0: f64,
    /// The weights summed are `exp(l(q) − ln_ref)`.
    ln_ref: f64,
    /// Number of queue states summed, `q = 0..states`.
    states: usize,
}

/// Weighted sums over the states of a [`QueueTail`], `w` the weight of `q`.
#[derive(Default)]
struct TailSums {
    /// Σ w.
    p_full: f64,
    /// Σ q·w.
    queue: f64,
    /// Σ w·P(served | q).
    served: f64,
    /// Σ w·E[W·1{served} | q].
    wait_served: f64,
    /// Σ w·P(served, W <= T | q).
    served_in_time: f64,
}

impl QueueTail {
    /// One compensated pass over the queue states for threshold `t` (>= 0),
    /// calling `on_weight` with each state's weight in order.
    fn sums(&self, t: f64, mut on_weight: impl FnMut(f64)) -> TailSums {
        let (d, gamma) = (self.d, self.gamma);
        let ln_lambda = self.lambda.ln();
        // Negative-binomial recursion for P(W <= T | served, q) (module docs).
        let tau = if gamma > 0.0 { -(-gamma * t).exp_m1() / gamma } else { t };
        let ln_nb0 = -(d + gamma) * t;
        let mut p_full = Sum::default();
        let mut queue = Sum::default();
        let mut served = Sum::default();
        let mut wait_served = Sum::default();
        let mut served_late = Sum::default(); // Σ w s_q P(W > T | served, q)
        let mut h = 0.0; // Σ_{k=1..q+1} 1/(D + kγ)
        let mut ln_nb = Sum::default(); // ln P(X = q)
        let mut nb_cdf = Sum::default(); // P(X <= q)
        let mut l = self.ln_w0; // l(q)
        for q in 0..self.states {
            let qf = q as f64;
            if q > 0 {
                l += ln_lambda - (d + qf * gamma).ln();
            }
            let w = (l - self.ln_ref).exp();
            on_weight(w);
            p_full.add(w);
            queue.add(qf * w);
            h += 1.0 / (d + (qf + 1.0) * gamma);
            let s = d / (d + (qf + 1.0) * gamma);
            served.add(w * s);
            wait_served.add(w * s * h);
            // P(W > T | served, q) = P(X <= q).
            let late = if t.is_infinite() {
                0.0
            } else if t == 0.0 {
                1.0
            } else {
                if q == 0 {
                    ln_nb.add(ln_nb0);
                } else {
                    ln_nb.add(((d + qf * gamma) * tau / qf).ln());
                }
                nb_cdf.add(ln_nb.get().exp());
                nb_cdf.get().min(1.0)
            };
            served_late.add(w * s * late);
        }
        let served = served.get();
        TailSums {
            p_full: p_full.get(),
            queue: queue.get(),
            served,
            wait_served: wait_served.get(),
            served_in_time: (served - served_late.get()).max(0.0),
        }
    }
}

/// Erlang A for arrival rate `rate_per_sec`, mean handle time `aht_secs`,
/// `agents` agents, mean patience `patience_mean_secs` and service-level
/// threshold `threshold_secs`. See the module docs for the model and method.
///
/// `patience_mean_secs = +∞` gives Erlang C (NaN fields if that is
/// unstable); `threshold_secs = +∞` gives `service_level = P(served)`. All
/// fields are NaN for invalid parameters (negative or non-finite rate,
/// non-positive or non-finite handle time, non-positive or NaN patience,
/// negative or NaN threshold), or if the chain would need more than
/// 10⁸ states.
pub fn erlang_a(
    rate_per_sec: f64,
    aht_secs: f64,
    agents: u32,
    patience_mean_secs: f64,
    threshold_secs: f64,
) -> ErlangA {
    let valid = rate_per_sec >= 0.0
        && rate_per_sec.is_finite()
        && aht_secs > 0.0
        && aht_secs.is_finite()
        && patience_mean_secs > 0.0
        && threshold_secs >= 0.0;
    if !valid {
        return ErlangA::nan();
    }
    let lambda = rate_per_sec;
    let mu = 1.0 / aht_secs;
    let gamma = 1.0 / patience_mean_secs; // 0 for infinite patience
    let c = agents as usize;
    let cf = f64::from(agents);
    let c_mu = cf * mu;
    if lambda == 0.0 {
        return ErlangA {
            p_wait: 0.0,
            p_abandon: 0.0,
            asa: 0.0,
            service_level: 1.0,
            occupancy: if agents > 0 { 0.0 } else { f64::NAN },
            mean_queue: 0.0,
        };
    }
    // Just below capacity without patience the weights beyond c fall by
    // λ/(cμ) = 1 − δ a state: more than (40 + ln(1/δ))/δ states, over the
    // limit for any δ ≤ 1e-7 (an integer load hits it through rounding). Said
    // at once rather than after summing 10⁸ states.
    if gamma == 0.0 && lambda >= c_mu * (1.0 - 1e-7) {
        return ErlangA::nan();
    }
    // Above capacity the distribution peaks near c + (λ − cμ)/γ waiting.
    if lambda > c_mu && (lambda - c_mu) / gamma > MAX_STATES as f64 {
        return ErlangA::nan();
    }

    // Death rate out of state n (> 0 for n >= 1 here).
    let death = |n: usize| -> f64 { if n <= c { n as f64 * mu } else { c_mu + (n - c) as f64 * gamma } };
    let ln_lambda = lambda.ln();

    // Pass 1: log-weights l(n) = Σ ln(λ/d(k)); find the maximum and the
    // truncation point. Death rates never decrease, so once λ/d(n+1) < 1 the
    // weights decrease and the tail beyond n is at most w(n)·r/(1−r).
    let mut l = 0.0;
    let mut l_max = 0.0_f64;
    let mut n_last = 0;
    loop {
        let ln_r = ln_lambda - death(n_last + 1).ln();
        if ln_r < 0.0 && l + ln_r - (-ln_r.exp_m1()).ln() < l_max + LN_TAIL {
            break;
        }
        if n_last >= MAX_STATES {
            return ErlangA::nan();
        }
        l += ln_r;
        l_max = l_max.max(l);
        n_last += 1;
    }

    // Pass 2: the same weights, accumulated; the states n >= c are the
    // queue tail with D = cμ.
    let mut total = Sum::default();
    let mut below_c = Sum::default(); // Σ_{n<c} w
    let mut busy = Sum::default(); // Σ min(n,c) w
    let mut l = 0.0;
    for n in 0..c.min(n_last + 1) {
        if n > 0 {
            l += ln_lambda - death(n).ln();
        }
        let w = (l - l_max).exp();
        total.add(w);
        below_c.add(w);
        busy.add(n as f64 * w);
    }
    if c > 0 {
        l += ln_lambda - death(c).ln(); // l(c)
    }
    let tail = QueueTail { lambda, d: c_mu, gamma, ln_w0: l, ln_ref: l_max, states: (n_last + 1).saturating_sub(c) };
    let sums = tail.sums(threshold_secs, |w| {
        total.add(w);
        busy.add(cf * w);
    });

    let z = total.get();
    let p_below = below_c.get() / z;
    let mean_queue = sums.queue / z;
    let p_served = p_below + sums.served / z;
    ErlangA {
        p_wait: sums.p_full / z,
        p_abandon: gamma * mean_queue / lambda,
        asa: if p_served > 0.0 { sums.wait_served / z / p_served } else { f64::NAN },
        service_level: p_below + sums.served_in_time / z,
        occupancy: if agents > 0 { busy.get() / z / cf } else { f64::NAN },
        mean_queue,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Asserts `|got − want| <= tol·max(|want|, floor)`.
    fn close(got: f64, want: f64, tol: f64) {
        let err = (got - want).abs() / want.abs().max(1e-300);
        assert!(err <= tol, "got {got:e}, want {want:e}, rel err {err:e}");
    }

    /// Erlang C probability of waiting from its textbook sum (small c).
    fn erlang_c_direct(a: f64, c: u32) -> f64 {
        let mut term = 1.0; // a^k/k!
        let mut sum = 0.0;
        for k in 0..c {
            sum += term;
            term *= a / f64::from(k + 1);
        }
        // term = a^c/c!
        let top = term * f64::from(c) / (f64::from(c) - a);
        top / (sum + top)
    }

    #[test]
    fn mmck_blocking_matches_textbook_values() {
        // M/M/1/K: P_K = (1 − ρ)ρ^K / (1 − ρ^(K+1)); ρ = 0.5, K = 3.
        close(mmck_blocking(0.5, 1, 2), 0.5 * 0.125 / (1.0 - 0.0625), 1e-15);
        // M/M/2/3 with a = 2: weights 1, 2, 2, 2, so P_3 = 2/7.
        close(mmck_blocking(2.0, 2, 1), 2.0 / 7.0, 1e-15);
        // No room to wait is Erlang B; at ρ = 1 every state of M/M/1/K weighs the same.
        assert_eq!(mmck_blocking(3.0, 2, 0), erlang_b(3.0, 2));
        close(mmck_blocking(1.0, 1, 4), 1.0 / 6.0, 1e-15);
        // A huge queue under light load blocks almost nobody; heavy load, almost all of the excess.
        assert!(mmck_blocking(5.0, 10, 1000) < 1e-300);
        close(mmck_blocking(20.0, 10, 10_000), 0.5, 1e-12);
        assert_eq!(mmck_blocking(0.0, 3, 2), 0.0);
        assert!(mmck_blocking(-1.0, 3, 2).is_nan());
    }

    #[test]
    fn erlang_b_small_cases() {
        // B(1, a) = a/(1+a); B(2, a) = a²/2 / (1 + a + a²/2).
        close(erlang_b(3.0, 1), 0.75, 1e-15);
        close(erlang_b(3.0, 2), 4.5 / 8.5, 1e-15);
        assert_eq!(erlang_b(0.0, 5), 0.0);
        assert_eq!(erlang_b(2.0, 0), 1.0);
        assert!(erlang_b(-1.0, 3).is_nan());
    }

    #[test]
    fn erlang_c_textbook_example() {
        // λ = 120/h, AHT = 6 min → a = 12 erlangs on 14 agents, T = 20 s.
        let r = erlang_c(120.0 / 3600.0, 360.0, 14, 20.0).expect("stable");
        let pw = erlang_c_direct(12.0, 14);
        close(r.p_wait, pw, 1e-13);
        close(r.p_wait, 0.481_705_372_614_988_46, 1e-13); // mpmath, 50 digits
        close(r.asa, pw * 360.0 / 2.0, 1e-13);
        close(r.service_level, 1.0 - pw * (-2.0 * 20.0 / 360.0_f64).exp(), 1e-13);
        close(r.occupancy, 12.0 / 14.0, 1e-15);
        // Service level is 1 − P(wait) at T = 0 and 1 at T = ∞.
        let r0 = erlang_c(120.0 / 3600.0, 360.0, 14, 0.0).expect("stable");
        close(r0.service_level, 1.0 - pw, 1e-13);
        let inf = erlang_c(120.0 / 3600.0, 360.0, 14, f64::INFINITY).expect("stable");
        assert_eq!(inf.service_level, 1.0);
    }

    #[test]
    fn erlang_c_matches_direct_sum() {
        for &(a, c) in &[(0.5, 1), (4.2, 5), (9.9, 10), (20.0, 30), (50.0, 60)] {
            let r = erlang_c(a / 100.0, 100.0, c, 30.0).expect("stable");
            close(r.p_wait, erlang_c_direct(a, c), 1e-12);
        }
    }

    #[test]
    fn erlang_c_rejects_unstable_and_invalid() {
        assert!(erlang_c(1.0, 10.0, 10, 20.0).is_none()); // a = c
        assert!(erlang_c(1.0, 10.0, 5, 20.0).is_none());
        assert!(erlang_c(0.1, 10.0, 0, 20.0).is_none());
        assert!(erlang_c(-0.1, 10.0, 3, 20.0).is_none());
        assert!(erlang_c(0.1, 0.0, 3, 20.0).is_none());
        assert!(erlang_c(0.1, 10.0, 3, -1.0).is_none());
        assert!(erlang_c(f64::NAN, 10.0, 3, 1.0).is_none());
        let idle = erlang_c(0.0, 10.0, 3, 20.0).expect("stable");
        assert_eq!((idle.p_wait, idle.asa, idle.service_level), (0.0, 0.0, 1.0));
    }

    #[test]
    fn erlang_c_large_c() {
        // c = 200, a = 190: the recursion stays finite where a^c/c! overflows.
        let r = erlang_c(190.0 / 300.0, 300.0, 200, 20.0).expect("stable");
        assert!(r.p_wait > 0.0 && r.p_wait < 1.0, "{r:?}");
        assert!(r.asa > 0.0 && r.asa.is_finite());
        assert!(r.service_level > 0.0 && r.service_level < 1.0);
        close(r.occupancy, 0.95, 1e-15);
        close(r.asa, r.p_wait * 300.0 / 10.0, 1e-14);
        // Continuity: one more agent waits less; one fewer waits more.
        let more = erlang_c(190.0 / 300.0, 300.0, 201, 20.0).expect("stable");
        let less = erlang_c(190.0 / 300.0, 300.0, 199, 20.0).expect("stable");
        assert!(more.p_wait < r.p_wait && r.p_wait < less.p_wait);
        // Exact value (mpmath, 50 digits, from the textbook sum).
        close(r.p_wait, 0.365_263_856_562_546_4, 1e-12);
        // Very large systems too.
        let big = erlang_c(4950.0 / 300.0, 300.0, 5000, 20.0).expect("stable");
        close(big.p_wait, 0.366_098_219_422_723_46, 1e-11);
    }

    /// Stationary distribution of the Erlang A chain by plain products
    /// (small systems only), truncated at `n_max`.
    fn brute_pi(lambda: f64, mu: f64, c: usize, gamma: f64, n_max: usize) -> Vec<f64> {
        let mut p = vec![1.0];
        for n in 1..=n_max {
            let d = if n <= c { n as f64 * mu } else { c as f64 * mu + (n - c) as f64 * gamma };
            let prev = p[n - 1];
            p.push(prev * lambda / d);
        }
        let z: f64 = p.iter().sum();
        p.iter().map(|x| x / z).collect()
    }

    /// Brute force by uniformisation of the tagged customer's position
    /// chain, started from the arrival-time distribution `pi` (small
    /// systems, ΛT < 700): `(P(served, W <= T), P(served), E[W·1{served}])`.
    fn brute_service(pi: &[f64], c: usize, mu: f64, gamma: f64, t: f64) -> (f64, f64, f64) {
        let c_mu = c as f64 * mu;
        // Position k (k ahead) is left at rate cμ + (k+1)γ: to k−1 at
        // cμ + kγ (service from k = 0), abandonment at γ.
        let k_max = pi.len() - c - 1;
        let big_l = c_mu + (k_max as f64 + 1.0) * gamma;
        let immediate: f64 = pi[..c].iter().sum();
        let mut v: Vec<f64> = pi[c..].to_vec();
        let x = big_l * t;
        let mut weight = (-x).exp(); // Poisson(ΛT) pmf at n
        let (mut served, mut in_time, mut wait) = (0.0, 0.0, 0.0);
        for n in 1..10_000_000 {
            let mut next = vec![0.0; v.len()];
            let mut delta = 0.0;
            for k in 0..v.len() {
                let out = c_mu + (k as f64 + 1.0) * gamma;
                next[k] += v[k] * (1.0 - out / big_l);
                if k > 0 {
                    next[k - 1] += v[k] * (c_mu + k as f64 * gamma) / big_l;
                } else {
                    delta += v[0] * c_mu / big_l;
                }
            }
            v = next;
            served += delta;
            // The n-th jump of a rate-Λ Poisson process comes at mean n/Λ.
            wait += delta * n as f64 / big_l;
            weight *= x / n as f64;
            in_time += weight * served;
            let mass: f64 = v.iter().sum();
            // Past the mode, the Poisson tail is below weight·2 once n > 2x.
            if mass < 1e-18 && weight < 1e-30 && n as f64 > 2.0 * x {
                break;
            }
        }
        (immediate + in_time, immediate + served, wait)
    }

    #[test]
    fn erlang_a_matches_brute_force_uniformisation() {
        // (λ per s, AHT, c, mean patience, T, states): overloaded (a = 5 > c = 4);
        // below capacity with a longer threshold; overloaded, impatient, long threshold.
        let cases =
            [(0.05, 100.0, 4usize, 60.0, 20.0, 80), (0.1, 50.0, 6, 200.0, 45.0, 120), (0.2, 60.0, 8, 15.0, 120.0, 48)];
        for (lambda, aht, c, theta, t, states) in cases {
            let (mu, gamma) = (1.0 / aht, 1.0 / theta);
            let pi = brute_pi(lambda, mu, c, gamma, states);
            let (sl, p_served, wait) = brute_service(&pi, c, mu, gamma, t);
            let r = erlang_a(lambda, aht, c as u32, theta, t);
            close(r.service_level, sl, 1e-12);
            close(1.0 - r.p_abandon, p_served, 1e-12);
            close(r.asa, wait / p_served, 1e-12);
            let p_wait: f64 = pi[c..].iter().sum();
            close(r.p_wait, p_wait, 1e-12);
            let eq: f64 = pi.iter().enumerate().skip(c).map(|(n, p)| (n - c) as f64 * p).sum();
            close(r.mean_queue, eq, 1e-12);
            let busy: f64 = pi.iter().enumerate().map(|(n, p)| n.min(c) as f64 * p).sum();
            close(r.occupancy, busy / c as f64, 1e-12);
        }
    }

    #[test]
    fn erlang_a_abandonment_balance() {
        // γ·E[queue]/λ (rate balance) equals 1 − P(served) from the
        // per-position formula, which is what ASA and SL are built from.
        for &(lambda, aht, c, theta) in
            &[(0.05, 100.0, 4, 60.0), (2.0, 300.0, 200, 120.0), (0.7, 300.0, 200, 30.0), (0.01, 600.0, 3, 1000.0)]
        {
            let r = erlang_a(lambda, aht, c, theta, f64::INFINITY);
            close(r.service_level, 1.0 - r.p_abandon, 1e-11);
        }
    }

    #[test]
    fn erlang_a_with_gamma_equal_mu_is_poisson() {
        // With γ = μ every customer present leaves at rate μ: N ~ Poisson(a),
        // and a served customer that found j ahead waits like the (j+1)-th
        // order statistic of c+j+1 Exp(μ) variables.
        let (aht, c, a, t) = (120.0, 5usize, 6.5, 30.0);
        let mu = 1.0 / aht;
        let r = erlang_a(a * mu, aht, c as u32, aht, t);
        let mut pois = vec![(-a).exp()];
        for n in 1..200 {
            let prev = pois[n - 1];
            pois.push(prev * a / n as f64);
        }
        let p_wait: f64 = pois[c..].iter().sum();
        close(r.p_wait, p_wait, 1e-12);
        let eq: f64 = pois.iter().enumerate().skip(c).map(|(n, p)| (n - c) as f64 * p).sum();
        close(r.mean_queue, eq, 1e-12);
        close(r.p_abandon, eq / a, 1e-12);
        // SL via binomial tails: P(X_(j+1) <= T) = P(Bin(c+j+1, q) >= j+1).
        let q = -(-mu * t).exp_m1();
        let mut sl: f64 = pois[..c].iter().sum();
        let mut ew = 0.0;
        let mut ps = sl;
        for (j, &p) in pois[c..].iter().enumerate() {
            let m = c + j + 1;
            let served = c as f64 / m as f64;
            // Binomial pmf by a stable product, tail summed directly.
            let mut tail = 0.0;
            for i in (j + 1)..=m {
                let ln_pmf = ln_choose(m, i) + i as f64 * q.ln() + (m - i) as f64 * (-q).ln_1p();
                tail += ln_pmf.exp();
            }
            sl += p * served * tail;
            let mean_wait: f64 = (c + 1..=m).map(|k| aht / k as f64).sum();
            ew += p * served * mean_wait;
            ps += p * served;
        }
        close(r.service_level, sl, 1e-12);
        close(r.asa, ew / ps, 1e-12);
    }

    fn ln_choose(n: usize, k: usize) -> f64 {
        let lf = |m: usize| (1..=m).map(|i| (i as f64).ln()).sum::<f64>();
        lf(n) - lf(k) - lf(n - k)
    }

    #[test]
    fn erlang_a_tends_to_erlang_c() {
        for &(lambda, aht, c, t) in &[
            (120.0 / 3600.0, 360.0, 14u32, 20.0),
            (0.05, 100.0, 6, 10.0),
            (190.0 / 300.0, 300.0, 200, 20.0),
            (0.99 * 50.0 / 300.0, 300.0, 50, 60.0),
        ] {
            let ec = erlang_c(lambda, aht, c, t).expect("stable");
            // Infinite patience is Erlang C itself. θ = 1e12 s is a genuinely
            // different model: abandonment adds ~E[queue]/θ to the drift
            // cμ − λ, a 1.2e-7 relative change of ASA at ρ = 0.99.
            for (patience, tol) in [(f64::INFINITY, 1e-11), (1e12, 1e-6)] {
                let ea = erlang_a(lambda, aht, c, patience, t);
                close(ea.p_wait, ec.p_wait, tol);
                close(ea.asa, ec.asa, tol);
                close(ea.service_level, ec.service_level, tol);
                close(ea.occupancy, ec.occupancy, tol);
                assert!(ea.p_abandon < 1e-6);
            }
        }
        // Infinite patience above capacity is unstable.
        assert!(erlang_a(0.05, 100.0, 4, f64::INFINITY, 20.0).p_wait.is_nan());
    }

    #[test]
    fn erlang_a_large_c_overloaded() {
        // c = 200 agents, a = 250 erlangs, patience 60 s.
        let r = erlang_a(250.0 / 300.0, 300.0, 200, 60.0, 20.0);
        for v in [r.p_wait, r.p_abandon, r.asa, r.service_level, r.occupancy, r.mean_queue] {
            assert!(v.is_finite() && v >= 0.0, "{r:?}");
        }
        // At most c·μ can be served: P(abandon) >= 1 − c/a.
        assert!(r.p_abandon >= 1.0 - 200.0 / 250.0, "{r:?}");
        assert!(r.p_abandon < 0.21 && r.occupancy < 1.0 && r.occupancy > 0.99, "{r:?}");
        assert!(r.p_wait > 0.9 && r.p_wait < 1.0, "{r:?}");
        assert!(r.service_level > 0.0 && r.service_level < 1.0 - r.p_abandon, "{r:?}");
        // Fluid approximation: about (λ − cμ)·θ = 10 waiting.
        assert!((r.mean_queue - 10.0).abs() < 1.0, "{r:?}");
        // Served customers wait less than all customers do on average,
        // E[queue]/λ by Little's law.
        let p_served = 1.0 - r.p_abandon;
        assert!(r.asa * p_served < r.mean_queue / (250.0 / 300.0), "{r:?}");
        // Rate balance again at this scale.
        let inf = erlang_a(250.0 / 300.0, 300.0, 200, 60.0, f64::INFINITY);
        close(inf.service_level, 1.0 - inf.p_abandon, 1e-10);
        // Below capacity at c = 200 as well.
        let r = erlang_a(190.0 / 300.0, 300.0, 200, 120.0, 20.0);
        assert!(r.p_wait > 0.0 && r.p_wait < 1.0 && r.p_abandon < 0.05, "{r:?}");
    }

    #[test]
    fn erlang_a_monotone_in_threshold_and_agents() {
        let mut prev = -1.0;
        for t in [0.0, 1.0, 5.0, 20.0, 60.0, 300.0, f64::INFINITY] {
            let r = erlang_a(0.05, 100.0, 5, 90.0, t);
            assert!(r.service_level >= prev, "t = {t}: {r:?}");
            prev = r.service_level;
        }
        let r0 = erlang_a(0.05, 100.0, 5, 90.0, 0.0);
        close(r0.service_level, 1.0 - r0.p_wait, 1e-12);
        let fewer = erlang_a(0.05, 100.0, 4, 90.0, 20.0);
        let more = erlang_a(0.05, 100.0, 6, 90.0, 20.0);
        assert!(fewer.service_level < more.service_level);
        assert!(fewer.p_abandon > more.p_abandon);
    }

    #[test]
    fn erlang_a_edge_cases() {
        let idle = erlang_a(0.0, 100.0, 3, 60.0, 20.0);
        assert_eq!((idle.p_wait, idle.p_abandon, idle.service_level, idle.asa), (0.0, 0.0, 1.0, 0.0));
        // No agents: everybody waits and abandons.
        let none = erlang_a(0.05, 100.0, 0, 60.0, 20.0);
        close(none.p_wait, 1.0, 1e-15);
        close(none.p_abandon, 1.0, 1e-12);
        assert_eq!(none.service_level, 0.0);
        assert!(none.asa.is_nan() && none.occupancy.is_nan());
        close(none.mean_queue, 0.05 * 60.0, 1e-12);
        // Invalid input gives NaNs, never a panic.
        for r in [
            erlang_a(-1.0, 100.0, 3, 60.0, 20.0),
            erlang_a(0.1, 0.0, 3, 60.0, 20.0),
            erlang_a(0.1, 100.0, 3, 0.0, 20.0),
            erlang_a(0.1, 100.0, 3, 60.0, -1.0),
            erlang_a(0.1, 100.0, 3, f64::NAN, 20.0),
        ] {
            assert!(r.p_wait.is_nan() && r.service_level.is_nan());
        }
    }
}
