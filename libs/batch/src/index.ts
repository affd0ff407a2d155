export { checkShape, scoresToBytes, checkPayloadValues, MAX_ITEMS } from './decode';
export type { RawItems, BatchShape, ValueSchema } from './decode';
