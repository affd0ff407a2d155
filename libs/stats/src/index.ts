export { mulberry32, Rng } from './random';
export { quantile, quantileSorted } from './quantile';
