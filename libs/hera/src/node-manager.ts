import { HeraError, invalidArgument } from '@hera/errors';

/**
 * Hera's node-level resource manager (DESIGN §4.5), the policy half: pure, no I/O. The node
 * agent (services/worker) feeds it each tenant's window statistics every interval, applies the
 * moves it returns through the tenants' cgroups and worker counts ({@link realizeAllocations}),
 * and files the existing `sla-risk` re-plan job for `needCapacity`.
 */

/** One tenant as the node manager sees it each interval. Capacity is in millicores (1000 = one core). */
export interface ManagedTenant {
  model: string;
  slaMs: number;
  /** p95 latency (ms) and number of answered queries over the last window (e.g. the host's sliding window). */
  p95Ms: number;
  samples: number;
  /**
   * The same over the host's longer stats window (e.g. 10 s). Only to judge a tenant whose short
   * window is too thin — a quiet tenant (rmc3 at 6 qps answers ~10 queries in 2 s) — as a donor
   * or as having room; growth and its judgement read the short window alone.
   */
  longP95Ms?: number;
  longSamples?: number;
  /** Capacity it has now, and what the plan gave it (the manager never goes below 250 m or above what the node has). */
  millis: number;
  plannedMillis: number;
  /** From its profile when known: memory-bound tenants are not grown past knee × 1000 m. */
  kind?: 'memory-bound' | 'compute-bound';
  knee?: number;
}

export interface NodeManagerOptions {
  intervalMs: number; // 1000
  minSamples: number; // 20: a window with fewer says nothing
  growBelowSlack: number; // 0.05
  donorAboveSlack: number; // 0.2
  judgeIntervals: number; // 5
  cooldownIntervals: number; // 10
  quotaStepMillis: number; // 250: the step where whole cores cannot move
  minMillis: number; // 250
  /**
   * Consecutive intervals a tenant must be under `growBelowSlack` before it grows (or asks for
   * capacity): one bad window of a few seconds is as often a burst already passing as a lasting
   * shortage, and on a 2-core node a move that was not needed costs more than it brings.
   */
  growAfterIntervals: number; // 2
  /**
   * Intervals the long window (`longP95Ms`) spans: it judges a tenant only once that long has
   * passed since the tenant's capacity last changed, so a donor is not judged by latencies it
   * had before it gave (on 2 cores rmc3 kept giving on a 10 s window of its old capacity, down
   * to 250 m, and then missed).
   */
  longWindowIntervals: number; // 10
  /**
   * Consecutive intervals every tenant must have had room (slack > donorAboveSlack) before a
   * step goes back toward the plan: the tenant a move just helped has room because of it, and
   * releasing at once made wnd take, give back and take again every few seconds on 2 cores.
   */
  releaseAfterIntervals: number; // 5
}

export const DEFAULT_NODE_MANAGER_OPTIONS: NodeManagerOptions = Object.freeze({
  intervalMs: 1000,
  minSamples: 20,
  growBelowSlack: 0.05,
  donorAboveSlack: 0.2,
  judgeIntervals: 5,
  cooldownIntervals: 10,
  quotaStepMillis: 250,
  minMillis: 250,
  growAfterIntervals: 2,
  longWindowIntervals: 10,
  releaseAfterIntervals: 5,
});

/**
 * A growth move helped when, at the end of its judgement, the receiver's p95 is at least this
 * fraction lower than at the move (or its slack is back at or above `growBelowSlack`).
 */
export const MIN_IMPROVEMENT = 0.05;

/** One core in millicores: the step when cpusets can change. */
const CORE_MILLIS = 1000;

export interface Move {
  /** Tenant that gains (or 'free' when capacity goes back to the free pool). */
  to: string;
  /** Tenant that gives (or 'free' when it comes from the free pool). */
  from: string;
  millis: number;
  /** 'core' when whole cores move (cpusets change), 'quota' when a fraction moves (CFS quota). */
  kind: 'core' | 'quota';
  /** e.g. "rmc1 slack 0.01 < 0.05: +1000 m from the free pool"; "undo: din p95 did not improve over 5 intervals". */
  reason: string;
  undo: boolean;
}

export interface NodeManagerDecision {
  moves: Move[];
  /** Tenants it cannot keep in SLA with the node's own resources (memory-bound at its knee, or nothing left to take): the agent asks placement for capacity (existing sla-risk re-plan job). */
  needCapacity: { model: string; reason: string }[];
}

