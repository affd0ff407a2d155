import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { services } from '@hera/proto';
import { boundedDetails } from './errors';
import { MalformedRequest, TokenBucket, tolerantDecoding } from './guards';
import { MAX_STATUS_DETAILS_CHARS } from './limits';

describe('tolerantDecoding', () => {
  const rank = tolerantDecoding(services().ranking)['Rank']!;

  it('decodes a valid request as before', () => {
    const bytes = rank.requestSerialize({ model: 'ncf', topK: 3 });
    assert.deepEqual(
      Object.entries(rank.requestDeserialize(bytes) as object).filter(([k]) => k === 'model' || k === 'topK'),
      [
        ['model', 'ncf'],
        ['topK', 3],
      ],
    );
  });

  it('turns bytes that are not the message into a MalformedRequest naming the method, instead of throwing', () => {
    for (const bytes of [Buffer.from([0x7f, 0x01]), Buffer.from([0x1a, 0x7f])]) {
      const got = rank.requestDeserialize(bytes);
      assert.ok(got instanceof MalformedRequest);
      assert.match(
        got.details,
        /^request: not a valid protobuf message for \/hera\.gateway\.v1\.RankingService\/Rank \(.+\)$/,
      );
    }
  });

  it('keeps everything else of the method (path, serializers, streaming flags)', () => {
    const original = services().worker['InferStream']!;
    const tolerant = tolerantDecoding(services().worker)['InferStream']!;
    assert.equal(tolerant.path, original.path);
    assert.equal(tolerant.requestStream, true);
    assert.equal(tolerant.responseStream, true);
    assert.equal(tolerant.responseSerialize, original.responseSerialize);
  });
});

describe('boundedDetails', () => {
  it('leaves a message of up to MAX_STATUS_DETAILS_CHARS alone', () => {
    const s = 'a'.repeat(MAX_STATUS_DETAILS_CHARS);
    assert.equal(boundedDetails(s), s);
  });

  it('cuts a longer one to MAX_STATUS_DETAILS_CHARS with an ellipsis and its full length', () => {
    const got = boundedDetails(`model "${'x'.repeat(80_000)}" is not registered`);
    assert.ok(got.length <= MAX_STATUS_DETAILS_CHARS, `${got.length} chars`);
    assert.match(got, /^model "x+… \(cut from 80026 chars\)$/);
  });

  it('does not split a surrogate pair', () => {
    const got = boundedDetails('a' + '😀'.repeat(MAX_STATUS_DETAILS_CHARS));
    assert.doesNotMatch(got, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});

describe('TokenBucket', () => {
  it('allows the burst at once, then one token per 1/rate seconds', () => {
    const b = new TokenBucket(3, 2);
    assert.deepEqual([b.take(0), b.take(0), b.take(0), b.take(0)], [true, true, true, false]);
    assert.equal(b.take(400), false, '0.8 tokens after 400 ms');
    assert.equal(b.take(500), true, 'one token after 500 ms');
  });

  it('never lets a client that stays under the rate run out, however long it goes on', () => {
    const b = new TokenBucket(500, 16);
    // 15 resets a second for ten minutes: nothing a well-behaved client with timeouts does is cut off.
    for (let t = 0; t < 600_000; t += 1000 / 15) assert.equal(b.take(t), true, `at ${t} ms`);
  });

  it('caps the saved tokens at the burst', () => {
    const b = new TokenBucket(2, 1);
    b.take(0);
    const after = [b.take(3_600_000), b.take(3_600_000), b.take(3_600_000)];
    assert.deepEqual(after, [true, true, false]);
  });
});
