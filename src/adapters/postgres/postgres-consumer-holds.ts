import type { ConsumerOrder } from "../events/consumer-order.js";
import type { Sql } from "./database.js";

/** ConsumerOrder in consumer_holds: one indexed read per delivery, a write only when an event is held. */
export class PostgresConsumerHolds implements ConsumerOrder {
  constructor(private readonly sql: Sql) {}

  async check(consumer: string, aggregateId: string, seq: number) {
    const [row] = await this.sql<{ blocked: boolean; attempts: number | null }[]>`
      select exists(select 1 from consumer_holds
                    where consumer = ${consumer} and aggregate_id = ${aggregateId} and stream_seq < ${seq})
               as blocked,
             (select attempts from consumer_holds
              where consumer = ${consumer} and aggregate_id = ${aggregateId} and stream_seq = ${seq})
               as attempts`;
    return { blocked: row?.blocked ?? false, attempts: row?.attempts ?? undefined };
  }

  async hold(consumer: string, aggregateId: string, seq: number, failed: boolean): Promise<void> {
    const add = failed ? 1 : 0;
    await this.sql`
      insert into consumer_holds (consumer, aggregate_id, stream_seq, attempts)
      values (${consumer}, ${aggregateId}, ${seq}, ${add})
      on conflict (consumer, aggregate_id, stream_seq)
      do update set attempts = consumer_holds.attempts + ${add}`;
  }

  async release(consumer: string, aggregateId: string, seq: number): Promise<void> {
    await this.sql`
      delete from consumer_holds
      where consumer = ${consumer} and aggregate_id = ${aggregateId} and stream_seq = ${seq}`;
  }
}
