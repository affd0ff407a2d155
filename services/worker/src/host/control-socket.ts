import { connect, type Socket } from 'node:net';

/**
 * Framing of the agent ↔ host control connection (a Unix domain socket, see
 * protocol.ts): one JSON message per line. A line longer than this is a broken
 * peer, not a message: the connection is closed.
 */
export const MAX_CONTROL_LINE_BYTES = 1 << 20;

/** Calls `onMessage` for each line received; closes the socket on an over-long line or bad JSON. */
export function readMessages(socket: Socket, onMessage: (m: { type: string }) => void): void {
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (!line) continue;
      let m: unknown;
      try {
        m = JSON.parse(line);
      } catch {
        socket.destroy(new Error(`control message is not JSON: ${line.slice(0, 80)}`));
        return;
      }
      if (typeof m !== 'object' || m === null || typeof (m as { type?: unknown }).type !== 'string') {
        socket.destroy(new Error(`control message without a type: ${line.slice(0, 80)}`));
        return;
      }
      onMessage(m as { type: string });
    }
    if (buffered.length > MAX_CONTROL_LINE_BYTES)
      socket.destroy(new Error(`control line longer than ${MAX_CONTROL_LINE_BYTES} bytes`));
  });
}

/** Writes one message; false when the connection is gone (the message is dropped). */
export function writeMessage(socket: Socket | undefined, m: object): boolean {
  if (!socket || socket.destroyed || !socket.writable) return false;
  socket.write(`${JSON.stringify(m)}\n`);
  return true;
}

/** One connection attempt to a Unix socket; rejects on ENOENT/ECONNREFUSED or after `timeoutMs`. */
export function connectOnce(path: string, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    const t = setTimeout(() => s.destroy(new Error(`no answer from ${path} within ${timeoutMs} ms`)), timeoutMs);
    const onError = (err: Error) => {
      clearTimeout(t);
      reject(err);
    };
    s.once('error', onError);
    s.once('connect', () => {
      clearTimeout(t);
      s.removeListener('error', onError); // the caller attaches its own
      resolve(s);
    });
  });
}
