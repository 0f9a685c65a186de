import type { RefreshCandidate, RegistrationRepository } from "../../domain/offers/ports.js";
import type { Registration, RegistrationState } from "../../domain/offers/registration.js";
import type { SqlExecutor } from "./database.js";

interface RegistrationRow {
  product_id: string;
  state: string;
  attempts: number;
  last_error: string | null;
  register_time: Date | null;
  last_refresh_time: Date | null;
  last_refresh_error: string | null;
  update_time: Date;
}

const stateOf = (column: string): RegistrationState => column.toUpperCase() as RegistrationState;
const columnOf = (state: RegistrationState): string => state.toLowerCase();

const toRegistration = (r: RegistrationRow): Registration => ({
  productId: r.product_id,
  state: stateOf(r.state),
  attempts: r.attempts,
  lastError: r.last_error ?? undefined,
  registerTime: r.register_time ?? undefined,
  lastRefreshTime: r.last_refresh_time ?? undefined,
  lastRefreshError: r.last_refresh_error ?? undefined,
  updateTime: r.update_time,
});

export class PostgresOfferRegistrationRepository implements RegistrationRepository {
  constructor(private readonly sql: SqlExecutor) {}

  async find(productId: string): Promise<Registration | undefined> {
    const [row] = await this.sql<RegistrationRow[]>`
      select * from offer_registrations where product_id = ${productId}`;
    return row ? toRegistration(row) : undefined;
  }

  async recordAttempt(
    productId: string,
    outcome:
      | { readonly state: "REGISTERED"; readonly time: Date }
      | { readonly state: "PENDING" | "FAILED"; readonly error: string; readonly time: Date },
  ): Promise<Registration> {
    const registered = outcome.state === "REGISTERED";
    const error = outcome.state === "REGISTERED" ? null : outcome.error;
    const [row] = await this.sql<RegistrationRow[]>`
      insert into offer_registrations (product_id, state, attempts, last_error, register_time, update_time)
      values (${productId}, ${columnOf(outcome.state)}, 1, ${error},
              ${registered ? outcome.time : null}, ${outcome.time})
      on conflict (product_id) do update
      set state = excluded.state, attempts = offer_registrations.attempts + 1,
          last_error = excluded.last_error,
          register_time = coalesce(offer_registrations.register_time, excluded.register_time),
          update_time = excluded.update_time
      returning *`;
    if (!row) throw new Error("upsert returned no row");
    return toRegistration(row);
  }

  async listRefreshCandidates(query: {
    readonly afterId?: string | undefined;
    readonly limit: number;
  }): Promise<RefreshCandidate[]> {
    const rows = await this.sql<{ id: string; name: string; description: string; state: string }[]>`
      select r.product_id as id, p.name, p.description, r.state
      from offer_registrations r join products p on p.id = r.product_id
      where r.state in ('registered', 'failed') and not p.archived
        ${query.afterId ? this.sql`and r.product_id > ${query.afterId}` : this.sql``}
      order by r.product_id
      limit ${query.limit}`;
    return rows.map((r) => ({ id: r.id, name: r.name, description: r.description, state: stateOf(r.state) }));
  }

  async list(query: {
    readonly state?: RegistrationState | undefined;
    readonly afterId?: string | undefined;
    readonly limit: number;
  }): Promise<Registration[]> {
    const rows = await this.sql<RegistrationRow[]>`
      select * from offer_registrations
      where true
        ${query.state ? this.sql`and state = ${columnOf(query.state)}` : this.sql``}
        ${query.afterId ? this.sql`and product_id > ${query.afterId}` : this.sql``}
      order by product_id
      limit ${query.limit}`;
    return rows.map(toRegistration);
  }

  async recordRefresh(productId: string, outcome: { readonly time: Date; readonly error?: string }) {
    if (outcome.error === undefined) {
      await this.sql`
        update offer_registrations
        set last_refresh_time = ${outcome.time}, last_refresh_error = null
        where product_id = ${productId}`;
    } else {
      await this.sql`
        update offer_registrations set last_refresh_error = ${outcome.error}
        where product_id = ${productId}`;
    }
  }
}

/** For the products-behind-schedule gauge: registered, live products not refreshed since `before`. */
export async function countProductsBehindSchedule(sql: SqlExecutor, before: Date): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n
    from offer_registrations r join products p on p.id = r.product_id
    where r.state = 'registered' and not p.archived
      and coalesce(r.last_refresh_time, r.register_time) < ${before}`;
  return row?.n ?? 0;
}
