/** Thrown when the environment does not satisfy a service's schema; lists every problem. */
export class ConfigError extends Error {
  constructor(
    readonly issues: readonly string[],
    service?: string,
  ) {
    super(`invalid configuration${service ? ` for ${service}` : ''}:\n${issues.map(i => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}
