import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '@hera/logger';
import { AUTHORIZATION } from './security';

/** Roles, each allowed what the ones after it are: admin ⊃ operator ⊃ reader. */
export const ROLES = ['admin', 'operator', 'reader'] as const;
export type Role = (typeof ROLES)[number];

/** What calling an RPC takes. `read` and `infer` are `reader` unless the deployment opens them. */
export type Access = 'admin' | 'operator' | 'read' | 'infer' | 'open';

/**
 * Who may call each RPC of the mesh, in one place. Moving tenants or applying a plan is
 * `admin` (placement and the profiler call the node agents so: give them admin identities);
 * changing demand, planning and starting or cancelling profiling work is `operator`; the rest
 * reads or infers. An RPC missing here is `admin` (a new RPC is closed until classified).
 * Health is always open (orchestrators' probes carry no credentials); reflection is `read`.
 */
export const RPC_ACCESS: Readonly<Record<string, Access>> = {
  '/hera.placement.v1.PlacementService/Apply': 'admin',
  '/hera.worker.v1.WorkerService/ApplyAllocation': 'admin',
  '/hera.worker.v1.WorkerService/RemoveTenant': 'admin',
  '/hera.placement.v1.PlacementService/SetDemand': 'operator',
  // Importing, loading and unloading change what the cluster serves as demand and plans do, not
  // where tenants run (placement re-plans with its own admin identity): operator, like SetDemand.
  '/hera.placement.v1.ModelRegistryService/ImportModel': 'operator',
  '/hera.placement.v1.ModelRegistryService/LoadModel': 'operator',
  '/hera.placement.v1.ModelRegistryService/UnloadModel': 'operator',
  '/hera.placement.v1.PlacementService/Plan': 'operator',
  '/hera.placement.v1.PlacementService/StartRollout': 'operator',
  '/hera.profiler.v1.ProfilerService/StartProfile': 'operator',
  '/hera.profiler.v1.ProfilerService/StartPairProfiles': 'operator',
  '/hera.profiler.v1.ProfilerService/CancelJob': 'operator',
  // Loading or unloading a model changes what the cluster plans, like SetDemand and Plan; the
  // tenant moves that follow are placement's own (admin) calls.
  '/inference.GRPCInferenceService/RepositoryModelLoad': 'operator',
  '/inference.GRPCInferenceService/RepositoryModelUnload': 'operator',
  '/hera.placement.v1.PlacementService/GetDemand': 'read',
  '/hera.placement.v1.PlacementService/GetPlan': 'read',
  '/hera.placement.v1.PlacementService/Explain': 'read',
  '/hera.placement.v1.ModelRegistryService/ListModels': 'read',
  '/hera.placement.v1.PlacementService/GetRollout': 'read',
  '/hera.worker.v1.WorkerService/GetStatus': 'read',
  '/hera.profiler.v1.ProfilerService/ListPairProfiles': 'read',
  '/hera.profiler.v1.ProfilerService/GetProfile': 'read',
  '/hera.profiler.v1.ProfilerService/ListProfiles': 'read',
  '/hera.profiler.v1.ProfilerService/WatchJob': 'read',
  '/hera.gateway.v1.RankingService/ListModels': 'read',
  '/inference.GRPCInferenceService/ServerLive': 'read',
  '/inference.GRPCInferenceService/ServerReady': 'read',
  '/inference.GRPCInferenceService/ModelReady': 'read',
  '/inference.GRPCInferenceService/ServerMetadata': 'read',
  '/inference.GRPCInferenceService/ModelMetadata': 'read',
  '/inference.GRPCInferenceService/ModelConfig': 'read',
  '/inference.GRPCInferenceService/ModelStatistics': 'read',
  '/inference.GRPCInferenceService/RepositoryIndex': 'read',
  '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo': 'read',
  '/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo': 'read',
  '/hera.gateway.v1.RankingService/Rank': 'infer',
  '/inference.GRPCInferenceService/ModelInfer': 'infer',
  '/inference.GRPCInferenceService/ModelStreamInfer': 'infer',
  '/hera.worker.v1.WorkerService/Infer': 'infer',
  '/hera.worker.v1.WorkerService/InferStream': 'infer',
  '/grpc.health.v1.Health/Check': 'open',
  '/grpc.health.v1.Health/Watch': 'open',
};

