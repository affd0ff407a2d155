import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { HERA_ERROR_CODES, HeraError } from '@hera/errors';
import { fromServiceError, STATUS_OF, statusName } from './errors';

/** A client-side error with `code`, as grpc-js rejects a call. */
function serviceError(code: grpc.status): grpc.ServiceError {
  return Object.assign(new Error(`${code}`), { code, details: 'why', metadata: new grpc.Metadata() });
}

describe('STATUS_OF', () => {
  it('maps every domain code, and nothing else, to a gRPC status', () => {
    assert.deepEqual(Object.keys(STATUS_OF).sort(), [...HERA_ERROR_CODES].sort());
    for (const code of HERA_ERROR_CODES) assert.equal(typeof grpc.status[STATUS_OF[code]], 'string', code);
  });

  it('gives each domain code its own status, so a client gets the same code back', () => {
    for (const code of HERA_ERROR_CODES) {
      const back = fromServiceError(serviceError(STATUS_OF[code]));
      assert.ok(back instanceof HeraError);
      assert.equal(back.code, code);
    }
  });

  it('maps the codes whose names differ by meaning', () => {
    const names = Object.fromEntries(HERA_ERROR_CODES.map(c => [c, statusName(STATUS_OF[c])]));
    assert.deepEqual(
      {
        OVERLOADED: names['OVERLOADED'],
        DEADLINE: names['DEADLINE'],
        PRECONDITION: names['PRECONDITION'],
        CONFLICT: names['CONFLICT'],
      },
      {
        OVERLOADED: 'RESOURCE_EXHAUSTED',
        DEADLINE: 'DEADLINE_EXCEEDED',
        PRECONDITION: 'FAILED_PRECONDITION',
        CONFLICT: 'ABORTED',
      },
    );
  });

  it('reads a status no domain code has as INTERNAL', () => {
    assert.equal(fromServiceError(serviceError(grpc.status.DATA_LOSS)).code, 'INTERNAL');
  });
});

describe('statusName', () => {
  it('names every gRPC status as grpc-js does, and the name leads back to the code', () => {
    for (let code = grpc.status.OK; code <= grpc.status.UNAUTHENTICATED; code++) {
      const name = statusName(code);
      assert.match(name, /^[A-Z_]+$/);
      assert.equal(grpc.status[name as keyof typeof grpc.status], code);
    }
    assert.equal(statusName(grpc.status.RESOURCE_EXHAUSTED), 'RESOURCE_EXHAUSTED');
    assert.equal(statusName(0), 'OK');
  });

  it('names a code grpc-js does not know by its number', () => {
    assert.equal(statusName(99 as grpc.status), 'STATUS_99');
  });
});
