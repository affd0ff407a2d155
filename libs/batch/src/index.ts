export { checkShape, decodeItems, scoresToBytes, checkValues, checkPayloadValues, MAX_ITEMS } from './decode';
export type { RawItems, BatchShape, DecodedItems, ValueSchema } from './decode';
