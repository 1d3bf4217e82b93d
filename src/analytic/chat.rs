//! Exact steady state of a chat center with concurrency, as a continuous-time
//! Markov chain: the analytic reference for the simulator's chat slots.
//!
//! # Model
//!
//! * `N` identical agents (`agents`), each holding at most `K` chats
//!   (`slots`) at once.
//! * Chats arrive as a Poisson process with rate λ (`rate_per_sec`).
//! * Each chat needs exponential work with mean 1/μ (`work_mean_secs`) at
//!   speed 1. An agent working `k` chats progresses each at `speed[k−1]`
//!   (processor sharing), so by memorylessness it completes chats at total
//!   rate `k·speed[k−1]·μ`.
//! * Routing is `least_busy`: an arriving chat goes at once to an agent with
//!   the fewest chats if any agent has a free slot; otherwise it waits in one
//!   FIFO queue. When a chat ends, the freed slot takes the head of the queue
//!   at once, so the queue is non-empty only while all `N·K` slots are busy.
//! * A waiting chat abandons after an exponential patience with mean θ
//!   (`patience_mean_secs`, `f64::INFINITY` for none); chats being served
//!   never abandon.
//!
//! Excluded (the simulator has them, this model does not): the offer/accept
//! delay and refusals, wrap-up, authentication and its failures, customer
//! silence and inactivity disconnects, transfers and commitments, priorities
//! and several queues or skills, staffing changes and closing. Everything is
//! stationary (constant λ and `N`). Work is exponential; the simulator's
//! usual lognormal handle times make this an approximation there.
//!
//! # State and transitions
//!
//! Agents are exchangeable, so the state is the occupancy profile
//! `(n_0, …, n_K)` — how many agents hold `0..=K` chats, summing to `N` —
//! while the queue is empty, and the queue length `q >= 1` when all slots are
//! busy (the profile is then `n_K = N`). Every profile is reachable, since
//! chats end at any agent, so all `C(N+K, K)` of them are enumerated.
//!
//! * Arrival (rate λ): to an agent at the lowest occupied level `j < K`
//!   (`n_j −1`, `n_{j+1} +1`); when every slot is busy, `q + 1`.
//! * Completion at an agent with `k` chats (rate `n_k·k·speed[k−1]·μ`): with
//!   `q > 0` the slot is refilled (`q − 1`, profile unchanged), else
//!   `n_k −1`, `n_{k−1} +1`.
//! * Abandonment (rate `q/θ`): `q − 1`.
//!
//! # Method
//!
//! The only transitions between the profiles and the queue states `q >= 1`
//! are `full → q = 1` (rate λ) and `q = 1 → full` (rate `D + γ`), with
//! `D = N·K·speed[K−1]·μ` the completion rate when all slots are busy and
//! γ = 1/θ. Hence:
//!
//! * the queue is a birth–death chain hanging off the full profile:
//!   `π(full, q) = π(full, 0)·Π_{i=1..q} λ/(D + iγ)` exactly;
//! * watched only on the profiles (the chain *censored* on them), an
//!   excursion into the queue always returns to the full profile, so the
//!   profile distribution is proportional to that of the *loss* chain (the
//!   same profiles, arrivals to a full center dropped). That chain is finite
//!   and irreducible and does not depend on θ.
//!
//! The loss chain is solved iteratively. The profiles are ordered by the
//! number of busy slots `b = Σ k·n_k` (the level: arrivals raise it by one,
//! completions lower it by one, nothing else moves). Each iteration is a
//! forward and a backward SOR sweep on the balance equations
//! `π_j·out_j = Σ_i π_i·q_ij`, followed by an aggregation–disaggregation
//! step: the level totals are replaced by the exact solution of the
//! birth–death chain on levels (birth λ; death the current conditional mean
//! completion rate of the level), which removes the slowest error mode. The
//! relaxation starts at 1.6 and falls back to 1.3 and then to Gauss–Seidel
//! if the residual diverges or stalls; a relaxed value that would not be
//! positive is replaced by the Gauss–Seidel one (same fixed point). The
//! iteration stops when the relative residual `‖πQ‖₁ / Σ_j π_j·out_j` is
//! below 1e-13 (or stalls below the round-off floor 1e-11); continuing to the
//! floor moves the distribution by ~1e-12 in L1 norm in all the cases
//! checked, so the outputs are exact to ~1e-12. With `K = 1` (or `N = 1`)
//! every level is a single profile and the aggregation alone is exact.
//!
//! The queue tail is summed in log space (stable overloaded, with long
//! patience) up to `q_max`, the first `q` beyond which the remaining tail mass
//! is provably below e⁻⁴⁰ ≈ 4e-18 of the largest queue-state probability (the
//! ratios `λ/(D+qγ)` never increase). The result reports `q_max`
//! (`truncated_at`) and the bound on the omitted probability (`tail_mass`).
//!
//! # Waiting times
//!
//! An arrival finding all slots busy with `j >= 0` chats ahead (PASTA: with
//! probability `π(full, j)`) moves up at rate `D + kγ` while `k` are ahead (a
//! completion anywhere refills a slot from the head, or one ahead abandons),
//! and abandons itself at rate γ: exactly the Erlang A structure with `cμ`
//! replaced by `D`. So, as documented in [`super::erlang_a`],
//! `P(served | j) = D/(D + (j+1)γ)`,
//! `E[W·1{served} | j] = P(served | j)·Σ_{k=1..j+1} 1/(D + kγ)`, and
//! `P(W <= T | served, j)` is a negative-binomial tail (a Poisson(`D·T`)
//! tail when θ = ∞). Chats arriving while a slot is free wait zero.
//!
//! # Limits
//!
//! * Up to 1,000,000 profiles (`C(N+K, K)`) and 100 slots, else an error.
//!   The work is about profiles × `K` × 40–200 iterations; measured in
//!   release mode:
//!   `N = 60, K = 3` (39,711 profiles) 0.03–0.2 s; `N = 50, K = 2` (1,326)
//!   under 5 ms; `N = 100, K = 3` (176,851) ~0.5 s; `N = 60, K = 4`
//!   (635,376) ~3 s. An error is also returned beyond 10⁸ queue states
//!   (astronomically long patience above capacity) or if the iteration does
//!   not converge within 5,000 iterations (not seen in practice).
//! * θ = ∞ requires `λ < D` (else an error): above that the queue grows
//!   without bound. With finite θ every load is allowed.
//! * Probabilities smaller than ~1e-300 underflow to zero (e.g. the full
//!   profile at tiny loads); such values are zero to every printed digit.

use super::{QueueTail, Sum, TailSums};
use std::collections::HashMap;

