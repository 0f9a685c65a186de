import {
  DiscardPolicy,
  type JetStreamManager,
  NatsError,
  nanos,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "nats";
import { DEFAULT_EVENT_SUBJECTS, type EventSubjects } from "./event-subjects.js";

export interface EventStreamOptions {
  /** Stream name, e.g. "SHOPFLOOR_EVENTS". */
  readonly name: string;
  /** How long the stream keeps events for consumers (and for replays). */
  readonly maxAgeMs: number;
  /** How long JetStream remembers event ids to drop a republished event. */
  readonly duplicateWindowMs: number;
  /** Copies of each message in a cluster (1 on a single server). */
  readonly replicas: number;
  /** The deployment's event subjects (NATS_SUBJECT_PREFIX); the default prefix when absent. */
  readonly subjects?: EventSubjects;
}

/** JetStream's "stream name already in use with a different configuration". */
const STREAM_NAME_IN_USE = 10058;

/**
 * Creates the events stream, or brings an existing one to this configuration. Every instance calls it at
 * start: adding a stream with an identical configuration succeeds, so concurrent starts are harmless, and a
 * changed setting (after a deploy) is applied by update.
 */
export async function ensureEventStream(jsm: JetStreamManager, options: EventStreamOptions): Promise<void> {
  const config: Partial<StreamConfig> & { name: string } = {
    name: options.name,
    subjects: [(options.subjects ?? DEFAULT_EVENT_SUBJECTS).all()],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: nanos(options.maxAgeMs),
    duplicate_window: nanos(Math.min(options.duplicateWindowMs, options.maxAgeMs)),
    num_replicas: options.replicas,
  };
  try {
    await jsm.streams.add(config);
  } catch (error) {
    if (!(error instanceof NatsError) || error.api_error?.err_code !== STREAM_NAME_IN_USE) throw error;
    await jsm.streams.update(options.name, config);
  }
}
