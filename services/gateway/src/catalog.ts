import type { RedisClient } from '@hera/state';
import type { Logger } from '@hera/logger';
import { idsPerItem, recordVersions } from '@hera/model-schema';
import { ModelStore, type Keyspace, type ModelRecord } from '@hera/state';

/** A model record plus what the query path derives from it once. */
export interface CatalogEntry extends ModelRecord {
  idsPerItem: number;
  /** Every version served, newest last (`version` is the newest: what a query naming none gets). */
  served: string[];
}

/** A registered model as the gateway keeps it: the record plus its ids per item and served versions. */
export const toCatalogEntry = (m: ModelRecord): CatalogEntry => ({
  ...m,
  idsPerItem: idsPerItem(m.tables),
  served: recordVersions(m),
});

/**
 * The models clients may query, kept in memory (the query path never reads Redis)
 * and reloaded when a model record changes (pub/sub) or on the routing refresh.
 * A model whose record Redis no longer holds stays (Redis restarted without its
 * data; no RPC unregisters a model), like the routes to it.
 */
export class ModelCatalog {
  #models = new Map<string, CatalogEntry>();
  readonly #store: ModelStore;

  constructor(
    redis: RedisClient,
    keys: Keyspace,
    private readonly log: Logger,
  ) {
    this.#store = new ModelStore(redis, keys);
  }

  get(name: string): CatalogEntry | undefined {
    return this.#models.get(name);
  }

  list(): CatalogEntry[] {
    return [...this.#models.values()];
  }

  async refresh(): Promise<void> {
    try {
      const next = new Map(this.#models);
      for (const m of await this.#store.list()) next.set(m.name, toCatalogEntry(m));
      this.#models = next;
    } catch (err) {
      this.log.warn({ err }, 'cannot refresh the model catalog; keeping the last one');
    }
  }
}
