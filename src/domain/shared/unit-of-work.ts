/**
 * Runs work atomically: the repositories handed to `work` are bound to one transaction, so every write in it,
 * the outbox event included, commits together or not at all. `Tx` is the set of repositories a context needs.
 */
export interface UnitOfWork<Tx> {
  run<R>(work: (tx: Tx) => Promise<R>): Promise<R>;
}