/// Largest number of occupancy profiles `C(N+K, K)` solved.
const MAX_PROFILES: usize = 1_000_000;
/// Largest number of slots per agent.
const MAX_SLOTS: u32 = 100;
/// Largest number of queue states summed.
const MAX_QUEUE: usize = 100_000_000;
/// Log of the queue tail mass, relative to the largest queue-state
/// probability, beyond which the queue is truncated.
const LN_TAIL: f64 = -40.0;
/// Relative residual `‖πQ‖₁ / Σ π·out` at which the iteration stops.
const RESIDUAL_TOL: f64 = 1e-13;
/// Residual accepted when the iteration stalls (round-off floor).
const RESIDUAL_FLOOR: f64 = 1e-11;
/// Iterations without a new best residual that count as a stall.
const STALL_ITERATIONS: usize = 100;
/// Relaxation factors tried in turn.
const OMEGAS: [f64; 3] = [1.6, 1.3, 1.0];
/// Budget of iterations (each a forward and a backward sweep).
const MAX_ITERATIONS: usize = 5_000;

/// A chat center with concurrency; see the module docs for the model.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatCenter {
    /// Number of agents `N` (>= 1).
    pub agents: u32,
    /// Chats an agent may hold at once, `K` (>= 1).
    pub slots: u32,
    /// Work speed of each chat while the agent works 1, 2, … chats; at least
    /// `slots` entries, each positive and finite (extra entries unused).
    pub speed: Vec<f64>,
    /// Arrival rate λ, chats per second.
    pub rate_per_sec: f64,
    /// Mean work of a chat at speed 1, seconds (exponential).
    pub work_mean_secs: f64,
    /// Mean patience θ of waiting chats, seconds (exponential);
    /// `f64::INFINITY` for no abandonment.
    pub patience_mean_secs: f64,
    /// Service-level threshold `T`, seconds (>= 0, may be infinite).
    pub threshold_secs: f64,
}

/// Steady-state figures of a [`ChatCenter`]. Probabilities are over all
/// arrivals unless said otherwise.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatCenterResult {
    /// Probability that an arrival finds all `N·K` slots busy (PASTA).
    pub p_wait: f64,
    /// Abandons ÷ arrivals, `E[q]/θ/λ`.
    pub p_abandon: f64,
    /// Mean number of chats waiting, `E[q]`.
    pub mean_queue: f64,
    /// Mean busy slots ÷ `N·K` (the simulator's `utilisation`).
    pub slot_occupancy: f64,
    /// Time-average share of agents holding at least one chat,
    /// `1 − E[n_0]/N` (the simulator's `occupancy`).
    pub agent_occupancy: f64,
    /// Share of agent-time with `k` chats, `E[n_k]/N`, for `k = 0..=K`.
    pub concurrency: Vec<f64>,
    /// Completed chats per second, `E[Σ_k n_k·k·speed[k−1]·μ]`; equals
    /// `λ·(1 − p_abandon)`.
    pub throughput: f64,
    /// Mean wait of answered chats (including those answered at once),
    /// seconds; NaN if none is answered.
    pub asa: f64,
    /// `P(answered and wait <= T)` at the parameters' `threshold_secs`; see
    /// [`ChatCenterResult::service_level`] for other thresholds.
    pub service_level: f64,
    /// Largest queue length `q_max` included in the sums.
    pub truncated_at: usize,
    /// Upper bound on the stationary probability of `q > q_max`, omitted.
    pub tail_mass: f64,
    /// States used: profiles plus queue states `1..=q_max`.
    pub states: usize,
    /// Final relative residual `‖πQ‖₁ / Σ π·out` of the profile solve.
    pub residual: f64,
    tail: Tail,
}

impl ChatCenterResult {
    /// `P(answered and wait <= threshold_secs)` over all arrivals; NaN for a
    /// negative or NaN threshold, `1 − p_abandon` for an infinite one.
    /// Costs one pass over the queue states.
    pub fn service_level(&self, threshold_secs: f64) -> f64 {
        if threshold_secs.is_nan() || threshold_secs < 0.0 {
            return f64::NAN;
        }
        let s = self.tail.sums(threshold_secs);
        self.tail.p_now + s.served_in_time
    }
}

/// The queue part: enough to redo the waiting-time sums for any threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Tail {
    /// P(an arrival finds a free slot).
    p_now: f64,
    /// ln π(full, 0).
    ln_p0: f64,
    lambda: f64,
    /// Completion rate with all slots busy.
    d: f64,
    gamma: f64,
    q_max: usize,
}

impl Tail {
    /// One pass over the queue states `q = 0..=q_max` of the full profile
    /// for threshold `t` (>= 0); the weights are the probabilities `π(full, q)`.
    fn sums(&self, t: f64) -> TailSums {
        let queue = QueueTail {
            lambda: self.lambda,
            d: self.d,
            gamma: self.gamma,
            ln_w0: self.ln_p0,
            ln_ref: 0.0,
            states: self.q_max + 1,
        };
        queue.sums(t, |_| {})
    }
}

/// The loss chain on occupancy profiles, ordered by level.
struct Chain {
    /// Profiles, flat: `n_1..n_K` of profile `i` at `i*K..(i+1)*K`.
    profiles: Vec<u32>,
    /// Profiles of level `b` are `level_start[b]..level_start[b+1]`.
    level_start: Vec<usize>,
    /// Completion rate of each profile.
    down: Vec<f64>,
    /// Total rate out of each profile (λ, except at the full profile, plus
    /// `down`).
    out: Vec<f64>,
    /// Incoming transitions of profile `j`: `in_start[j]..in_start[j+1]`
    /// into `in_from` / `in_rate`.
    in_start: Vec<usize>,
    in_from: Vec<u32>,
    in_rate: Vec<f64>,
}

/// `C(n+k, k)` as f64 (exact below 2^53).
fn profile_count(n: u32, k: u32) -> f64 {
    let mut c = 1.0_f64;
    for i in 1..=k {
        c = c * f64::from(n + i) / f64::from(i);
    }
    c.round()
}

