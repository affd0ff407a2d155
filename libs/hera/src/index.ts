/**
 * @hera/hera — Hera's pure algorithms (DESIGN §4.2–§4.5): profile math, EMU, the pair search,
 * the required-servers MILP, baselines, node mapping, tenant allocations and the node-level
 * resource manager's policy. No I/O: the placement service, the node agent, the CLI and the
 * simulator all call these with data they loaded.
 */
export {
  buildModelProfile,
  findProfile,
  firstServing,
  profileEngine,
  qpsAt,
  tenantMemoryBytes,
  type ModelKind,
  type ModelProfile,
  type ModelProfileInput,
  type NodeClassSpec,
  type PairProfile,
  type PairSplitMeasurement,
  type ProfileSet,
  type Provenance,
} from './profile';
export {
  pairFromMeasurements,
  profileFromMeasurements,
  profileSetFromMeasurements,
  type MeasuredPairInput,
  type MeasuredPoint,
  type MeasuredProfileInput,
} from './measured-profile';
export { checkProfileEngines, profileEngineMismatches, type EngineOfModel } from './engine-check';
export { classifyProfile, DEFAULT_EPSILON, workerScalability, type Classification } from './scalability';
export { emu, type TenantThroughput } from './emu';
export {
  bandwidthCeiling,
  DEFAULT_INTERFERENCE,
  predictColocated,
  type CeilingSource,
  type ColocationPrediction,
  type InterferenceOptions,
} from './interference';
export {
  configId,
  configQps,
  configTenant,
  describeBasis,
  parseConfigId,
  serverConfig,
  type ConfigTenant,
  type ServerConfig,
  type ThroughputBasis,
} from './server-config';
export {
  selectPairsToProfile,
  type PairSelection,
  type PairSelectionOptions,
  type PairToProfile,
  type SplitToMeasure,
} from './pair-selection';
export { checkPredictor, type PredictorCheck, type PredictorCheckRow } from './predictor-check';
export {
  calibratePair,
  classCalibration,
  evaluateSplit,
  evaluateSplits,
  findPairProfile,
  pairConfig,
  pairKey,
  resolvePairSearchOptions,
  searchPairs,
  splitAt,
  type PairCalibration,
  type PairEvaluation,
  type PairSearchOptions,
  type PairSearchResult,
  type ResolvedPairSearchOptions,
  type SplitEvaluation,
  type UnplaceableModel,
} from './pair-search';
export { highsSolver, loadMilpSolver, type MilpLimits, type MilpOutcome, type MilpSolver } from './milp-solver';
export {
  coverLp,
  DEFAULT_TIME_LIMIT_MS,
  findInfeasibleDemand,
  greedyCover,
  InfeasibleDemandError,
  MAX_DEMAND_QPS,
  MAX_DEMAND_SERVERS,
  meanEmu,
  SOLVE_WORK_LIMITS,
  solveRequiredServers,
  validateDemand,
  type AnswerSource,
  type ConfigCount,
  type Demand,
  type InfeasibleDemand,
  type RequiredServers,
  type RequiredServersOptions,
  type SolvePhaseName,
  type SolvePhaseReport,
  type SolverKind,
} from './required-servers';
export {
  dedicatedBaseline,
  dedicatedUnits,
  firstFitBaseline,
  randomBaseline,
  type StrategyName,
  type StrategyResult,
} from './baselines';
export { planCluster, type ClusterPlan, type ClusterPlanOptions } from './plan';
export { explainPlan, explainPredictor, type ConfigExplanation } from './explain';
export { pinnedConfig } from './pinned';
export {
  mapConfigsToNodes,
  type MovementSummary,
  type NodeAssignment,
  type NodeMapping,
  type NodeMappingOptions,
  type RegisteredNode,
  type UnplacedConfig,
} from './node-mapping';
export { allocateTenants, packCpusets, type AllocationOptions, type TenantAllocation } from './allocation';
// The memory model, whole: constants and the overcommit/merge policy (memory.ts).
export * from './memory';
export {
  DEFAULT_NODE_MANAGER_OPTIONS,
  MIN_IMPROVEMENT,
  NodeManagerPolicy,
  realizeAllocations,
  type ManagedTenant,
  type Move,
  type NodeManagerDecision,
  type NodeManagerOptions,
  type RealizableTenant,
  type RealizedAllocation,
} from './node-manager';
export {
  parseProfileSet,
  PROFILE_SET_SCHEMA,
  toProfileSetDocument,
  type ProfileSetDocument,
} from './profile-set-schema';
export {
  DEMAND_MIXES,
  demandFromMix,
  mixWeights,
  unitsToQps,
  type DemandMixName,
  type DemandMixOptions,
} from './demand';
export {
  DEFAULT_QUERY_SIZE,
  derivedBytesPerQuery,
  meanQueryItems,
  rooflineBreakdown,
  rooflineProfileSet,
  type QueryLayout,
  type QuerySizeModel,
  type RooflineBreakdown,
  type RooflineHardware,
  type RooflineModel,
} from './roofline';
export { rooflineModelFromZoo, zooRooflineModels } from './zoo-roofline';
export {
  KNOWN_NODE_CLASSES,
  measuredNodeClass,
  NODE_CLASS_16C,
  NODE_CLASS_2C,
  NODE_CLASS_32C_WHATIF,
} from './node-classes';
export {
  MAX_SIMULATED_NODES,
  simulateCluster,
  type SimulatedStrategy,
  type SimulationOptions,
  type SimulationReport,
} from './simulate-cluster';
