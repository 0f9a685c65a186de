/**
 * The NATS subjects of one deployment's events: `<prefix>.<context>.<event>`. The prefix (NATS_SUBJECT_PREFIX,
 * default "shopfloor.events") and the stream name (NATS_STREAM) are set together, so that two deployments
 * (staging and production) can share one NATS cluster: JetStream refuses two streams whose subjects overlap.
 */
export class EventSubjects {
  private readonly dotted: string;

  constructor(readonly prefix: string = DEFAULT_EVENT_SUBJECT_PREFIX) {
    this.dotted = `${prefix}.`;
  }

  /** "ordering.order_placed" -> "shopfloor.events.ordering.order_placed". */
  of(type: string): string {
    return this.dotted + type;
  }

  /** Every event of this deployment (the stream's subjects). */
  all(): string {
    return `${this.dotted}>`;
  }

  /** The event type a subject names, or undefined when the subject is not one of this deployment's. */
  typeOf(subject: string): string | undefined {
    return subject.startsWith(this.dotted) ? subject.slice(this.dotted.length) : undefined;
  }

  /**
   * The subject a durable consumer filters on. nats-server 2.9 allows one filter subject per consumer, so
   * several types share the narrowest wildcard that covers them and the others are acked unseen.
   */
  filterFor(types: readonly string[]): string {
    if (types.length === 1) return this.of(types[0] ?? "");
    const contexts = new Set(types.map((t) => t.split(".")[0]));
    return contexts.size === 1 ? `${this.dotted}${[...contexts][0]}.*` : this.all();
  }
}

export const DEFAULT_EVENT_SUBJECT_PREFIX = "shopfloor.events";
/** The subjects of a deployment that kept the default prefix. */
export const DEFAULT_EVENT_SUBJECTS = new EventSubjects();