export interface AuthPolicy {
  /** SHA-256 of each accepted bearer token, with its role. */
  tokens: readonly { digest: Buffer; role: Role }[];
  /** mTLS identities (certificate subject CN or a DNS name in its SAN) with their role. */
  identities: ReadonlyMap<string, Role>;
  /** Which of `read` and `infer` anyone may call without a credential. */
  open: ReadonlySet<'read' | 'infer'>;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/**
 * Reads a tokens file: one `<role> <token>` per line (`#` comments and blank lines ignored).
 * Errors name the line, never the token.
 */
export function parseTokens(text: string, file = 'tokens file'): AuthPolicy['tokens'] {
  const out: { digest: Buffer; role: Role }[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const [role, token, ...rest] = line.split(/\s+/);
    if (!ROLES.includes(role as Role))
      throw new Error(`${file} line ${i + 1}: role must be one of ${ROLES.join(', ')}, got ${JSON.stringify(role)}`);
    if (!token || rest.length) throw new Error(`${file} line ${i + 1}: expected "<role> <token>"`);
    if (token.length < 16) throw new Error(`${file} line ${i + 1}: a token needs at least 16 characters`);
    out.push({ digest: sha256(token), role: role as Role });
  });
  return out;
}

/** `name=role,name=role` → identities. */
export function parseIdentities(spec: string): Map<string, Role> {
  const out = new Map<string, Role>();
  for (const part of spec.split(',').map(s => s.trim())) {
    if (!part) continue;
    const [name, role] = part.split('=');
    if (!name || !ROLES.includes(role as Role))
      throw new Error(`identity ${JSON.stringify(part)}: expected <name>=<${ROLES.join('|')}>`);
    out.set(name, role as Role);
  }
  return out;
}

export interface AuthSettings {
  tokensFile?: string | undefined;
  identities?: string | undefined;
  /** Comma-separated subset of read,infer. */
  open?: string | undefined;
}

/** The policy from settings (files read now), or undefined when neither tokens nor identities are set: auth off. */
export function loadAuthPolicy(s: AuthSettings): AuthPolicy | undefined {
  if (!s.tokensFile && !s.identities) return undefined;
  const tokens = s.tokensFile ? parseTokens(readFileSync(s.tokensFile, 'utf8'), s.tokensFile) : [];
  const open = new Set<'read' | 'infer'>();
  for (const c of (s.open ?? 'read,infer').split(',').map(x => x.trim())) {
    if (!c) continue;
    if (c !== 'read' && c !== 'infer') throw new Error(`open RPC classes: expected read and/or infer, got ${c}`);
    open.add(c);
  }
  return { tokens, identities: parseIdentities(s.identities ?? ''), open };
}

const RANK: Record<Role, number> = { admin: 3, operator: 2, reader: 1 };

/** The role a bearer token grants: every digest compared in constant time, no early exit. */
function roleOfToken(policy: AuthPolicy, token: string): Role | undefined {
  const d = sha256(token);
  let best: Role | undefined;
  for (const t of policy.tokens)
    if (timingSafeEqual(d, t.digest) && (!best || RANK[t.role] > RANK[best])) best = t.role;
  return best;
}