/** A recent move whose tenants are left alone until their windows show its effect. */
interface Settling {
  tenants: string[];
  /** Clock time from which the move is judged (growth) or simply forgotten (release, undo). */
  dueMs: number;
  move: Move;
  /** Growth moves only: what the receiver looked like at the move, and its latest usable window since. */
  judge?: { receiver: string; slaMs: number; p95AtMove: number; lastP95?: number };
}

/**
 * The policy, once per interval (DESIGN §4.5). Choices where the issue left room:
 * - Only tenants with ≥ `minSamples` answered queries in their window take part: a thin window
 *   neither asks for growth nor offers capacity, and does not count in "every tenant is slack".
 *   A tenant whose short window is thin but whose long window (`longSamples`) is not is judged
 *   on the long one as a donor and for "every tenant is slack", never for growth: a quiet
 *   tenant is the natural donor, and on a short window it would never qualify. The long window
 *   counts only once `longWindowIntervals` have passed since the tenant's capacity last changed.
 * - A tenant below its planned share also takes back from a tenant above its plan (a lender) that
 *   is not itself in need (slack ≥ `growBelowSlack`), lenders first.
 * - Steps back toward the plan (restore, release) wait until every tenant has had room for
 *   `releaseAfterIntervals` consecutive intervals.
 * - Growth goes to the tenant with the least slack first, one move per interval; it comes from
 *   the free pool (cores × 1000 − Σ millis) when that holds a step, else from the unlocked
 *   tenant with the most slack above `donorAboveSlack` that can give a step and keep `minMillis`.
 * - Step: one core when receiver and giver both stay whole cores (a tenant giver keeps ≥ one
 *   core; the free pool holds ≥ one core), else `quotaStepMillis` of CFS quota — so a 2-core
 *   node with two 1-core tenants still moves capacity.
 * - A tenant grows (or asks for capacity) only after `growAfterIntervals` consecutive intervals
 *   under `growBelowSlack`.
 * - When every tenant with a usable window has slack > `donorAboveSlack`: first one step from the
 *   free pool back to the tenant furthest *below* its planned share (restore), else a release —
 *   one step back to the free pool from the most slack tenant *above its planned share*, never below
 *   max(plannedMillis, minMillis). Why not down to minMillis: a release has no beneficiary, and
 *   the plan sized each tenant for its planned rate; shrinking a quiet tenant below it would
 *   only make its next burst wait for growth steps. Taking below plan happens only by stealing,
 *   for a tenant in need.
 * - Every move leaves its tenants alone for `judgeIntervals` while their windows catch up.
 *   A growth move is then judged: it helped when the receiver's latest window with enough
 *   samples has a p95 at least {@link MIN_IMPROVEMENT} below its p95 at the move, or slack back
 *   at ≥ `growBelowSlack`. The latest window rather than a mean over the judgement, because a
 *   sliding window longer than one interval still holds queries from before the move in the
 *   early intervals. A move that did not help (or whose receiver had no usable window since) is
 *   undone and the receiver gets no growth for `cooldownIntervals`; it may still give.
 *   For judgement to see the move, the stats window should not be longer than
 *   judgeIntervals × intervalMs.
 * - `needCapacity` each interval for a tenant under `growBelowSlack` that is memory-bound at its
 *   knee, or for which neither the free pool nor a donor can give a step; tenants under
 *   judgement or cooling down are not reported (the node is still acting on them). The caller
 *   dedups (the re-plan job id per plan version does).
 * Intervals are measured on the caller's clock (half an interval of tolerance for timer jitter),
 * so a late tick does not stretch judgement or cooldown.
 */
export class NodeManagerPolicy {
  readonly #cores: number;
  readonly #opts: NodeManagerOptions;
  #settling: Settling[] = [];
  /** Model → clock time from which it may grow again. */
  readonly #coolUntil = new Map<string, number>();
  /** Model → consecutive intervals it has been under `growBelowSlack`. */
  readonly #under = new Map<string, number>();
  /** Consecutive intervals in which every tenant had room. */
  #roomFor = 0;
  /** Model → clock time its capacity last changed (by a move of this policy). */
  readonly #changedAt = new Map<string, number>();

