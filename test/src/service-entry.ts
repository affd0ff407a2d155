import type { ServiceEntry, ServiceName } from '@hera/testing';

/**
 * A service for `startService`, its entry point resolved from the service package's own
 * "main". Resolved here, above services/, because libs/testing may not look upward.
 */
export function serviceEntry(name: ServiceName): ServiceEntry {
  return { name, main: require.resolve(`@hera/${name}-service`) };
}
