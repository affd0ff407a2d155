import { statusName } from '@hera/grpc';

/** "OK", or the status name of the error a call rejected with ("RESOURCE_EXHAUSTED"). */
export async function grpcCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (err) {
    const code = (err as { code?: number }).code;
    return typeof code === 'number' ? statusName(code) : 'NOT_A_GRPC_ERROR';
  }
}

/** "OK", or "NAME: details" of the error a call rejected with, for matching messages. */
export async function grpcOutcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (err) {
    const e = err as { code?: number; details?: string };
    return `${typeof e.code === 'number' ? statusName(e.code) : 'NOT_A_GRPC_ERROR'}: ${e.details ?? String(err)}`;
  }
}
