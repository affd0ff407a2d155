export { randomItems, toItemBatch } from './items';
export type { ItemSchema, GeneratedItems } from './items';
export { QueryStream, querySize, QUERY_SIZE } from './query-stream';
export type { QueryStreamOptions, PlannedQuery, ArrivalProcess } from './query-stream';
export { runLoad } from './load-runner';
export type { LoadOptions, LoadProgress, LoadSummary, SendQuery } from './load-runner';
export { PayloadPool, gatewayTarget, workerTarget } from './targets';
export type { Target } from './targets';
export { findMaxRate } from './rate-search';
export type { MeasureAt, RateSearchOptions, RateSearchResult, RateStep } from './rate-search';
export { findPairRates } from './pair-rate-search';
export type {
  MeasurePair,
  PairPhase,
  PairRateResult,
  PairRateSearchOptions,
  PairStep,
  TenantMeasurement,
} from './pair-rate-search';
