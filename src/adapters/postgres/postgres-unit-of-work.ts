import type { UnitOfWork } from "../../domain/shared/unit-of-work.js";
import type { Sql, SqlExecutor } from "./database.js";

/**
 * Runs work in one postgres.js transaction, handing it repositories bound to that transaction.
 * `afterCommit` lets the in-process outbox relay wake as soon as events are durable.
 */
export class PostgresUnitOfWork<Tx> implements UnitOfWork<Tx> {
  constructor(
    private readonly sql: Sql,
    private readonly bind: (executor: SqlExecutor, events: { appended: () => void }) => Tx,
    private readonly afterCommit: () => void = () => {},
  ) {}

  async run<R>(work: (tx: Tx) => Promise<R>): Promise<R> {
    let appended = false;
    const result = await this.sql.begin((executor) =>
      work(this.bind(executor, { appended: () => (appended = true) })),
    );
    if (appended) this.afterCommit();
    return result as R;
  }
}
