import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_ECHOED_CHARS, quoted } from './index';

describe('quoted', () => {
  it('quotes a short string as JSON does', () => {
    assert.equal(quoted('ncf'), '"ncf"');
    assert.equal(quoted('a"b\n'), '"a\\"b\\n"');
  });

  it('cuts a long one to MAX_ECHOED_CHARS with an ellipsis and its length', () => {
    assert.equal(quoted('x'.repeat(80_000)), `"${'x'.repeat(MAX_ECHOED_CHARS)}…" (80000 chars)`);
    assert.equal(quoted('x'.repeat(MAX_ECHOED_CHARS)), `"${'x'.repeat(MAX_ECHOED_CHARS)}"`);
  });

  it('does not leave half of a surrogate pair at the cut', () => {
    const got = quoted('a' + '😀'.repeat(100));
    assert.match(got, /^"a(😀)+…" \(201 chars\)$/);
  });
});
