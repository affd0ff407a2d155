import { createServer, type IncomingMessage, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import * as protobuf from 'protobufjs';

/**
 * An OTLP trace receiver in the test's own process, standing in for a collector or
 * Jaeger (neither runs here): OTLP/gRPC (`TraceService/Export`) or OTLP/HTTP with
 * protobuf bodies (`POST /v1/traces`), on 127.0.0.1 and a free port. It keeps every
 * span it is sent, decoded.
 *
 * The schema below is written from the OTLP wire format (opentelemetry-proto's
 * collector/trace/v1, trace/v1, common/v1 and resource/v1 messages: same field numbers
 * and types), reduced to the fields tests read; protobuf skips the others.
 */
const SCHEMA = {
  nested: {
    otlp: {
      nested: {
        ExportTraceServiceRequest: { fields: { resourceSpans: { rule: 'repeated', type: 'ResourceSpans', id: 1 } } },
        ResourceSpans: {
          fields: {
            resource: { type: 'Resource', id: 1 },
            scopeSpans: { rule: 'repeated', type: 'ScopeSpans', id: 2 },
          },
        },
        Resource: { fields: { attributes: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
        ScopeSpans: {
          fields: {
            scope: { type: 'InstrumentationScope', id: 1 },
            spans: { rule: 'repeated', type: 'Span', id: 2 },
          },
        },
        InstrumentationScope: { fields: { name: { type: 'string', id: 1 } } },
        Span: {
          fields: {
            traceId: { type: 'bytes', id: 1 },
            spanId: { type: 'bytes', id: 2 },
            traceState: { type: 'string', id: 3 },
            parentSpanId: { type: 'bytes', id: 4 },
            name: { type: 'string', id: 5 },
            kind: { type: 'int32', id: 6 },
            startTimeUnixNano: { type: 'fixed64', id: 7 },
            endTimeUnixNano: { type: 'fixed64', id: 8 },
            attributes: { rule: 'repeated', type: 'KeyValue', id: 9 },
            status: { type: 'Status', id: 15 },
            flags: { type: 'fixed32', id: 16 },
          },
        },
        Status: { fields: { message: { type: 'string', id: 2 }, code: { type: 'int32', id: 3 } } },
        KeyValue: { fields: { key: { type: 'string', id: 1 }, value: { type: 'AnyValue', id: 2 } } },
        AnyValue: {
          oneofs: {
            value: {
              oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'],
            },
          },
          fields: {
            stringValue: { type: 'string', id: 1 },
            boolValue: { type: 'bool', id: 2 },
            intValue: { type: 'int64', id: 3 },
            doubleValue: { type: 'double', id: 4 },
            arrayValue: { type: 'ArrayValue', id: 5 },
            kvlistValue: { type: 'KeyValueList', id: 6 },
            bytesValue: { type: 'bytes', id: 7 },
          },
        },
        ArrayValue: { fields: { values: { rule: 'repeated', type: 'AnyValue', id: 1 } } },
        KeyValueList: { fields: { values: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
      },
    },
  },
};

/** OTLP's SpanKind numbers. */
export const SPAN_KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;
/** OTLP's status codes. */
export const SPAN_STATUS = { UNSET: 0, OK: 1, ERROR: 2 } as const;

export type AttributeValue = string | number | boolean | AttributeValue[];

export interface ReceivedSpan {
  /** The resource's service.name: which process sent it. */
  service: string;
  scope: string;
  /** Hex, as in a W3C traceparent. */
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  name: string;
  /** SPAN_KIND. */
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, AttributeValue>;
  status: { code: number; message: string };
}

export type OtlpProtocol = 'grpc' | 'http/protobuf';

export interface OtlpReceiver {
  protocol: OtlpProtocol;
  /** What OTEL_EXPORTER_OTLP_TRACES_ENDPOINT should be set to for this receiver. */
  tracesEndpoint: string;
  /** The environment that makes a service export its traces here. */
  env(): Record<string, string>;
  /** The spans received (none kept when started with `keep: false`). */
  spans(): ReceivedSpan[];
  /** Export requests received. */
  readonly requests: number;
  /** Spans received (0 when started with `keep: false`: nothing is decoded then). */
  readonly spanCount: number;
  /** Bytes of export requests received (their bodies, as sent). */
  readonly bytes: number;
  /** Resolves with the spans once `done(spans)` holds (checked as spans arrive), or rejects after `timeoutMs`. */
  waitFor(done: (spans: ReceivedSpan[]) => boolean, timeoutMs: number, what: string): Promise<ReceivedSpan[]>;
  clear(): void;
  stop(): Promise<void>;
}

const root = protobuf.Root.fromJSON(SCHEMA);
const ExportRequest = root.lookupType('otlp.ExportTraceServiceRequest');

interface DecodedValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values?: DecodedValue[] };
  bytesValue?: Uint8Array;
}
interface DecodedKeyValue {
  key: string;
  value?: DecodedValue;
}
interface DecodedSpan {
  traceId: Uint8Array;
  spanId: Uint8Array;
  parentSpanId?: Uint8Array;
  name: string;
  kind?: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: DecodedKeyValue[];
  status?: { code?: number; message?: string };
}
interface DecodedRequest {
  resourceSpans?: {
    resource?: { attributes?: DecodedKeyValue[] };
    scopeSpans?: { scope?: { name?: string }; spans?: DecodedSpan[] }[];
  }[];
}

function valueOf(v: DecodedValue | undefined): AttributeValue {
  if (!v) return '';
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(valueOf);
  if (v.bytesValue) return Buffer.from(v.bytesValue).toString('hex');
  return '';
}

const attributesOf = (kvs: DecodedKeyValue[] | undefined) =>
  Object.fromEntries((kvs ?? []).map(kv => [kv.key, valueOf(kv.value)]));
const hex = (b: Uint8Array | undefined) => (b && b.length ? Buffer.from(b).toString('hex') : '');

/** The spans of one ExportTraceServiceRequest body. */
export function decodeTraces(body: Uint8Array): ReceivedSpan[] {
  const req = ExportRequest.toObject(ExportRequest.decode(body), { longs: String, oneofs: true }) as DecodedRequest;
  const out: ReceivedSpan[] = [];
  for (const rs of req.resourceSpans ?? []) {
    const service = String(attributesOf(rs.resource?.attributes)['service.name'] ?? '');
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          service,
          scope: ss.scope?.name ?? '',
          traceId: hex(s.traceId),
          spanId: hex(s.spanId),
          parentSpanId: hex(s.parentSpanId),
          name: s.name,
          kind: s.kind ?? 0,
          startNs: BigInt(s.startTimeUnixNano),
          endNs: BigInt(s.endTimeUnixNano),
          attributes: attributesOf(s.attributes),
          status: { code: s.status?.code ?? 0, message: s.status?.message ?? '' },
        });
      }
    }
  }
  return out;
}