/** The role of a verified client certificate: its subject CN or a DNS SAN in the allow-list. */
function roleOfCertificate(
  policy: AuthPolicy,
  cert: { subject?: { CN?: string | string[] }; subjectaltname?: string },
) {
  const names: string[] = [];
  const cn = cert.subject?.CN;
  if (cn) names.push(...(Array.isArray(cn) ? cn : [cn]));
  for (const san of (cert.subjectaltname ?? '').split(',')) {
    const m = /^\s*DNS:(.+)$/.exec(san);
    if (m) names.push(m[1]!.trim());
  }
  let best: Role | undefined;
  for (const n of names) {
    const r = policy.identities.get(n);
    if (r && (!best || RANK[r] > RANK[best])) best = r;
  }
  return best;
}

export interface Decision {
  allowed: boolean;
  code?: grpc.status.UNAUTHENTICATED | grpc.status.PERMISSION_DENIED;
  reason?: string;
  /** Who the caller was taken to be (a role, by token or certificate), for the log. */
  role?: Role;
  via?: 'token' | 'certificate';
}

/** Whether a call of `path` with `metadata` over a connection with `cert` (verified, or none) may go on. Pure. */
export function decide(
  policy: AuthPolicy,
  path: string,
  metadata: grpc.Metadata,
  cert: Parameters<typeof roleOfCertificate>[1] | undefined,
): Decision {
  const access = RPC_ACCESS[path] ?? 'admin';
  if (access === 'open') return { allowed: true };
  const needed: Role | 'anyone' =
    access === 'read' || access === 'infer' ? (policy.open.has(access) ? 'anyone' : 'reader') : access;
  if (needed === 'anyone') return { allowed: true };
  const header = metadata.get(AUTHORIZATION)[0];
  let role: Role | undefined;
  let via: Decision['via'];
  if (typeof header === 'string') {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m)
      return { allowed: false, code: grpc.status.UNAUTHENTICATED, reason: 'authorization is not "Bearer <token>"' };
    role = roleOfToken(policy, m[1]!);
    if (!role) return { allowed: false, code: grpc.status.UNAUTHENTICATED, reason: 'unknown token' };
    via = 'token';
  }
  const certRole = cert ? roleOfCertificate(policy, cert) : undefined;
  if (certRole && (!role || RANK[certRole] > RANK[role])) {
    role = certRole;
    via = 'certificate';
  }
  if (!role)
    return {
      allowed: false,
      code: grpc.status.UNAUTHENTICATED,
      reason: `${path} needs the ${needed} role: send "authorization: Bearer <token>" or a client certificate on the allow-list`,
    };
  if (RANK[role] < RANK[needed])
    return {
      allowed: false,
      code: grpc.status.PERMISSION_DENIED,
      reason: `${path} needs the ${needed} role; the caller has ${role}`,
      role,
      via,
    };
  return { allowed: true, role, ...(via ? { via } : {}) };
}

/**
 * The server interceptor enforcing `policy`: a denied call is answered UNAUTHENTICATED or
 * PERMISSION_DENIED before its handler runs (its messages are never read), logged with the
 * method, peer and reason (never the credential) and reported to `onDenied` (a counter).
 */
export function authorize(
  policy: AuthPolicy,
  log: Logger,
  onDenied?: (path: string, code: 'UNAUTHENTICATED' | 'PERMISSION_DENIED') => void,
): grpc.ServerInterceptor {
  return (method, call) =>
    new grpc.ServerInterceptingCall(call, {
      start: next =>
        next({
          onReceiveMetadata: (metadata, pass) => {
            const cert = call.getAuthContext().sslPeerCertificate;
            const d = decide(policy, method.path, metadata, cert);
            if (d.allowed) return pass(metadata);
            log.warn(
              { method: method.path, peer: call.getPeer(), code: grpc.status[d.code!], role: d.role, reason: d.reason },
              'call denied',
            );
            onDenied?.(method.path, d.code === grpc.status.UNAUTHENTICATED ? 'UNAUTHENTICATED' : 'PERMISSION_DENIED');
            call.sendStatus({ code: d.code!, details: d.reason!, metadata: new grpc.Metadata() });
          },
        }),
    });
}
