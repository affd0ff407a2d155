export { checkShape, decodeItems, scoresToBytes, checkValues, MAX_ITEMS } from './decode';
export type { RawItems, BatchShape, DecodedItems, ValueSchema } from './decode';