impl Chain {
    fn build(n: u32, k: u32, speed: &[f64], mu: f64, lambda: f64) -> Chain {
        let kk = k as usize;
        // Enumerate (n_1..n_K) with Σ <= N.
        let mut profiles: Vec<u32> = Vec::new();
        let mut cur = vec![0u32; kk];
        fn rec(pos: usize, left: u32, cur: &mut Vec<u32>, out: &mut Vec<u32>) {
            if pos == cur.len() {
                out.extend_from_slice(cur);
                return;
            }
            for v in 0..=left {
                cur[pos] = v;
                rec(pos + 1, left - v, cur, out);
            }
            cur[pos] = 0;
        }
        rec(0, n, &mut cur, &mut profiles);
        let level = |p: &[u32]| -> usize { p.iter().enumerate().map(|(i, &c)| (i + 1) * c as usize).sum() };
        let count = profiles.len() / kk;
        let mut order: Vec<usize> = (0..count).collect();
        order.sort_by_key(|&i| level(&profiles[i * kk..(i + 1) * kk]));
        let profiles: Vec<u32> = order.iter().flat_map(|&i| profiles[i * kk..(i + 1) * kk].iter().copied()).collect();
        let top = (n * k) as usize;
        let mut level_start = vec![0usize; top + 2];
        for i in 0..count {
            level_start[level(&profiles[i * kk..(i + 1) * kk]) + 1] += 1;
        }
        for b in 0..=top {
            level_start[b + 1] += level_start[b];
        }
        let index: HashMap<&[u32], u32> = (0..count).map(|i| (&profiles[i * kk..(i + 1) * kk], i as u32)).collect();

        // Transitions (from, to, rate).
        let mut edges: Vec<(u32, u32, f64)> = Vec::with_capacity(count * (kk + 1));
        let mut down = vec![0.0; count];
        let mut out = vec![0.0; count];
        let mut next = vec![0u32; kk];
        for i in 0..count {
            let p = &profiles[i * kk..(i + 1) * kk];
            let n0 = n - p.iter().sum::<u32>();
            // Arrival to the lowest occupied level below K.
            let lowest = if n0 > 0 { Some(0) } else { (1..kk).find(|&j| p[j - 1] > 0) };
            if let Some(j) = lowest {
                next.copy_from_slice(p);
                if j > 0 {
                    next[j - 1] -= 1;
                }
                next[j] += 1;
                edges.push((i as u32, index[next.as_slice()], lambda));
                out[i] += lambda;
            }
            // Completions at an agent with k chats.
            for j in 1..=kk {
                if p[j - 1] == 0 {
                    continue;
                }
                let rate = f64::from(p[j - 1]) * j as f64 * speed[j - 1] * mu;
                next.copy_from_slice(p);
                next[j - 1] -= 1;
                if j > 1 {
                    next[j - 2] += 1;
                }
                edges.push((i as u32, index[next.as_slice()], rate));
                down[i] += rate;
                out[i] += rate;
            }
        }
        drop(index);
        let mut in_start = vec![0usize; count + 1];
        for &(_, to, _) in &edges {
            in_start[to as usize + 1] += 1;
        }
        for j in 0..count {
            in_start[j + 1] += in_start[j];
        }
        let mut fill = in_start.clone();
        let mut in_from = vec![0u32; edges.len()];
        let mut in_rate = vec![0.0; edges.len()];
        for &(from, to, rate) in &edges {
            let slot = &mut fill[to as usize];
            in_from[*slot] = from;
            in_rate[*slot] = rate;
            *slot += 1;
        }
        Chain { profiles, level_start, down, out, in_start, in_from, in_rate }
    }

    fn len(&self) -> usize {
        self.down.len()
    }

    /// Inflow into profile `j` under `pi`.
    fn inflow(&self, pi: &[f64], j: usize) -> f64 {
        let mut s = 0.0;
        for e in self.in_start[j]..self.in_start[j + 1] {
            s += pi[self.in_from[e] as usize] * self.in_rate[e];
        }
        s
    }

    /// One SOR sweep with relaxation `omega` (Gauss–Seidel at 1), in
    /// increasing or decreasing order. Where over-relaxation would make a
    /// probability non-positive, the plain Gauss–Seidel value is used
    /// instead (same fixed point, stays positive).
    fn sweep(&self, pi: &mut [f64], forward: bool, omega: f64) {
        let n = self.len();
        for step in 0..n {
            let j = if forward { step } else { n - 1 - step };
            let gs = self.inflow(pi, j) / self.out[j];
            let x = gs + (omega - 1.0) * (gs - pi[j]);
            pi[j] = if x > 0.0 { x } else { gs };
        }
    }

    /// Aggregation–disaggregation by level: rescales `pi` so that the level
    /// totals solve the birth–death chain on levels (birth λ, death the
    /// conditional mean completion rate), and so that `pi` sums to 1.
    fn aggregate(&self, pi: &mut [f64], lambda: f64) {
        let levels = self.level_start.len() - 1;
        let ln_lambda = lambda.ln();
        let mut ln_w = vec![0.0; levels];
        let mut mass = vec![0.0; levels];
        for b in 0..levels {
            let range = self.level_start[b]..self.level_start[b + 1];
            let m: f64 = pi[range.clone()].iter().sum();
            if !(m > 0.0 && m.is_finite()) {
                // Underflowed (or lost): restart this level uniformly.
                pi[range.clone()].fill(1.0);
            }
            let m: f64 = pi[range.clone()].iter().sum();
            mass[b] = m;
            if b > 0 {
                let d: f64 = range.map(|i| pi[i] * self.down[i]).sum::<f64>() / m;
                ln_w[b] = ln_w[b - 1] + ln_lambda - d.ln();
            }
        }
        let top = ln_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let z: f64 = ln_w.iter().map(|l| (l - top).exp()).sum();
        for b in 0..levels {
            let f = (ln_w[b] - top).exp() / z / mass[b];
            for x in &mut pi[self.level_start[b]..self.level_start[b + 1]] {
                *x *= f;
            }
        }
    }

    /// Relative residual `Σ_j |inflow_j − π_j·out_j| / Σ_j π_j·out_j`.
    fn residual(&self, pi: &[f64]) -> f64 {
        let mut num = 0.0;
        let mut den = 0.0;
        for j in 0..self.len() {
            let o = pi[j] * self.out[j];
            num += (self.inflow(pi, j) - o).abs();
            den += o;
        }
        num / den
    }

    /// Stationary distribution of the loss chain (sums to 1), the final
    /// residual and the number of iterations. Each iteration is a forward
    /// and a backward SOR sweep and an aggregation step. Relaxation starts
    /// at 1.6 and falls back (to 1.3, then Gauss–Seidel), restarting from
    /// the best iterate so far, if the residual blows up or stalls above
    /// the round-off floor.
    fn stationary(&self, lambda: f64) -> Result<(Vec<f64>, f64, usize), String> {
        let n = self.len();
        let mut pi = vec![1.0; n];
        self.aggregate(&mut pi, lambda);
        let mut best_res = self.residual(&pi);
        if n == self.level_start.len() - 1 {
            // One profile per level (K = 1, or N = 1): a birth–death
            // chain, solved exactly by the aggregation.
            return Ok((pi, best_res, 0));
        }
        let mut best = pi.clone();
        let mut iterations = 0;
        for omega in OMEGAS {
            pi.copy_from_slice(&best);
            let mut since_best = 0;
            while iterations < MAX_ITERATIONS {
                iterations += 1;
                self.sweep(&mut pi, true, omega);
                self.sweep(&mut pi, false, omega);
                self.aggregate(&mut pi, lambda);
                let res = self.residual(&pi);
                if res < best_res {
                    best_res = res;
                    best.copy_from_slice(&pi);
                    since_best = 0;
                    if res < RESIDUAL_TOL {
                        return Ok((best, best_res, iterations));
                    }
                } else {
                    since_best += 1;
                }
                if since_best >= STALL_ITERATIONS {
                    if best_res < RESIDUAL_FLOOR {
                        // No progress left below the round-off floor.
                        return Ok((best, best_res, iterations));
                    }
                    break; // stalled: less relaxation
                }
                if res.is_nan() || res >= 1e3 * best_res {
                    break; // diverging (or NaN): less relaxation
                }
            }
        }
        if best_res < RESIDUAL_FLOOR {
            return Ok((best, best_res, iterations));
        }
        Err(format!(
            "chat center solve: no convergence after {iterations} iterations on {n} profiles (residual {best_res:e})"
        ))
    }
}