  constructor(cores: number, opts: Partial<NodeManagerOptions> = {}) {
    if (!Number.isInteger(cores) || cores < 1) throw invalidArgument('cores', `must be an integer ≥ 1, got ${cores}`);
    const o = { ...DEFAULT_NODE_MANAGER_OPTIONS, ...opts };
    for (const k of [
      'intervalMs',
      'minSamples',
      'judgeIntervals',
      'cooldownIntervals',
      'quotaStepMillis',
      'minMillis',
      'growAfterIntervals',
      'longWindowIntervals',
      'releaseAfterIntervals',
    ] as const) {
      const min = k === 'minSamples' || k === 'cooldownIntervals' ? 0 : 1;
      if (!Number.isInteger(o[k]) || o[k] < min) throw invalidArgument(k, `must be an integer ≥ ${min}, got ${o[k]}`);
    }
    if (!(o.growBelowSlack < o.donorAboveSlack && o.donorAboveSlack < 1)) {
      throw invalidArgument(
        'growBelowSlack',
        `must be < donorAboveSlack < 1, got ${o.growBelowSlack} and ${o.donorAboveSlack}`,
      );
    }
    if (o.quotaStepMillis > CORE_MILLIS)
      throw invalidArgument('quotaStepMillis', `must be ≤ ${CORE_MILLIS}, got ${o.quotaStepMillis}`);
    this.#cores = cores;
    this.#opts = Object.freeze(o);
  }

  get options(): Readonly<NodeManagerOptions> {
    return this.#opts;
  }

