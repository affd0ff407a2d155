import { hostname } from 'node:os';

/**
 * The host:port other processes should dial. A server bound to 0.0.0.0 or ::
 * is reachable at the machine's hostname (containers, compose); ADVERTISE_HOST
 * overrides both.
 */
export function advertisedAddress(bindHost: string, port: number, advertiseHost?: string): string {
  const host = advertiseHost ?? (bindHost === '0.0.0.0' || bindHost === '::' ? hostname() : bindHost);
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
