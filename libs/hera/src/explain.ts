import type { PairEvaluation } from './pair-search';
import type { ClusterPlan } from './plan';
import { checkPredictor, type PredictorCheck } from './predictor-check';
import { describeBasis, type ConfigTenant, type ServerConfig } from './server-config';

/** Why a configuration is in the plan (the shape of hera.placement.v1.ConfigExplanation). */
export interface ConfigExplanation {
  config: string;
  count: number;
  emu: number;
  predicted: boolean;
  /** What its QPS rests on, with the provenance of the solo profiles ({@link describeBasis}). */
  basis: string;
  reason: string;
  /** Why this many servers: the demand they carry. */
  countReason: string;
  alternatives: { config: string; emu: number; whyNot: string }[];
  tenants: ConfigTenant[];
}

const f1 = (x: number) => x.toFixed(1);
const f3 = (x: number) => x.toFixed(3);
const pct = (x: number) => `${(100 * x).toFixed(x < 0.1 ? 1 : 0)}%`;

/**
 * Explains every configuration Hera uses: its EMU and what it rests on (measured pair,
 * predictor, solo profiles and their provenance), why it was chosen, why that many servers of
 * it (the demand they carry), and the alternatives it beat (other splits of the same pair, other
 * partners of its models; for a dedicated server, why its accepted partners take no more of it).
 */
export function explainPlan(plan: ClusterPlan, maxAlternatives = 5): ConfigExplanation[] {
  const { search, demand } = plan;
  const used = new Map(plan.hera.counts.map(c => [c.config.id, c.count]));
  const capacity = plan.hera.capacity;
  const pairId = (p: PairEvaluation, wa: number, wb: number) => `${p.a}:${wa}+${p.b}:${wb}`;
  const partnerAlternatives = (model: string, except?: PairEvaluation) =>
    search.pairs
      .filter(p => p !== except && (p.a === model || p.b === model) && p.best)
      .sort((x, y) => y.best!.emu - x.best!.emu)
      .map(p => ({
        config: pairId(p, p.best!.workersA, p.best!.workersB),
        emu: p.best!.emu,
        whyNot: p.accepted
          ? used.has(p.config!.id)
            ? 'also used'
            : 'accepted, but the optimal cover did not need it'
          : p.reason,
      }));
  const countReason = (config: ServerConfig, count: number) => {
    const parts = config.tenants.map(t => {
      const d = demand[t.model] ?? 0;
      const carried = count * t.qps;
      return d > 0
        ? `${t.model} ${count} × ${f1(t.qps)} = ${f1(carried)} of its ${f1(d)} qps (${pct(carried / d)})`
        : `${t.model} ${f1(carried)} qps with no demand for it`;
    });
    const spare = config.tenants
      .filter(t => (demand[t.model] ?? 0) > 0 && (capacity[t.model] ?? 0) > demand[t.model]! * (1 + 1e-9))
      .map(t => `${t.model} ${f1(capacity[t.model]! - demand[t.model]!)} qps`);
    return `×${count}: ${parts.join('; ')}${spare.length ? `; spare capacity in the whole plan (servers come whole): ${spare.join(', ')}` : ''}`;
  };
  return plan.hera.counts.map(({ config, count }) => {
    const tenants = config.tenants.map(t => ({ ...t }));
    const base = {
      config: config.id,
      count,
      emu: config.emu,
      predicted: config.predicted,
      basis: describeBasis(config),
      countReason: countReason(config, count),
      tenants,
    };
    if (config.kind === 'pair') {
      const [x, y] = config.tenants as [ServerConfig['tenants'][0], ServerConfig['tenants'][0]];
      const ev = search.pairs.find(p => p.a === x.model && p.b === y.model)!;
      const alternatives = [
        ...ev.runnersUp.map(s => ({
          config: pairId(ev, s.workersA, s.workersB),
          emu: s.emu,
          whyNot: `lower EMU than the chosen split (${f3(s.emu)} < ${f3(config.emu)}, ${s.basis === 'measured-pair' ? 'measured' : 'predicted'})`,
        })),
        ...partnerAlternatives(x.model, ev),
        ...partnerAlternatives(y.model, ev),
      ].slice(0, maxAlternatives);
      return { ...base, reason: ev.reason, alternatives };
    }
    const t = config.tenants[0]!;
    const profile = search.profiles.get(t.model)!;
    const alone =
      t.workers === profile.knee
        ? `${t.model} (${t.kind}) alone at its knee n* = ${t.workers} serves QPSmax ${f1(t.qps)}`
        : `${t.model} alone with ${t.workers} workers (memory does not allow its knee n* = ${profile.knee})`;
    const accepted = search.pairs.filter(p => p.accepted && (p.a === t.model || p.b === t.model));
    let why: string;
    if (!accepted.length) {
      why = 'no partner beats two dedicated servers (see the alternatives)';
    } else {
      const onPairs = accepted
        .filter(p => used.has(p.config!.id))
        .map(p => `×${used.get(p.config!.id)} on ${p.config!.id}`);
      const partners = accepted.map(p => {
        const other = p.a === t.model ? p.b : p.a;
        const d = demand[other] ?? 0;
        if (!(d > 0)) return `${other} has no demand`;
        const otherDedicated = plan.hera.counts.find(
          c => c.config.kind === 'dedicated' && c.config.tenants[0]!.model === other,
        );
        if (otherDedicated) {
          return `${other} also runs on ${otherDedicated.count} dedicated server(s): moving more of both onto ${p.config!.id} would not save a whole server (the optimal cover)`;
        }
        return `${other}'s demand (${f1(d)} qps) is used up: the plan already carries ${f1(capacity[other] ?? 0)} qps of it`;
      });
      why = `${onPairs.length ? `besides ${onPairs.join(', ')}, ` : ''}the rest of its demand goes on dedicated servers because its partners cannot take more of it: ${partners.join('; ')}`;
    }
    return {
      ...base,
      reason: `${alone}; ${why}`,
      alternatives: partnerAlternatives(t.model).slice(0, maxAlternatives),
    };
  });
}

/** The predictor against every measured pair of the plan's profile set ({@link checkPredictor}). */
export function explainPredictor(plan: ClusterPlan): PredictorCheck {
  return checkPredictor(plan.set, plan.search.options.interference);
}
