export { decodeItems, scoresToBytes, checkValues } from './decode';
export type { RawItems, BatchShape, DecodedItems, ValueSchema } from './decode';
