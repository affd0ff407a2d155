import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectOnce, MAX_CONTROL_LINE_BYTES, readMessages, writeMessage } from './control-socket';

const dir = mkdtempSync(join(tmpdir(), 'hera-ctl-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A listening socket whose one connection reads messages; resolves with them once the peer closes. */
async function receiver(
  name: string,
): Promise<{ path: string; received: Promise<{ messages: unknown[]; error?: string }> }> {
  const path = join(dir, name);
  let done!: (r: { messages: unknown[]; error?: string }) => void;
  const received = new Promise<{ messages: unknown[]; error?: string }>(r => (done = r));
  const server = createServer((s: Socket) => {
    const messages: unknown[] = [];
    let error: string | undefined;
    s.on('error', err => (error = err.message));
    readMessages(s, m => messages.push(m));
    s.on('close', () => {
      server.close();
      done({ messages, ...(error ? { error } : {}) });
    });
  });
  await new Promise<void>(r => server.listen(path, r));
  return { path, received };
}

describe('control socket framing', () => {
  it('delivers each line as one message, however the bytes arrive', async () => {
    const r = await receiver('a.sock');
    const s = await connectOnce(r.path, 1_000);
    writeMessage(s, { type: 'hello', pid: 1 });
    const two = `${JSON.stringify({ type: 'stats', n: 2 })}\n${JSON.stringify({ type: 'stats', n: 3 })}\n`;
    s.write(two.slice(0, 7));
    await new Promise(res => setTimeout(res, 20));
    s.write(two.slice(7));
    s.end();
    const { messages, error } = await r.received;
    assert.equal(error, undefined);
    assert.deepEqual(messages, [
      { type: 'hello', pid: 1 },
      { type: 'stats', n: 2 },
      { type: 'stats', n: 3 },
    ]);
  });

  it('closes the connection on a line that is not a typed JSON message', async () => {
    for (const bad of ['not json', '{"no":"type"}']) {
      const r = await receiver(`b-${bad.length}.sock`);
      const s = await connectOnce(r.path, 1_000);
      s.on('error', () => undefined);
      s.write(`{"type":"ok"}\n${bad}\n{"type":"after"}\n`);
      const { messages, error } = await r.received;
      assert.deepEqual(messages, [{ type: 'ok' }]);
      assert.match(error ?? '', /control message/);
      s.destroy();
    }
  });

  it('closes the connection on a line longer than the bound instead of buffering it', async () => {
    const r = await receiver('c.sock');
    const s = await connectOnce(r.path, 1_000);
    s.on('error', () => undefined);
    s.write(`{"type":"x","pad":"${'a'.repeat(MAX_CONTROL_LINE_BYTES)}`);
    const { messages, error } = await r.received;
    assert.deepEqual(messages, []);
    assert.match(error ?? '', /longer than/);
    s.destroy();
  });

  it('fails a connection attempt to a socket nobody listens on', async () => {
    await assert.rejects(connectOnce(join(dir, 'none.sock'), 1_000), /ENOENT/);
  });

  it('drops a message when there is no connection', () => {
    assert.equal(writeMessage(undefined, { type: 'x' }), false);
  });
});
