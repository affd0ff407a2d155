/** gRPC status names by code (as grpc-js numbers them). */
const NAMES = ['OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED'];

/** "OK", or the status name of the error a call rejected with ("RESOURCE_EXHAUSTED"). */
export async function grpcCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (err) {
    const code = (err as { code?: number }).code;
    return typeof code === 'number' ? (NAMES[code] ?? `STATUS_${code}`) : 'NOT_A_GRPC_ERROR';
  }
}

/** "OK", or "NAME: details" of the error a call rejected with, for matching messages. */
export async function grpcOutcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (err) {
    const e = err as { code?: number; details?: string };
    return `${typeof e.code === 'number' ? (NAMES[e.code] ?? `STATUS_${e.code}`) : 'NOT_A_GRPC_ERROR'}: ${e.details ?? String(err)}`;
  }
}