/// Solves the chat center `params` exactly (module docs: model, method,
/// limits). Errors name the offending parameter, an unstable center
/// (θ = ∞ and `λ >= N·K·speed[K−1]·μ`), or a chain beyond the limits.
pub fn solve_chat_center(params: &ChatCenter) -> Result<ChatCenterResult, String> {
    let &ChatCenter { agents, slots, rate_per_sec, work_mean_secs, patience_mean_secs, threshold_secs, .. } = params;
    if agents == 0 {
        return Err("agents must be at least 1".into());
    }
    if slots == 0 {
        return Err("slots must be at least 1".into());
    }
    if slots > MAX_SLOTS {
        return Err(format!("slots = {slots} is more than the limit {MAX_SLOTS}"));
    }
    let k = slots as usize;
    if params.speed.len() < k {
        return Err(format!("speed has {} entries, fewer than slots = {slots}", params.speed.len()));
    }
    if let Some(s) = params.speed[..k].iter().find(|s| !(**s > 0.0 && s.is_finite())) {
        return Err(format!("speed {s} is not a positive finite number"));
    }
    if !(rate_per_sec >= 0.0 && rate_per_sec.is_finite()) {
        return Err(format!("rate_per_sec {rate_per_sec} is not a non-negative finite number"));
    }
    if !(work_mean_secs > 0.0 && work_mean_secs.is_finite()) {
        return Err(format!("work_mean_secs {work_mean_secs} is not a positive finite number"));
    }
    if patience_mean_secs.is_nan() || patience_mean_secs <= 0.0 {
        return Err(format!("patience_mean_secs {patience_mean_secs} is not positive (use infinity for none)"));
    }
    if threshold_secs.is_nan() || threshold_secs < 0.0 {
        return Err(format!("threshold_secs {threshold_secs} is not a non-negative number"));
    }
    let count = profile_count(agents, slots);
    if count > MAX_PROFILES as f64 {
        return Err(format!(
            "{agents} agents with {slots} slots need {count} occupancy profiles, more than the limit {MAX_PROFILES}"
        ));
    }
    let lambda = rate_per_sec;
    let mu = 1.0 / work_mean_secs;
    let gamma = 1.0 / patience_mean_secs;
    let speed = &params.speed[..k];
    let nf = f64::from(agents);
    let d = nf * k as f64 * speed[k - 1] * mu;
    if gamma == 0.0 && lambda >= d {
        return Err(format!(
            "unstable without abandonment: arrival rate {lambda}/s is not below the full-load completion rate \
             N·K·speed[K−1]/work_mean = {d}/s"
        ));
    }
    // Just below capacity without abandonment the tail falls by λ/D = 1 − δ a
    // state: it needs more than (40 + ln(1/δ))/δ states, over the limit for
    // any δ ≤ 1e-7 (an integer load hits it through rounding). Said at once
    // rather than after summing 10⁸ states.
    if gamma == 0.0 && lambda >= d * (1.0 - 1e-7) {
        return Err(format!("queue would need more than {MAX_QUEUE} states (load within 1e-7 of capacity)"));
    }
    if lambda > d && gamma > 0.0 && (lambda - d) / gamma > MAX_QUEUE as f64 {
        return Err(format!("queue would need more than {MAX_QUEUE} states (patience too long above capacity)"));
    }

    if lambda == 0.0 {
        let mut concurrency = vec![0.0; k + 1];
        concurrency[0] = 1.0;
        let tail = Tail { p_now: 1.0, ln_p0: f64::NEG_INFINITY, lambda, d, gamma, q_max: 0 };
        return Ok(ChatCenterResult {
            p_wait: 0.0,
            p_abandon: 0.0,
            mean_queue: 0.0,
            slot_occupancy: 0.0,
            agent_occupancy: 0.0,
            concurrency,
            throughput: 0.0,
            asa: 0.0,
            service_level: 1.0,
            truncated_at: 0,
            tail_mass: 0.0,
            states: count as usize,
            residual: 0.0,
            tail,
        });
    }
    let chain = Chain::build(agents, slots, speed, mu, lambda);
    let profiles = chain.len();
    let full = profiles - 1; // the only profile of the top level
    let (pi, residual, _iterations) = chain.stationary(lambda)?;

    // Queue tail, pass 1: log-weights l(q) = ln Π_{i<=q} λ/(D + iγ), their
    // maximum and the truncation point (as in Erlang A).
    let ln_lambda = lambda.ln();
    let ln_ratio = |q: usize| ln_lambda - (d + q as f64 * gamma).ln(); // l(q) − l(q−1)
    let tail_beyond = |l: f64, ln_r: f64| l + ln_r - (-ln_r.exp_m1()).ln(); // ln of the bound
    let mut l = 0.0;
    let mut l_max = 0.0_f64;
    let mut q_max = 0;
    loop {
        let ln_r = ln_ratio(q_max + 1);
        if ln_r < 0.0 && tail_beyond(l, ln_r) < l_max + LN_TAIL {
            break;
        }
        if q_max >= MAX_QUEUE {
            return Err(format!("queue would need more than {MAX_QUEUE} states"));
        }
        l += ln_r;
        l_max = l_max.max(l);
        q_max += 1;
    }
    let ln_omitted = tail_beyond(l, ln_ratio(q_max + 1)); // relative to π(full, 0)
    let mut w = Sum::default(); // Σ_q exp(l(q) − l_max)
    let mut l = 0.0;
    for q in 0..=q_max {
        if q > 0 {
            l += ln_ratio(q);
        }
        w.add((l - l_max).exp());
    }
    // Normalise: the non-full profiles keep their loss-chain weights, the
    // full profile's weight π'(full) spreads over q = 0, 1, ….
    let mut nonfull = Sum::default();
    for &p in &pi[..full] {
        nonfull.add(p);
    }
    let nonfull = nonfull.get();
    let ln_a = nonfull.ln();
    let ln_b = pi[full].ln() + l_max + w.get().ln();
    let hi = ln_a.max(ln_b);
    let ln_z = hi + ((ln_a - hi).exp() + (ln_b - hi).exp()).ln();
    let mut scale = (-ln_z).exp(); // probability of a non-full profile = π'·scale
    let mut tail = Tail { p_now: nonfull * scale, ln_p0: pi[full].ln() - ln_z, lambda, d, gamma, q_max };
    // Going through logs costs ~|ln z|·ε; renormalise on the exact total.
    let total = tail.p_now + tail.sums(f64::INFINITY).p_full;
    scale /= total;
    tail.p_now /= total;
    tail.ln_p0 -= total.ln();
    let ln_p0 = tail.ln_p0;
    let sums = tail.sums(threshold_secs);

    // Profile averages over the non-full profiles, then the full states.
    let mut conc = vec![Sum::default(); k + 1];
    let mut busy = Sum::default();
    let mut thr = Sum::default();
    for (i, &p) in pi[..full].iter().enumerate() {
        let prof = &chain.profiles[i * k..(i + 1) * k];
        let p = p * scale;
        let mut held = 0;
        for (j, &c) in prof.iter().enumerate() {
            conc[j + 1].add(p * f64::from(c) / nf);
            busy.add(p * ((j + 1) as f64) * f64::from(c));
            held += c;
        }
        conc[0].add(p * f64::from(agents - held) / nf);
        thr.add(p * chain.down[i]);
    }
    conc[k].add(sums.p_full);
    busy.add(sums.p_full * nf * k as f64);
    thr.add(sums.p_full * d);
    let concurrency: Vec<f64> = conc.iter().map(|s| s.get()).collect();
    let p_served = tail.p_now + sums.served;
    Ok(ChatCenterResult {
        p_wait: sums.p_full,
        p_abandon: gamma * sums.queue / lambda,
        mean_queue: sums.queue,
        slot_occupancy: busy.get() / (nf * k as f64),
        agent_occupancy: 1.0 - concurrency[0],
        concurrency,
        throughput: thr.get(),
        asa: if p_served > 0.0 { sums.wait_served / p_served } else { f64::NAN },
        service_level: tail.p_now + sums.served_in_time,
        truncated_at: q_max,
        tail_mass: (ln_p0 + ln_omitted).exp(),
        states: profiles + q_max,
        residual,
        tail,
    })
}

