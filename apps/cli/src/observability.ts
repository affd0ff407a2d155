import { connect } from 'node:net';

/** Where `hera up --observability` looks for an OTLP/gRPC collector: Jaeger's (or a collector's) default port. */
export const DEFAULT_OTLP_ENDPOINT = 'http://127.0.0.1:4317';

/** Whether something accepts TCP connections at the URL's host and port (nothing is sent). */
export async function tcpReachable(url: string, timeoutMs = 500): Promise<boolean> {
  let host: string;
  let port: number;
  try {
    const u = new URL(url);
    host = u.hostname.replace(/^\[|\]$/g, '');
    port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  } catch {
    return false;
  }
  return new Promise(resolve => {
    const s = connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/**
 * The environment that points every service `hera up` starts at an OTLP endpoint (the services
 * export traces when OTEL_EXPORTER_OTLP_ENDPOINT is set, libs/telemetry): `otlp` as given (said,
 * with a warning when nothing listens there), or with `probe` the default endpoint when a
 * collector answers there. Neither: nothing (an OTEL_* variable already set still reaches the
 * services through the inherited environment).
 */
export async function observabilityEnv(
  o: { otlp?: string; probe: boolean },
  say: (line: string) => void,
): Promise<Record<string, string>> {
  const endpoint = o.otlp ?? (o.probe ? DEFAULT_OTLP_ENDPOINT : undefined);
  if (!endpoint) return {};
  const up = await tcpReachable(endpoint);
  if (o.otlp) {
    say(
      up
        ? `traces to the OTLP endpoint ${endpoint}`
        : `traces to ${endpoint}, where nothing answers yet (spans are dropped until a collector listens there)`,
    );
    return { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint };
  }
  if (!up) {
    say(
      `no OTLP collector at ${endpoint}: tracing stays off (start one, e.g. \`docker compose up -d jaeger\`, or pass --otlp URL)`,
    );
    return {};
  }
  say(
    `found an OTLP collector at ${endpoint}: every service sends its traces there (Jaeger UI: http://127.0.0.1:16686)`,
  );
  return { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint };
}