export interface OtlpReceiverOptions {
  /**
   * Decode and keep the spans (default). False only counts requests and bytes, for benchmarks: the
   * receiver stands in for a collector on another machine, and decoding here would charge its
   * work to the core the benchmark's client and gateway run on.
   */
  keep?: boolean;
}

/** Starts a receiver for `protocol` on 127.0.0.1 and a free port. Stop it in `after()`. */
export async function startOtlpReceiver(protocol: OtlpProtocol, opts: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
  const keep = opts.keep ?? true;
  const spans: ReceivedSpan[] = [];
  const waiters = new Set<() => void>();
  let requests = 0;
  let spanCount = 0;
  let bytes = 0;
  const ingest = (body: Uint8Array) => {
    requests++;
    bytes += body.byteLength;
    if (!keep) return;
    const got = decodeTraces(body);
    spanCount += got.length;
    spans.push(...got);
    for (const w of [...waiters]) w();
  };
  let tracesEndpoint: string;
  let stop: () => Promise<void>;
  if (protocol === 'grpc') {
    const server = new grpc.Server();
    const identity = (b: Buffer) => b;
    server.addService(
      {
        Export: {
          path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
          requestStream: false,
          responseStream: false,
          requestSerialize: identity,
          requestDeserialize: identity,
          // ExportTraceServiceResponse with no fields set: zero bytes.
          responseSerialize: () => Buffer.alloc(0),
          responseDeserialize: () => ({}),
        },
      },
      {
        Export: (call: grpc.ServerUnaryCall<Buffer, object>, cb: grpc.sendUnaryData<object>) => {
          try {
            ingest(call.request);
            cb(null, {});
          } catch (err) {
            cb({ code: grpc.status.INVALID_ARGUMENT, details: (err as Error).message });
          }
        },
      },
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    tracesEndpoint = `http://127.0.0.1:${port}`;
    stop = () => new Promise(resolve => server.tryShutdown(() => resolve()));
  } else {
    const server: Server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== '/v1/traces') {
          res.writeHead(404).end();
          return;
        }
        try {
          const raw = Buffer.concat(chunks);
          ingest(req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw);
          res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(Buffer.alloc(0));
        } catch (err) {
          res.writeHead(400, { 'content-type': 'text/plain' }).end((err as Error).message);
        }
      });
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    tracesEndpoint = `http://127.0.0.1:${port}/v1/traces`;
    stop = () =>
      new Promise(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
  }
  return {
    protocol,
    tracesEndpoint,
    env: () => ({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: tracesEndpoint, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: protocol }),
    spans: () => [...spans],
    get requests() {
      return requests;
    },
    get spanCount() {
      return spanCount;
    },
    get bytes() {
      return bytes;
    },
    waitFor: (done, timeoutMs, what) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!done(spans)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve([...spans]);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${what}: not received in ${timeoutMs} ms (${spans.length} spans so far)`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    clear: () => {
      spans.length = 0;
    },
    stop: () => stop(),
  };
}