/// The fewest agents (at most `max_agents`) for which `base` with that many
/// agents meets `service_level >= goal_service_level` (at
/// `base.threshold_secs`) and, if given, `p_abandon <= max_abandon`; with
/// its result. Searches upward from a lower bound: no staffing below
/// `λ·max(goal, 1 − max_abandon) / (max_k k·speed[k−1]·μ)` can serve enough
/// chats, and with θ = ∞ stability needs `N > λ/(K·speed[K−1]·μ)`. `None`
/// if no staffing up to `max_agents` meets the targets or the parameters are
/// invalid.
pub fn agents_needed(
    base: &ChatCenter,
    goal_service_level: f64,
    max_abandon: Option<f64>,
    max_agents: u32,
) -> Option<(u32, ChatCenterResult)> {
    if goal_service_level.is_nan() || goal_service_level > 1.0 || max_abandon.is_some_and(|m| m.is_nan() || m < 0.0) {
        return None;
    }
    let k = base.slots as usize;
    if k == 0 || base.speed.len() < k || base.work_mean_secs.is_nan() || base.work_mean_secs <= 0.0 {
        return None;
    }
    let mu = 1.0 / base.work_mean_secs;
    let lambda = base.rate_per_sec;
    let cap = (1..=k).map(|j| j as f64 * base.speed[j - 1] * mu).fold(0.0, f64::max);
    let full = k as f64 * base.speed[k - 1] * mu;
    let need = goal_service_level.max(1.0 - max_abandon.unwrap_or(1.0)).max(0.0);
    let mut lower = (lambda * need / cap * (1.0 - 1e-12)).ceil();
    if base.patience_mean_secs.is_infinite() {
        lower = lower.max((lambda / full).floor() + 1.0);
    }
    if !lower.is_finite() {
        return None;
    }
    let start = (lower.max(1.0).min(f64::from(u32::MAX))) as u32;
    let mut params = base.clone();
    for agents in start..=max_agents {
        params.agents = agents;
        let Ok(r) = solve_chat_center(&params) else { continue };
        if r.service_level >= goal_service_level && max_abandon.is_none_or(|m| r.p_abandon <= m) {
            return Some((agents, r));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytic::{erlang_a, erlang_c};

    const INF: f64 = f64::INFINITY;

    /// Asserts `|got − want| <= tol·max(|want|, 1)`: absolute for
    /// probabilities, relative for seconds and counts above 1.
    fn close(got: f64, want: f64, tol: f64) {
        let err = (got - want).abs() / want.abs().max(1.0);
        assert!(err <= tol, "got {got:e}, want {want:e}, err {err:e}");
    }

    fn center(agents: u32, slots: u32, speed: &[f64], rate: f64, work: f64, patience: f64, t: f64) -> ChatCenter {
        ChatCenter {
            agents,
            slots,
            speed: speed.to_vec(),
            rate_per_sec: rate,
            work_mean_secs: work,
            patience_mean_secs: patience,
            threshold_secs: t,
        }
    }

    /// Identities every solution must satisfy.
    fn check_identities(p: &ChatCenter, r: &ChatCenterResult) {
        let k = p.slots as usize;
        let lambda = p.rate_per_sec;
        // Rate conservation: completions = arrivals − abandons.
        close(r.throughput, lambda * (1.0 - r.p_abandon), 1e-10 * lambda.max(1e-300));
        // P(served) from the per-position formula = 1 − p_abandon.
        close(r.service_level(INF), 1.0 - r.p_abandon, 1e-10);
        // Answered at once iff a slot is free.
        close(r.service_level(0.0), 1.0 - r.p_wait, 1e-12);
        close(r.service_level(p.threshold_secs), r.service_level, 1e-15);
        let mut prev = -1.0;
        for t in [0.0, 1.0, 10.0, 60.0, 600.0, INF] {
            let sl = r.service_level(t);
            assert!(sl >= prev - 1e-15 && sl <= 1.0 + 1e-15, "t = {t}: {sl} {prev} {r:?}");
            prev = sl;
        }
        assert_eq!(r.concurrency.len(), k + 1);
        close(r.concurrency.iter().sum::<f64>(), 1.0, 1e-12);
        let slots: f64 = r.concurrency.iter().enumerate().map(|(j, c)| j as f64 * c).sum();
        close(r.slot_occupancy, slots / k as f64, 1e-12);
        close(r.agent_occupancy, 1.0 - r.concurrency[0], 1e-15);
        // All slots busy needs every agent at K.
        assert!(r.p_wait <= r.concurrency[k] + 1e-12, "{r:?}");
        assert!(r.tail_mass < 1e-12, "{r:?}");
        assert_eq!(r.states, profile_count(p.agents, p.slots) as usize + r.truncated_at);
        assert!(r.residual < 1e-11, "{r:?}");
    }

    #[test]
    fn one_slot_is_erlang_c() {
        for &(rate, aht, n, t) in &[
            (120.0 / 3600.0, 360.0, 14, 20.0),
            (0.05, 100.0, 6, 10.0),
            (0.99 * 50.0 / 300.0, 300.0, 50, 60.0),
            (0.5 / 100.0, 100.0, 1, 30.0),
            (190.0 / 300.0, 300.0, 200, 20.0),
        ] {
            let p = center(n, 1, &[1.0], rate, aht, INF, t);
            let r = solve_chat_center(&p).expect("stable");
            check_identities(&p, &r);
            let ec = erlang_c(rate, aht, n, t).expect("stable");
            close(r.p_wait, ec.p_wait, 1e-9);
            close(r.asa, ec.asa, 1e-9);
            close(r.service_level, ec.service_level, 1e-9);
            close(r.slot_occupancy, ec.occupancy, 1e-9);
            close(r.agent_occupancy, ec.occupancy, 1e-9);
            assert_eq!(r.p_abandon, 0.0);
            close(r.mean_queue, erlang_a(rate, aht, n, INF, t).mean_queue, 1e-9);
            for t2 in [0.0, 5.0, 120.0] {
                close(r.service_level(t2), erlang_c(rate, aht, n, t2).unwrap().service_level, 1e-9);
            }
        }
    }

    #[test]
    fn one_slot_is_erlang_a() {
        for &(rate, aht, n, theta, t) in &[
            (0.05, 100.0, 4, 60.0, 20.0),
            (0.1, 50.0, 6, 200.0, 45.0),
            (0.2, 60.0, 8, 15.0, 120.0),
            (250.0 / 300.0, 300.0, 200, 60.0, 20.0),
            (190.0 / 300.0, 300.0, 200, 120.0, 20.0),
            (0.01, 600.0, 3, 1000.0, 60.0),
        ] {
            let p = center(n, 1, &[1.0], rate, aht, theta, t);
            let r = solve_chat_center(&p).expect("solvable");
            check_identities(&p, &r);
            let ea = erlang_a(rate, aht, n, theta, t);
            close(r.p_wait, ea.p_wait, 1e-9);
            close(r.p_abandon, ea.p_abandon, 1e-9);
            close(r.mean_queue, ea.mean_queue, 1e-9);
            close(r.slot_occupancy, ea.occupancy, 1e-9);
            close(r.agent_occupancy, ea.occupancy, 1e-9);
            close(r.asa, ea.asa, 1e-9);
            close(r.service_level, ea.service_level, 1e-9);
            for t2 in [0.0, 3.0, 300.0] {
                close(r.service_level(t2), erlang_a(rate, aht, n, theta, t2).service_level, 1e-9);
            }
        }
    }

    /// Stationary law of a birth–death chain with birth rate λ and death
    /// rate `death(n)`, truncated at `n_max`.
    fn birth_death(lambda: f64, death: impl Fn(usize) -> f64, n_max: usize) -> Vec<f64> {
        let mut p = vec![1.0];
        for n in 1..=n_max {
            let prev = p[n - 1];
            p.push(prev * lambda / death(n));
        }
        let z: f64 = p.iter().sum();
        p.iter().map(|x| x / z).collect()
    }

    /// P(Poisson(m) <= j), by direct summation.
    fn poisson_cdf(m: f64, j: usize) -> f64 {
        let mut term = (-m).exp();
        let mut sum = term;
        for i in 1..=j {
            term *= m / i as f64;
            sum += term;
        }
        sum
    }

    #[test]
    fn one_agent_two_slots_is_a_birth_death_chain() {
        // N = 1, K = 2, speeds [1, 1]: with n chats in the system the agent
        // completes at rate min(n, 2)·μ; a queued chat with j ahead is
        // served after j + 1 completions at rate 2μ.
        let (work, t) = (120.0, 30.0);
        let mu = 1.0 / work;
        for load in [0.3, 0.8, 0.97] {
            let lambda = load * 2.0 * mu;
            let pi = birth_death(lambda, |n| n.min(2) as f64 * mu, 3000);
            let p = center(1, 2, &[1.0, 1.0], lambda, work, INF, t);
            let r = solve_chat_center(&p).expect("stable");
            check_identities(&p, &r);
            let waiting = &pi[2..];
            close(r.p_wait, waiting.iter().sum(), 1e-12);
            let eq: f64 = waiting.iter().enumerate().map(|(j, p)| j as f64 * p).sum();
            close(r.mean_queue, eq, 1e-10);
            close(r.concurrency[0], pi[0], 1e-12);
            close(r.concurrency[1], pi[1], 1e-12);
            close(r.concurrency[2], 1.0 - pi[0] - pi[1], 1e-12);
            close(r.agent_occupancy, 1.0 - pi[0], 1e-12);
            close(r.slot_occupancy, (pi[1] + 2.0 * (1.0 - pi[0] - pi[1])) / 2.0, 1e-12);
            close(r.throughput, (pi[1] + 2.0 * (1.0 - pi[0] - pi[1])) * mu, 1e-12);
            let asa: f64 = waiting.iter().enumerate().map(|(j, p)| p * (j + 1) as f64 / (2.0 * mu)).sum();
            close(r.asa, asa, 1e-10);
            let late: f64 = waiting.iter().enumerate().map(|(j, p)| p * poisson_cdf(2.0 * mu * t, j)).sum();
            close(r.service_level, 1.0 - late, 1e-10);
            assert_eq!(r.p_abandon, 0.0);
        }
        // With patience it is Palm's M/M/2+M queue, i.e. Erlang A with two
        // agents; the waiting-time figures must agree too.
        for (load, theta) in [(0.8, 60.0), (1.4, 200.0)] {
            let lambda = load * 2.0 * mu;
            let gamma = 1.0 / theta;
            let pi =
                birth_death(lambda, |n| if n <= 2 { n as f64 * mu } else { 2.0 * mu + (n - 2) as f64 * gamma }, 400);
            let p = center(1, 2, &[1.0, 1.0], lambda, work, theta, t);
            let r = solve_chat_center(&p).expect("solvable");
            check_identities(&p, &r);
            let eq: f64 = pi[2..].iter().enumerate().map(|(j, p)| j as f64 * p).sum();
            close(r.mean_queue, eq, 1e-10);
            close(r.p_abandon, gamma * eq / lambda, 1e-10);
            close(r.p_wait, pi[2..].iter().sum(), 1e-12);
            let ea = erlang_a(lambda, work, 2, theta, t);
            close(r.asa, ea.asa, 1e-10);
            close(r.service_level, ea.service_level, 1e-10);
        }
    }

    #[test]
    fn half_speed_second_chat_adds_no_capacity() {
        // Speeds [1, 0.5]: an agent completes at rate μ with 1 or 2 chats.
        let (work, t) = (200.0, 45.0);
        let mu = 1.0 / work;
        // One agent: M/M/1 in the number of chats; the queue starts at 3.
        for rho in [0.4, 0.9] {
            let lambda = rho * mu;
            let p = center(1, 2, &[1.0, 0.5], lambda, work, INF, t);
            let r = solve_chat_center(&p).expect("stable");
            check_identities(&p, &r);
            close(r.p_wait, rho * rho, 1e-12);
            close(r.mean_queue, rho.powi(3) / (1.0 - rho), 1e-10);
            close(r.asa, rho * rho / (mu - lambda), 1e-10);
            close(r.service_level, 1.0 - rho * rho * (-(mu - lambda) * t).exp(), 1e-10);
            close(r.agent_occupancy, rho, 1e-12);
            close(r.concurrency[1], (1.0 - rho) * rho, 1e-12);
            close(r.slot_occupancy, ((1.0 - rho) * rho + 2.0 * rho * rho) / 2.0, 1e-12);
        }
        // Three agents: completions are μ per busy agent, so busy agents
        // = λ/μ whatever the profile, and capacity is 3μ as with one slot.
        let lambda = 0.9 * 3.0 * mu;
        let p = center(3, 2, &[1.0, 0.5], lambda, work, INF, t);
        let r = solve_chat_center(&p).expect("stable");
        check_identities(&p, &r);
        close(r.agent_occupancy, 0.9, 1e-11);
        close(r.throughput, lambda, 1e-12);
        let one_slot = solve_chat_center(&center(3, 1, &[1.0], lambda, work, INF, t)).unwrap();
        close(one_slot.agent_occupancy, 0.9, 1e-12);
        // A second slot answers sooner, but cannot raise capacity.
        assert!(r.p_wait < one_slot.p_wait && r.asa < one_slot.asa, "{r:?} {one_slot:?}");
        assert!(solve_chat_center(&center(3, 2, &[1.0, 0.5], 3.0 * mu, work, INF, t)).is_err());
        assert!(solve_chat_center(&center(3, 2, &[1.0, 0.5], 3.03 * mu, work, INF, t)).is_err());
        let over = center(3, 2, &[1.0, 0.5], 4.0 * mu, work, 100.0, t);
        let r = solve_chat_center(&over).expect("abandonment makes it stable");
        check_identities(&over, &r);
        assert!(r.throughput < 3.0 * mu && r.p_abandon > 0.25, "{r:?}");
    }

    /// Independent check: the chain on every agent's own chat count
    /// (agents distinguished, ties to the lowest index) with the queue cut
    /// at `q_cap`, solved densely by GTH. Returns (p_wait, mean_queue,
    /// concurrency, throughput).
    fn brute(p: &ChatCenter, q_cap: usize) -> (f64, f64, Vec<f64>, f64) {
        let (n, k) = (p.agents as usize, p.slots as usize);
        let mu = 1.0 / p.work_mean_secs;
        let gamma = 1.0 / p.patience_mean_secs;
        let configs = (k + 1).pow(n as u32);
        let size = configs + q_cap;
        let decode = |mut i: usize| -> Vec<usize> {
            (0..n)
                .map(|_| {
                    let c = i % (k + 1);
                    i /= k + 1;
                    c
                })
                .collect()
        };
        let encode = |c: &[usize]| -> usize { c.iter().rev().fold(0, |acc, &x| acc * (k + 1) + x) };
        let full = configs - 1;
        let d = (n * k) as f64 * p.speed[k - 1] * mu;
        let mut q = vec![vec![0.0; size]; size];
        for (i, row) in q.iter_mut().enumerate().take(configs) {
            let c = decode(i);
            let (a, &lowest) = c.iter().enumerate().min_by_key(|&(a, &x)| (x, a)).unwrap();
            if lowest < k {
                let mut up = c.clone();
                up[a] += 1;
                row[encode(&up)] += p.rate_per_sec;
            } else if q_cap > 0 {
                row[configs] += p.rate_per_sec;
            }
            for (a, &x) in c.iter().enumerate() {
                if x > 0 {
                    let mut down = c.clone();
                    down[a] -= 1;
                    row[encode(&down)] += x as f64 * p.speed[x - 1] * mu;
                }
            }
        }
        for j in 1..=q_cap {
            let i = configs + j - 1;
            if j < q_cap {
                q[i][i + 1] += p.rate_per_sec;
            }
            let below = if j == 1 { full } else { i - 1 };
            q[i][below] += d + j as f64 * gamma;
        }
        let pi = gth(q);
        let p_queue: f64 = pi[configs..].iter().sum();
        let mean_queue: f64 = pi[configs..].iter().enumerate().map(|(j, p)| (j + 1) as f64 * p).sum();
        let mut conc = vec![0.0; k + 1];
        let mut thr = d * p_queue;
        for (i, &w) in pi[..configs].iter().enumerate() {
            for &x in &decode(i) {
                conc[x] += w / n as f64;
                if x > 0 {
                    thr += w * x as f64 * p.speed[x - 1] * mu;
                }
            }
        }
        conc[k] += p_queue;
        (pi[full] + p_queue, mean_queue, conc, thr)
    }

    /// Stationary distribution of the rates `q[i][j]` (diagonal ignored) by
    /// Grassmann–Taksar–Heyman state reduction.
    fn gth(mut q: Vec<Vec<f64>>) -> Vec<f64> {
        let n = q.len();
        for k in (1..n).rev() {
            let (head, tail) = q.split_at_mut(k);
            let row_k = &tail[0];
            let s: f64 = row_k[..k].iter().sum();
            for (i, row) in head.iter_mut().enumerate() {
                let f = row[k] / s;
                if f != 0.0 {
                    for (j, x) in row[..k].iter_mut().enumerate() {
                        if j != i {
                            *x += f * row_k[j];
                        }
                    }
                }
            }
        }
        let mut pi = vec![1.0; n];
        for k in 1..n {
            let s: f64 = q[k][..k].iter().sum();
            pi[k] = (0..k).map(|i| pi[i] * q[i][k]).sum::<f64>() / s;
        }
        let z: f64 = pi.iter().sum();
        pi.iter().map(|x| x / z).collect()
    }

    #[test]
    fn matches_agent_level_brute_force() {
        for (p, q_cap) in [
            (center(3, 2, &[1.0, 0.7], 0.045, 100.0, 50.0, 30.0), 80),
            (center(2, 3, &[1.0, 0.8, 0.6], 0.8 * 0.036, 100.0, INF, 30.0), 250),
            (center(4, 2, &[1.0, 0.9], 0.06, 100.0, 120.0, 30.0), 100),
            (center(3, 3, &[1.0, 0.5, 0.34], 0.02, 100.0, 30.0, 30.0), 60),
        ] {
            let r = solve_chat_center(&p).expect("solvable");
            check_identities(&p, &r);
            let (p_wait, mean_queue, conc, thr) = brute(&p, q_cap);
            close(r.p_wait, p_wait, 1e-10);
            close(r.mean_queue, mean_queue, 1e-10);
            for (a, b) in r.concurrency.iter().zip(&conc) {
                close(*a, *b, 1e-10);
            }
            close(r.throughput, thr, 1e-10 * thr);
            close(r.p_abandon, mean_queue / p.patience_mean_secs / p.rate_per_sec, 1e-10);
        }
    }

    #[test]
    fn iterative_solve_matches_direct_solve() {
        // The loss chain of 10 agents with 3 slots (286 profiles), slowly
        // converging speeds, against GTH on the same transitions.
        for load in [0.3, 0.98, 2.0] {
            let (n, k, speed, mu) = (10, 3, [1.0, 0.5, 0.34], 0.01);
            let lambda = load * 10.0 * 3.0 * 0.34 * mu;
            let chain = Chain::build(n, k, &speed, mu, lambda);
            let (pi, res, _) = chain.stationary(lambda).unwrap();
            assert!(res < 1e-11);
            let size = chain.len();
            let mut q = vec![vec![0.0; size]; size];
            for (j, w) in chain.in_start.windows(2).enumerate() {
                for e in w[0]..w[1] {
                    q[chain.in_from[e] as usize][j] += chain.in_rate[e];
                }
            }
            let exact = gth(q);
            for (a, b) in pi.iter().zip(&exact) {
                assert!((a - b).abs() < 1e-13 + 1e-10 * b, "{a:e} vs {b:e}");
            }
        }
    }

    #[test]
    fn larger_centers_solve() {
        // Speed is measured by benchmarks, not asserted here.
        let p = center(50, 2, &[1.0, 0.8], 0.95 * 50.0 * 2.0 * 0.8 / 300.0, 300.0, 120.0, 60.0);
        let r = solve_chat_center(&p).expect("solvable");
        check_identities(&p, &r);
        assert!(r.p_wait > 0.0 && r.p_wait < 1.0 && r.p_abandon > 0.0 && r.p_abandon < 0.05, "{r:?}");

        // 60 agents with 3 slots (39,711 profiles), near full load.
        let p = center(60, 3, &[1.0, 0.9, 0.8], 0.98 * 60.0 * 3.0 * 0.8 / 300.0, 300.0, INF, 60.0);
        let r = solve_chat_center(&p).expect("stable");
        check_identities(&p, &r);
        assert_eq!(r.states, 39_711 + r.truncated_at);
        assert!(r.truncated_at > 100, "{r:?}");
    }

    #[test]
    fn more_slots_or_agents_help() {
        let (work, t, theta) = (300.0, 60.0, 120.0);
        let lambda = 0.1;
        let one = solve_chat_center(&center(20, 1, &[1.0, 0.9, 0.8], lambda, work, theta, t)).unwrap();
        let two = solve_chat_center(&center(20, 2, &[1.0, 0.9, 0.8], lambda, work, theta, t)).unwrap();
        let three = solve_chat_center(&center(20, 3, &[1.0, 0.9, 0.8], lambda, work, theta, t)).unwrap();
        assert!(one.service_level < two.service_level && two.service_level < three.service_level);
        assert!(one.p_abandon > two.p_abandon && two.p_abandon > three.p_abandon);
        let more = solve_chat_center(&center(21, 2, &[1.0, 0.9, 0.8], lambda, work, theta, t)).unwrap();
        assert!(more.service_level > two.service_level && more.slot_occupancy < two.slot_occupancy);
    }

    #[test]
    fn idle_and_invalid() {
        let idle = solve_chat_center(&center(5, 2, &[1.0, 1.0], 0.0, 100.0, INF, 20.0)).unwrap();
        assert_eq!((idle.p_wait, idle.p_abandon, idle.service_level, idle.asa), (0.0, 0.0, 1.0, 0.0));
        assert_eq!(idle.concurrency, vec![1.0, 0.0, 0.0]);
        assert_eq!(idle.service_level(5.0), 1.0);
        let ok = center(5, 2, &[1.0, 0.9], 0.01, 100.0, 60.0, 20.0);
        assert!(solve_chat_center(&ok).is_ok());
        let bad = |f: &dyn Fn(&mut ChatCenter)| {
            let mut p = ok.clone();
            f(&mut p);
            solve_chat_center(&p).unwrap_err()
        };
        bad(&|p| p.agents = 0);
        bad(&|p| p.slots = 0);
        assert!(bad(&|p| p.slots = 3).contains("speed"));
        bad(&|p| p.speed[1] = 0.0);
        bad(&|p| p.rate_per_sec = -1.0);
        bad(&|p| p.rate_per_sec = f64::NAN);
        bad(&|p| p.work_mean_secs = 0.0);
        bad(&|p| p.patience_mean_secs = f64::NAN);
        bad(&|p| p.threshold_secs = -1.0);
        // Unstable without abandonment: λ >= N·K·speed[K−1]/work = 0.09.
        assert!(
            bad(&|p| {
                p.patience_mean_secs = INF;
                p.rate_per_sec = 0.09
            })
            .contains("unstable")
        );
        // Too many profiles: C(304, 4) ≈ 3.5e8.
        assert!(
            bad(&|p| {
                p.agents = 300;
                p.slots = 4;
                p.speed = vec![1.0; 4];
            })
            .contains("profiles")
        );
        assert!(
            bad(&|p| {
                p.slots = 101;
                p.speed = vec![1.0; 101];
            })
            .contains("slots")
        );
        let r = solve_chat_center(&ok).unwrap();
        assert!(r.service_level(-1.0).is_nan() && r.service_level(f64::NAN).is_nan());
    }

    #[test]
    fn agents_needed_is_minimal_and_monotone_in_load() {
        let base = center(1, 2, &[1.0, 0.85], 0.0, 300.0, 180.0, 60.0);
        let mut prev = 0;
        for i in 1..=12 {
            let mut p = base.clone();
            p.rate_per_sec = 0.04 * f64::from(i);
            let (n, r) = agents_needed(&p, 0.8, Some(0.05), 200).expect("reachable");
            assert!(n >= prev, "rate {}: {n} < {prev}", p.rate_per_sec);
            prev = n;
            assert!(r.service_level >= 0.8 && r.p_abandon <= 0.05, "{r:?}");
            p.agents = n;
            assert_eq!(r, solve_chat_center(&p).unwrap());
            if n > 1 {
                p.agents = n - 1;
                let fewer = solve_chat_center(&p).unwrap();
                assert!(fewer.service_level < 0.8 || fewer.p_abandon > 0.05, "{fewer:?}");
            }
        }
        assert!(prev > 10);
        // Unreachable within the cap, or at all.
        let mut p = base.clone();
        p.rate_per_sec = 0.48;
        assert!(agents_needed(&p, 0.8, Some(0.05), 5).is_none());
        assert!(agents_needed(&p, 1.01, None, 500).is_none());
    }

    #[test]
    fn agents_needed_with_one_slot_is_erlang_c_staffing() {
        for &(rate, aht, t, goal) in &[(120.0 / 3600.0, 360.0, 20.0, 0.8), (0.5, 240.0, 30.0, 0.9)] {
            let base = center(1, 1, &[1.0], rate, aht, INF, t);
            let (n, r) = agents_needed(&base, goal, None, 1000).expect("reachable");
            let erlang = (1..).find(|&c| erlang_c(rate, aht, c, t).is_some_and(|e| e.service_level >= goal)).unwrap();
            assert_eq!(n, erlang);
            close(r.service_level, erlang_c(rate, aht, n, t).unwrap().service_level, 1e-9);
        }
    }
}