  /** One interval: returns the moves to apply now (undos due, then at most one new move). */
  step(nowMs: number, tenants: readonly ManagedTenant[]): NodeManagerDecision {
    if (!Number.isFinite(nowMs)) throw invalidArgument('nowMs', `must be finite, got ${nowMs}`);
    const o = this.#opts;
    const byModel = new Map<string, ManagedTenant>();
    for (const [i, t] of tenants.entries()) {
      if (byModel.has(t.model))
        throw invalidArgument(`tenants[${i}].model`, `${JSON.stringify(t.model)} appears twice`);
      if (t.model === 'free') throw invalidArgument(`tenants[${i}].model`, '"free" names the free pool');
      for (const k of ['slaMs', 'p95Ms', 'samples', 'millis', 'plannedMillis', 'longP95Ms', 'longSamples'] as const) {
        const v = t[k];
        if (v === undefined && (k === 'longP95Ms' || k === 'longSamples')) continue;
        if (!Number.isFinite(v) || v! < 0)
          throw invalidArgument(`tenants[${i}].${k}`, `must be finite and ≥ 0, got ${v}`);
      }
      byModel.set(t.model, t);
    }
    // Capacity as the moves of this interval leave it.
    const millis = new Map(tenants.map(t => [t.model, t.millis]));
    const moves: Move[] = [];
    const needCapacity: NodeManagerDecision['needCapacity'] = [];
    const usable = (t: ManagedTenant): boolean => t.samples >= o.minSamples && t.slaMs > 0;
    /** A thin short window falls back on the long one, for giving and for having room only. */
    const usableLong = (t: ManagedTenant): boolean =>
      (t.longSamples ?? 0) >= o.minSamples &&
      t.slaMs > 0 &&
      nowMs - (this.#changedAt.get(t.model) ?? -Infinity) >= (o.longWindowIntervals - 0.5) * o.intervalMs;
    const slack = (t: ManagedTenant): number => (t.slaMs - (usable(t) ? t.p95Ms : (t.longP95Ms ?? t.p95Ms))) / t.slaMs;

    // 1. Moves whose tenants have settled: judge growth, undo what did not help.
    const still: Settling[] = [];
    for (const s of this.#settling) {
      const j = s.judge;
      const receiver = j && byModel.get(j.receiver);
      if (j && receiver && usable(receiver)) j.lastP95 = receiver.p95Ms;
      if (nowMs < s.dueMs) {
        still.push(s);
        continue;
      }
      if (!j || !receiver) continue;
      const verdict = judge(j, o);
      if (verdict.helped) continue;
      const undo = this.#undo(s.move, verdict.why, millis);
      if (!undo) continue;
      moves.push(undo);
      still.push({ tenants: s.tenants, dueMs: this.#after(nowMs, o.judgeIntervals), move: undo });
      this.#coolUntil.set(j.receiver, this.#after(nowMs, o.cooldownIntervals));
    }
    this.#settling = still;
    for (const [model, until] of this.#coolUntil) if (nowMs >= until) this.#coolUntil.delete(model);

    // 2. At most one new move: growth for the neediest tenant that can take one, else a release.
    const locked = new Set(this.#settling.flatMap(s => s.tenants));
    const active = [...byModel.values()]
      .filter(t => usable(t) || usableLong(t))
      .sort((a, b) => (a.model < b.model ? -1 : 1));
    for (const t of byModel.values()) {
      if (usable(t) && slack(t) < o.growBelowSlack) this.#under.set(t.model, (this.#under.get(t.model) ?? 0) + 1);
      else this.#under.delete(t.model);
    }
    for (const m of [...this.#under.keys()]) if (!byModel.has(m)) this.#under.delete(m);
    const needy = active
      .filter(t => usable(t) && slack(t) < o.growBelowSlack && (this.#under.get(t.model) ?? 0) >= o.growAfterIntervals)
      .sort((a, b) => slack(a) - slack(b));
    let moved = false;
    for (const t of needy) {
      if (locked.has(t.model) || this.#coolUntil.has(t.model)) continue;
      const have = millis.get(t.model)!;
      const cap = this.#capOf(t);
      const s = slack(t).toFixed(2);
      if (cap.knee !== undefined && have + o.quotaStepMillis > cap.millis) {
        needCapacity.push({
          model: t.model,
          reason: `slack ${s} < ${o.growBelowSlack}: memory-bound at its knee (${cap.knee} workers = ${cap.millis} m), more cores would not help`,
        });
        continue;
      }
      if (moved) continue;
      // Capacity lent past the plan comes back to a tenant below its plan from any lender not
      // itself in need (slack ≥ growBelowSlack), not only from one with room: otherwise a lender
      // at slack 0.1 kept 1750 m while the tenant it took from starved at 250 m (2 cores, 3.7%
      // within SLA). Lenders first, then the most slack.
      const below = have < t.plannedMillis;
      const lender = (d: ManagedTenant): boolean =>
        below && millis.get(d.model)! > d.plannedMillis && slack(d) >= o.growBelowSlack;
      const donors = active
        .filter(
          d =>
            d !== t &&
            !locked.has(d.model) &&
            (slack(d) > o.donorAboveSlack || lender(d)) &&
            millis.get(d.model)! - o.quotaStepMillis >= o.minMillis,
        )
        .sort((a, b) => Number(lender(b)) - Number(lender(a)) || slack(b) - slack(a));
      const grow = this.#grow(t, have, cap.millis, donors, millis, slack);
      if (typeof grow === 'string') {
        needCapacity.push({ model: t.model, reason: `slack ${s} < ${o.growBelowSlack}: ${grow}` });
        continue;
      }
      moved = true;
      moves.push(grow);
      apply(millis, grow);
      this.#settle(grow, nowMs, { receiver: t.model, slaMs: t.slaMs, p95AtMove: t.p95Ms });
    }
    const room = active.length > 0 && active.every(t => slack(t) > o.donorAboveSlack);
    this.#roomFor = room ? this.#roomFor + 1 : 0;
    if (!moved && room && this.#roomFor >= o.releaseAfterIntervals) {
      // Everyone has room: first give back to a tenant below its plan what the free pool holds,
      // else release a step from one above its plan, so the node returns to the plan's split
      // (whole cores, pinned cpusets) once the drift that moved it has passed.
      const release = this.#restore(active, locked, millis) ?? this.#release(active, locked, millis, slack);
      if (release) {
        moves.push(release);
        apply(millis, release);
        this.#settle(release, nowMs);
      }
    }
    for (const m of moves) for (const model of [m.to, m.from]) if (model !== 'free') this.#changedAt.set(model, nowMs);
    return { moves, needCapacity };
  }

  /** A new plan: forget moves under judgement and cooldowns (the node resets to the plan's split). */
  reset(): void {
    this.#settling = [];
    this.#coolUntil.clear();
    this.#changedAt.clear();
    this.#roomFor = 0;
    this.#under.clear();
  }

  /** Clock time `intervals` intervals after `nowMs`, less half an interval for timer jitter. */
  /** A move applied now: its tenants hold still until it is judged (or waited out) `judgeIntervals` later. */
  #settle(move: Move, nowMs: number, judge?: Settling['judge']): void {
    this.#settling.push({
      tenants: [move.to, move.from].filter(m => m !== 'free'),
      dueMs: this.#after(nowMs, this.#opts.judgeIntervals),
      move,
      ...(judge ? { judge } : {}),
    });
  }

  #after(nowMs: number, intervals: number): number {
    return nowMs + (intervals - 0.5) * this.#opts.intervalMs;
  }

  /** Most a tenant may hold: the node, and for a memory-bound tenant with a known knee, knee cores. */
  #capOf(t: ManagedTenant): { millis: number; knee?: number } {
    const node = this.#cores * CORE_MILLIS;
    if (t.kind === 'memory-bound' && t.knee !== undefined && Number.isFinite(t.knee) && t.knee >= 1) {
      return { millis: Math.min(node, Math.floor(t.knee) * CORE_MILLIS), knee: Math.floor(t.knee) };
    }
    return { millis: node };
  }

  /** One step for `t`, from the free pool or the first donor; a string says why there is none. */
  #grow(
    t: ManagedTenant,
    have: number,
    cap: number,
    donors: readonly ManagedTenant[],
    millis: ReadonlyMap<string, number>,
    slack: (t: ManagedTenant) => number,
  ): Move | string {
    const o = this.#opts;
    const used = [...millis.values()].reduce((a, b) => a + b, 0);
    const free = this.#cores * CORE_MILLIS - used;
    const s = slack(t).toFixed(2);
    const whole = (m: number): boolean => m % CORE_MILLIS === 0;
    const fits = (step: number): boolean => have + step <= cap;
    if (free >= o.quotaStepMillis && fits(o.quotaStepMillis)) {
      const core = whole(have) && free >= CORE_MILLIS && fits(CORE_MILLIS);
      const step = core ? CORE_MILLIS : o.quotaStepMillis;
      return {
        to: t.model,
        from: 'free',
        millis: step,
        kind: core ? 'core' : 'quota',
        reason: `${t.model} slack ${s} < ${o.growBelowSlack}: +${step} m from the free pool`,
        undo: false,
      };
    }
    const d = donors[0];
    if (!d || !fits(o.quotaStepMillis)) {
      return `nothing to take: ${Math.max(0, free)} m free, no tenant with slack > ${o.donorAboveSlack} can give ${o.quotaStepMillis} m and keep ${o.minMillis} m`;
    }
    const give = millis.get(d.model)!;
    const core =
      whole(have) && whole(give) && give - CORE_MILLIS >= Math.max(CORE_MILLIS, o.minMillis) && fits(CORE_MILLIS);
    const step = core ? CORE_MILLIS : o.quotaStepMillis;
    return {
      to: t.model,
      from: d.model,
      millis: step,
      kind: core ? 'core' : 'quota',
      reason: `${t.model} slack ${s} < ${o.growBelowSlack}: +${step} m from ${d.model} (slack ${slack(d).toFixed(2)}${give > d.plannedMillis && have < t.plannedMillis ? `, back from ${give} m lent past its plan of ${d.plannedMillis} m` : ''})`,
      undo: false,
    };
  }

  /** One step from the free pool back to the unlocked tenant furthest below its plan, if the pool holds it. */
  #restore(
    active: readonly ManagedTenant[],
    locked: ReadonlySet<string>,
    millis: ReadonlyMap<string, number>,
  ): Move | undefined {
    const o = this.#opts;
    const free = this.#cores * CORE_MILLIS - [...millis.values()].reduce((a, b) => a + b, 0);
    const t = active
      .filter(x => !locked.has(x.model) && x.plannedMillis - millis.get(x.model)! >= o.quotaStepMillis)
      .sort((a, b) => b.plannedMillis - millis.get(b.model)! - (a.plannedMillis - millis.get(a.model)!))[0];
    if (!t || free < o.quotaStepMillis) return undefined;
    const have = millis.get(t.model)!;
    const core = have % CORE_MILLIS === 0 && t.plannedMillis - have >= CORE_MILLIS && free >= CORE_MILLIS;
    const step = core ? CORE_MILLIS : o.quotaStepMillis;
    return {
      to: t.model,
      from: 'free',
      millis: step,
      kind: core ? 'core' : 'quota',
      reason: `every tenant slack > ${o.donorAboveSlack}: ${t.model} gets ${step} m back toward its plan (${have} of ${t.plannedMillis} m)`,
      undo: false,
    };
  }

  /** One step back to the free pool from the most slack unlocked tenant above its plan, if any. */
  #release(
    active: readonly ManagedTenant[],
    locked: ReadonlySet<string>,
    millis: ReadonlyMap<string, number>,
    slack: (t: ManagedTenant) => number,
  ): Move | undefined {
    const o = this.#opts;
    const floor = (t: ManagedTenant): number => Math.max(t.plannedMillis, o.minMillis);
    const d = active
      .filter(t => !locked.has(t.model) && millis.get(t.model)! - o.quotaStepMillis >= floor(t))
      .sort((a, b) => slack(b) - slack(a))[0];
    if (!d) return undefined;
    const have = millis.get(d.model)!;
    const core = have % CORE_MILLIS === 0 && have - CORE_MILLIS >= floor(d);
    const step = core ? CORE_MILLIS : o.quotaStepMillis;
    return {
      to: 'free',
      from: d.model,
      millis: step,
      kind: core ? 'core' : 'quota',
      reason: `every tenant slack > ${o.donorAboveSlack}: ${d.model} (slack ${slack(d).toFixed(2)}) gives ${step} m back to the free pool`,
      undo: false,
    };
  }

  /** The reverse of `move`, unless the receiver no longer holds what it got (the caller did not apply it). */
  #undo(move: Move, why: string, millis: Map<string, number>): Move | undefined {
    const have = millis.get(move.to);
    if (have === undefined || have - move.millis < this.#opts.minMillis) return undefined;
    if (move.from !== 'free' && !millis.has(move.from)) return undefined;
    const undo: Move = {
      to: move.from,
      from: move.to,
      millis: move.millis,
      kind: move.kind,
      reason: `undo: ${why}`,
      undo: true,
    };
    apply(millis, undo);
    return undo;
  }
}

/** Whether a growth move helped its receiver (see {@link NodeManagerPolicy}), and if not, why. */
function judge(j: NonNullable<Settling['judge']>, o: NodeManagerOptions): { helped: boolean; why: string } {
  const over = `over ${o.judgeIntervals} intervals`;
  if (j.lastP95 === undefined)
    return { helped: false, why: `${j.receiver} had no window with ${o.minSamples}+ samples ${over}` };
  const improved = j.lastP95 <= j.p95AtMove * (1 - MIN_IMPROVEMENT);
  const inSla = (j.slaMs - j.lastP95) / j.slaMs >= o.growBelowSlack;
  return {
    helped: improved || inSla,
    why: `${j.receiver} p95 did not improve ${over} (${j.p95AtMove.toFixed(1)} ms at the move, ${j.lastP95.toFixed(1)} ms now, SLA ${j.slaMs} ms)`,
  };
}

function apply(millis: Map<string, number>, m: Move): void {
  if (m.to !== 'free') millis.set(m.to, millis.get(m.to)! + m.millis);
  if (m.from !== 'free') millis.set(m.from, millis.get(m.from)! - m.millis);
}

/** A tenant's capacity and where the plan put it, for {@link realizeAllocations}. */
export interface RealizableTenant {
  model: string;
  millis: number;
  plannedCpuset: readonly number[];
  kind?: 'memory-bound' | 'compute-bound';
  knee?: number;
}

export interface RealizedAllocation {
  model: string;
  /** Cores, ascending. */
  cpuset: number[];
  /** CFS quota in millicores. */
  cpuMillis: number;
  workers: number;
}

/**
 * Turns each tenant's capacity (millicores) into a cgroup allocation on `cores` cores:
 * when every tenant's millis is a whole number of cores, disjoint cpusets (packed against
 * the highest cores, as placement does) and no quota; otherwise each gets a CFS quota of its
 * millis on as few cores as hold it, shared only where capacity moved. workers = max(1, ceil(millis/1000)),
 * capped at knee for memory-bound tenants.
 *
 * Details: with whole cores, each tenant keeps the highest of its planned cores it still has room
 * for and a growing tenant takes the highest cores nobody keeps, so tenants that did not move
 * keep their cores and the plan's split gives exactly the plan's cpusets; cpuMillis is then its
 * cores × 1000 (the quota the plan sets, i.e. no further limit). With a fraction anywhere, each
 * tenant runs on the fewest cores that hold its millis: the highest of its planned cores, and
 * for one that grew past them, cores nobody keeps, then the cores of the tenant with the most
 * room under its quota (the one it took capacity from). Results are
 * in input order. Throws INVALID_ARGUMENT for a malformed tenant (planned cores outside the
 * node or shared by two tenants), PRECONDITION when Σ millis exceeds the node.
 */
export function realizeAllocations(cores: number, tenants: readonly RealizableTenant[]): RealizedAllocation[] {
  if (!Number.isInteger(cores) || cores < 1) throw invalidArgument('cores', `must be an integer ≥ 1, got ${cores}`);
  const owner = new Map<number, string>();
  for (const [i, t] of tenants.entries()) {
    if (!Number.isInteger(t.millis) || t.millis < 1)
      throw invalidArgument(`tenants[${i}].millis`, `must be a positive integer, got ${t.millis}`);
    for (const c of t.plannedCpuset) {
      if (!Number.isInteger(c) || c < 0 || c >= cores)
        throw invalidArgument(`tenants[${i}].plannedCpuset`, `core ${c} is not on a ${cores}-core node`);
      const other = owner.get(c);
      if (other !== undefined && other !== t.model)
        throw invalidArgument(`tenants[${i}].plannedCpuset`, `core ${c} is planned for ${other} too`);
      owner.set(c, t.model);
    }
  }
  const total = tenants.reduce((s, t) => s + t.millis, 0);
  if (total > cores * CORE_MILLIS)
    throw new HeraError('PRECONDITION', `tenants hold ${total} m, the node has ${cores * CORE_MILLIS} m`);
  const workersOf = (t: RealizableTenant): number => {
    const w = Math.max(1, Math.ceil(t.millis / CORE_MILLIS));
    return t.kind === 'memory-bound' && t.knee !== undefined && t.knee >= 1 ? Math.min(w, Math.floor(t.knee)) : w;
  };
  const desc = (a: number, b: number): number => b - a;
  const asc = (a: number, b: number): number => a - b;

  // Growing tenants take cores in model order, so the layout does not depend on input order.
  const order = tenants.map((_, i) => i).sort((a, b) => (tenants[a]!.model < tenants[b]!.model ? -1 : 1));

  if (tenants.every(t => t.millis % CORE_MILLIS === 0)) {
    const kept = tenants.map(t => [...new Set(t.plannedCpuset)].sort(desc).slice(0, t.millis / CORE_MILLIS));
    const taken = new Set(kept.flat());
    const free = Array.from({ length: cores }, (_, i) => cores - 1 - i).filter(c => !taken.has(c));
    for (const i of order) kept[i]!.push(...free.splice(0, tenants[i]!.millis / CORE_MILLIS - kept[i]!.length));
    return tenants.map((t, i) => ({
      model: t.model,
      cpuset: kept[i]!.sort(asc),
      cpuMillis: t.millis,
      workers: workersOf(t),
    }));
  }

  // A fraction somewhere: every tenant runs under a CFS quota of its millis on the fewest cores
  // that hold it. It keeps the highest of its planned cores it needs; one that needs more takes
  // cores nobody keeps, then cores of the tenant with the most room under its own quota. So a
  // donor stays on its own cores, capped by its quota, and shares them only with the tenant that
  // took its capacity (sharing every core among all tenants let each disturb the others and
  // gave the grower nothing).
  const need = (t: RealizableTenant): number => Math.max(1, Math.ceil(t.millis / CORE_MILLIS));
  const sets = tenants.map(t => [...new Set(t.plannedCpuset)].sort(desc).slice(0, need(t)));
  const kept = new Set(sets.flat());
  const unkept = Array.from({ length: cores }, (_, i) => cores - 1 - i).filter(c => !kept.has(c));
  const room = (j: number): number => sets[j]!.length * CORE_MILLIS - tenants[j]!.millis;
  for (const i of order) {
    const set = sets[i]!;
    while (set.length < need(tenants[i]!)) {
      let core = unkept.shift();
      if (core === undefined) {
        const donor = order
          .filter(j => j !== i && room(j) > 0 && sets[j]!.some(c => !set.includes(c)))
          .sort((a, b) => room(b) - room(a))[0];
        const from = donor === undefined ? Array.from({ length: cores }, (_, c) => c) : sets[donor]!;
        core = from.filter(c => !set.includes(c)).sort(desc)[0]!;
      }
      set.push(core);
    }
  }
  return tenants.map((t, i) => ({
    model: t.model,
    cpuset: sets[i]!.sort(asc),
    cpuMillis: t.millis,
    workers: workersOf(t),
  }));
}
