import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requestSlotBytes } from '@hera/hera';
import { inputBytes, outputBytes } from './slot-layout';

describe('slot layout', () => {
  it('is as large as the memory model counts a request slot (placement sizes limits with it)', () => {
    for (const [maxItems, denseDim, idsPerItem] of [
      [1024, 13, 26],
      [1024, 0, 2],
      [7, 3, 1],
    ] as const) {
      assert.equal(
        inputBytes(maxItems, denseDim, idsPerItem) + outputBytes(maxItems),
        requestSlotBytes(maxItems, denseDim, idsPerItem),
      );
    }
  });
});
