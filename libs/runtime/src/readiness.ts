/**
 * The grpc.health.v1 service name every service reports its liveness under:
 * SERVING from the end of start until shutdown begins, whether or not it is
 * ready. "" and the service's own names report readiness (see
 * ServiceParts.readiness). Supervisors wait on this one to know a process is up
 * (`hera up`, the compose healthcheck of the gateway); load balancers on "".
 */
export const LIVENESS_SERVICE = 'liveness';

/** Whether a service can do its work now, and why not (logged and kept in its liveness record). */
export interface Readiness {
  ready: boolean;
  reason: string;
}
