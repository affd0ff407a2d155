import { predictColocated, type InterferenceOptions } from './interference';
import { DEFAULT_INTERFERENCE } from './interference';
import type { ProfileSet } from './profile';

/** The predictor against one measured split of a pair. */
export interface PredictorCheckRow {
  a: string;
  b: string;
  workersA: number;
  workersB: number;
  predictedQpsA: number;
  predictedQpsB: number;
  measuredQpsA: number;
  measuredQpsB: number;
  /** |predicted − measured| / measured per tenant (undefined where the measurement is 0). */
  errorA?: number;
  errorB?: number;
  predictedEmu: number;
  measuredEmu: number;
  /** |predicted − measured| / measured of the split's EMU (undefined where measured EMU is 0). */
  emuError?: number;
}

/** Summary of {@link checkPredictor}. */
export interface PredictorCheck {
  rows: PredictorCheckRow[];
  /** Measured splits compared (pairs whose models both have solo profiles in the set). */
  splits: number;
  /** Over every tenant of every measured split: mean and worst |predicted − measured| / measured. */
  qpsError?: { mean: number; max: number };
  /** The same over the splits' EMU. */
  emuError?: { mean: number; max: number };
}

const stats = (xs: readonly number[]) =>
  xs.length ? { mean: xs.reduce((s, x) => s + x, 0) / xs.length, max: Math.max(...xs) } : undefined;

/**
 * How well the solo-profile predictor ({@link predictColocated}, uncalibrated) foresaw every
 * measured pair split in the set (DESIGN §4.4 4a): per tenant and per split EMU, predicted
 * beside measured, and the mean and worst relative errors.
 */
export function checkPredictor(set: ProfileSet, interference: Partial<InterferenceOptions> = {}): PredictorCheck {
  const o = { ...DEFAULT_INTERFERENCE, ...interference };
  const profiles = new Map(set.models.map(p => [p.model, p]));
  const rows: PredictorCheckRow[] = [];
  for (const pp of set.pairs) {
    const a = profiles.get(pp.a);
    const b = profiles.get(pp.b);
    if (!a || !b) continue;
    for (const s of pp.splits) {
      if (s.workersA > a.qps.length || s.workersB > b.qps.length) continue;
      const p = predictColocated(
        [
          { profile: a, workers: s.workersA },
          { profile: b, workers: s.workersB },
        ],
        set.nodeClass,
        o,
      );
      const [pa, pb] = [p.qps[0]!, p.qps[1]!];
      const predictedEmu = pa / a.qpsMax + pb / b.qpsMax;
      const measuredEmu = s.qpsA / a.qpsMax + s.qpsB / b.qpsMax;
      rows.push({
        a: pp.a,
        b: pp.b,
        workersA: s.workersA,
        workersB: s.workersB,
        predictedQpsA: pa,
        predictedQpsB: pb,
        measuredQpsA: s.qpsA,
        measuredQpsB: s.qpsB,
        ...(s.qpsA > 0 ? { errorA: Math.abs(pa - s.qpsA) / s.qpsA } : {}),
        ...(s.qpsB > 0 ? { errorB: Math.abs(pb - s.qpsB) / s.qpsB } : {}),
        predictedEmu,
        measuredEmu,
        ...(measuredEmu > 0 ? { emuError: Math.abs(predictedEmu - measuredEmu) / measuredEmu } : {}),
      });
    }
  }
  const qps = stats(rows.flatMap(r => [r.errorA, r.errorB].filter((e): e is number => e !== undefined)));
  const emu = stats(rows.flatMap(r => (r.emuError === undefined ? [] : [r.emuError])));
  return { rows, splits: rows.length, ...(qps ? { qpsError: qps } : {}), ...(emu ? { emuError: emu } : {}) };
}
