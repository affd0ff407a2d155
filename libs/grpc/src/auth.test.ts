import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { services } from '@hera/proto';
import { decide, loadAuthPolicy, parseIdentities, parseTokens, RPC_ACCESS, type AuthPolicy } from './auth';

const policy = (open: ('read' | 'infer')[]): AuthPolicy => ({
  tokens: parseTokens('operator operator-token-0123456789\nreader reader-token-0123456789'),
  identities: new Map(),
  open: new Set(open),
});
const bearer = (t?: string) => {
  const md = new grpc.Metadata();
  if (t) md.set('authorization', `Bearer ${t}`);
  return md;
};

describe('auth policy', () => {
  it('classifies every RPC the mesh serves (a new RPC must be placed in RPC_ACCESS)', () => {
    const unclassified = Object.values(services())
      .flatMap(def => Object.values(def).map(m => m.path))
      .filter(path => !(path in RPC_ACCESS));
    assert.deepEqual(unclassified, []);
  });

  it('opens read and infer RPCs only as configured, and never control ones', () => {
    const md = bearer();
    assert.equal(
      decide(policy(['read', 'infer']), '/hera.gateway.v1.RankingService/Rank', md, undefined).allowed,
      true,
    );
    assert.equal(decide(policy(['read']), '/hera.gateway.v1.RankingService/Rank', md, undefined).allowed, false);
    assert.equal(
      decide(policy(['read']), '/hera.gateway.v1.RankingService/Rank', bearer('reader-token-0123456789'), undefined)
        .allowed,
      true,
    );
    assert.equal(decide(policy([]), '/grpc.health.v1.Health/Check', md, undefined).allowed, true);
    const d = decide(policy(['read', 'infer']), '/hera.placement.v1.PlacementService/SetDemand', md, undefined);
    assert.equal(d.code, grpc.status.UNAUTHENTICATED);
  });

  it('treats an RPC it does not know as admin-only', () => {
    const d = decide(policy(['read', 'infer']), '/x.Y/Z', bearer('operator-token-0123456789'), undefined);
    assert.equal(d.code, grpc.status.PERMISSION_DENIED);
    assert.match(d.reason!, /needs the admin role; the caller has operator/);
  });

  it('refuses a malformed authorization header as UNAUTHENTICATED', () => {
    const md = new grpc.Metadata();
    md.set('authorization', 'Basic abc');
    assert.equal(decide(policy([]), '/hera.placement.v1.PlacementService/Plan', md, undefined).code, 16);
  });

  it('reads tokens and identities, naming the line and never echoing a token', () => {
    assert.throws(
      () => parseTokens('root secret-token-0123456789'),
      /line 1: role must be one of admin, operator, reader/,
    );
    assert.throws(() => parseTokens('admin short'), /line 1: a token needs at least 16 characters/);
    try {
      parseTokens('\nadmin secret-token-0123456789 extra');
      assert.fail('accepted three fields');
    } catch (err) {
      assert.match((err as Error).message, /line 2: expected "<role> <token>"/);
      assert.ok(!(err as Error).message.includes('secret-token'));
    }
    assert.deepEqual(
      [...parseIdentities('hera-placement=admin, hera-cli=operator')],
      [
        ['hera-placement', 'admin'],
        ['hera-cli', 'operator'],
      ],
    );
    assert.throws(() => parseIdentities('hera-cli=root'), /expected <name>=<admin\|operator\|reader>/);
    assert.equal(loadAuthPolicy({}), undefined, 'no tokens and no identities: auth off');
    assert.throws(() => loadAuthPolicy({ identities: 'a=admin', open: 'write' }), /expected read and\/or infer/);
  });
});
