import type {
  SeedCategory,
  SeedCustomer,
  SeedOrder,
  SeedProduct,
  SeedStatus,
} from "../adapters/postgres/postgres-sales-seed-writer.js";

// Realistic, reproducible demo sales for `npm run seed` and the embedded demo: the same seed and the same
// `until` give the same rows, ids included. Order volume follows a weekly rhythm (busy Mondays, quiet
// Sundays), a season (a summer lull, a November-December peak) and slow growth; times of day follow shop
// hours; a few products sell far more than the rest; about 6% of orders are cancelled.

/** A small, fast, seedable generator (mulberry32): Math.random cannot be seeded. */
export class SeededRandom {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** In [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  /** A standard normal deviate (Box-Muller). */
  normal(): number {
    return Math.sqrt(-2 * Math.log(1 - this.next())) * Math.cos(2 * Math.PI * this.next());
  }
  /** A UUIDv7 for an instant, its random bits from this generator. */
  uuidV7(ms: number): string {
    const hex = (n: number, digits: number) => n.toString(16).padStart(digits, "0");
    const time = hex(ms, 12);
    const r = () => this.int(0, 0xffff);
    return (
      `${time.slice(0, 8)}-${time.slice(8, 12)}-7${hex(this.int(0, 0xfff), 3)}-` +
      `${hex(0x8000 | (r() & 0x3fff), 4)}-${hex(r(), 4)}${hex(r(), 4)}${hex(r(), 4)}`
    );
  }
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

const CATEGORIES: ReadonlyArray<[name: string, nouns: readonly string[]]> = [
  ["Tools", ["Drill", "Hammer", "Screwdriver set", "Wrench", "Saw", "Chisel", "Pliers", "Spirit level"]],
  ["Safety", ["Safety glasses", "Ear defenders", "Work gloves", "Hard hat", "Dust mask", "Hi-vis vest"]],
  ["Fasteners", ["Wood screws", "Wall plugs", "Bolts", "Nuts", "Washers", "Nails", "Rivets"]],
  ["Electrical", ["Extension lead", "Cable", "Socket", "Switch", "Fuse set", "Cable ties"]],
  ["Plumbing", ["Pipe", "Tap", "Valve", "Sealing tape", "Hose", "Trap"]],
  ["Garden", ["Spade", "Rake", "Hose reel", "Pruner", "Wheelbarrow", "Watering can"]],
  ["Paint", ["Wall paint", "Primer", "Brush set", "Roller", "Masking tape", "Varnish"]],
  ["Storage", ["Tool box", "Shelf unit", "Storage bin", "Wall rack", "Drawer cabinet"]],
];
const QUALIFIERS = ["Pro", "Compact", "Heavy-duty", "Classic", "Eco", "XL", "Mini", "Premium", "Basic"];

export function generateCatalog(
  random: SeededRandom,
  options: { readonly products: number; readonly slugPrefix: string; readonly createTime: number },
): { categories: SeedCategory[]; products: SeedProduct[] } {
  const categories = CATEGORIES.map(([name]) => ({
    id: random.uuidV7(options.createTime),
    slug: `${options.slugPrefix}${name.toLowerCase()}`,
    name,
    description: `${name} for the workshop and the building site.`,
  }));
  const products: SeedProduct[] = [];
  for (let i = 0; i < options.products; i++) {
    const c = i % CATEGORIES.length;
    const category = categories[c] as SeedCategory;
    const noun = random.pick((CATEGORIES[c] as [string, readonly string[]])[1]);
    // Prices spread log-normally around 25.00, ending in .x9 or .x0 as shop prices do.
    const euros = Math.min(5_000, Math.max(0.5, Math.exp(Math.log(25) + random.normal())));
    const priceMinor = Math.max(50, Math.round(euros * 10) * 10 - (random.next() < 0.6 ? 1 : 0));
    products.push({
      id: random.uuidV7(options.createTime),
      categoryId: category.id,
      name: `${noun} ${random.pick(QUALIFIERS)} ${100 + i}`,
      description: `${noun} from the ${category.name.toLowerCase()} range.`,
      priceMinor,
      stock: random.next() < 0.05 ? 0 : random.int(1, 500),
    });
  }
  return { categories, products };
}

export function generateCustomers(
  random: SeededRandom,
  options: {
    readonly customers: number;
    readonly namePrefix: string;
    readonly from: number;
    readonly until: number;
  },
): SeedCustomer[] {
  return Array.from({ length: options.customers }, (_, i) => {
    const createTime = options.from - random.int(1, 60) * DAY_MS;
    const username = `${options.namePrefix}c${i + 1}`;
    return {
      id: random.uuidV7(createTime),
      email: `${username}@example.com`,
      username,
      createTime: new Date(createTime),
    };
  });
}

// Monday first; shops of this kind sell most early in the week and least on Sunday.
const WEEKDAY_WEIGHT = [1.25, 1.15, 1.1, 1.05, 1.0, 0.8, 0.45];
// January to December: a spring rise, a summer lull, the year-end peak.
const MONTH_WEIGHT = [0.85, 0.85, 1.0, 1.1, 1.1, 0.95, 0.8, 0.8, 1.0, 1.05, 1.35, 1.5];
// UTC hours: little at night, a morning and an evening peak.
const HOUR_WEIGHT = [
  0.1, 0.05, 0.05, 0.05, 0.1, 0.2, 0.5, 0.9, 1.2, 1.3, 1.3, 1.2, 1.1, 1.1, 1.2, 1.2, 1.1, 1.2, 1.4, 1.5, 1.3,
  1.0, 0.6, 0.3,
];
const LINES_WEIGHT = [0.4, 0.28, 0.17, 0.1, 0.05];

/** Picks indexes with the given weights by bisecting their running sum. */
class WeightedPick {
  private readonly cumulative: number[] = [];
  constructor(weights: readonly number[]) {
    let sum = 0;
    for (const w of weights) {
      sum += w;
      this.cumulative.push(sum);
    }
  }
  pick(random: SeededRandom): number {
    const target = random.next() * (this.cumulative[this.cumulative.length - 1] ?? 0);
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.cumulative[mid] ?? 0) > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** How many of `total` orders fall on each day: proportional to the day's weight, summing to `total` exactly. */
function ordersPerDay(total: number, from: number, days: number): number[] {
  const weights = Array.from({ length: days }, (_, d) => {
    const date = new Date(from + d * DAY_MS);
    const weekday = (date.getUTCDay() + 6) % 7;
    const growth = 0.8 + 0.4 * (d / Math.max(1, days));
    return (WEEKDAY_WEIGHT[weekday] ?? 1) * (MONTH_WEIGHT[date.getUTCMonth()] ?? 1) * growth;
  });
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (total * w) / sum);
  const counts = exact.map(Math.floor);
  // Largest remainders take the orders left over by rounding down.
  let left = total - counts.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((x, d) => [x - Math.floor(x), d] as const).sort((a, b) => b[0] - a[0]);
  for (const [, d] of byRemainder) {
    if (left-- <= 0) break;
    counts[d] = (counts[d] ?? 0) + 1;
  }
  return counts;
}

/**
 * `orders` orders over the `days` days before `until`, oldest first, in batches of `batchSize`, each with 1-5
 * lines of distinct products and the status history an order of its age would have by `until`.
 */
export function* generateOrders(
  random: SeededRandom,
  options: {
    readonly orders: number;
    readonly days: number;
    readonly until: number;
    readonly customers: readonly SeedCustomer[];
    readonly products: readonly SeedProduct[];
    readonly batchSize: number;
  },
): Generator<SeedOrder[]> {
  const from = options.until - options.days * DAY_MS;
  const perDay = ordersPerDay(options.orders, from, options.days);
  // Popularity falls with rank (a Zipf-like curve), so a few products lead every top list.
  const productPick = new WeightedPick(options.products.map((_, i) => 1 / (i + 1) ** 0.9));
  const customerPick = new WeightedPick(options.customers.map((_, i) => 1 / (i + 1) ** 0.5));
  const hourPick = new WeightedPick(HOUR_WEIGHT);
  const linesPick = new WeightedPick(LINES_WEIGHT);
  let batch: SeedOrder[] = [];
  for (let d = 0; d < options.days; d++) {
    const dayStart = from + d * DAY_MS;
    const times = Array.from(
      { length: perDay[d] ?? 0 },
      () => dayStart + hourPick.pick(random) * HOUR_MS + random.int(0, HOUR_MS - 1),
    ).sort((a, b) => a - b);
    for (const time of times) {
      if (time >= options.until) continue;
      batch.push(orderAt(random, time, options, productPick, customerPick, linesPick));
      if (batch.length >= options.batchSize) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}

function orderAt(
  random: SeededRandom,
  time: number,
  options: {
    readonly until: number;
    readonly customers: readonly SeedCustomer[];
    readonly products: readonly SeedProduct[];
  },
  productPick: WeightedPick,
  customerPick: WeightedPick,
  linesPick: WeightedPick,
): SeedOrder {
  const lineCount = Math.min(linesPick.pick(random) + 1, options.products.length);
  const chosen = new Set<number>();
  while (chosen.size < lineCount) chosen.add(productPick.pick(random));
  const lines = [...chosen].map((p) => {
    const product = options.products[p] as SeedProduct;
    const roll = random.next();
    const quantity = roll < 0.6 ? 1 : roll < 0.85 ? 2 : random.int(3, 6);
    return { productId: product.id, productName: product.name, quantity, unitPriceMinor: product.priceMinor };
  });
  const history: Array<{ status: SeedStatus; time: Date }> = [{ status: "PENDING", time: new Date(time) }];
  const cancelled = random.next() < 0.06;
  // Paid within the hour, shipped a day or two later, delivered two to five days after that.
  const steps: Array<[SeedStatus, number]> = cancelled
    ? [
        ...(random.next() < 0.5
          ? ([["PAID", random.int(1, 60) * 60_000]] as Array<[SeedStatus, number]>)
          : []),
        ["CANCELLED", random.int(1, 36) * HOUR_MS],
      ]
    : [
        ["PAID", random.int(1, 60) * 60_000],
        ["SHIPPED", random.int(12, 48) * HOUR_MS],
        ["DELIVERED", random.int(48, 120) * HOUR_MS],
      ];
  let at = time;
  for (const [status, after] of steps) {
    at += after;
    if (at >= options.until) break;
    history.push({ status, time: new Date(at) });
  }
  return {
    id: random.uuidV7(time),
    customerId: (options.customers[customerPick.pick(random)] as SeedCustomer).id,
    createTime: new Date(time),
    lines,
    history,
  };
}
