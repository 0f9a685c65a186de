-- The event backbone around the outbox of 001: consumer idempotency, dead letters, scheduled jobs, and the
-- durable consumers of the in-process bus. See docs/events.md.

-- Events each durable consumer has handled, written in the transaction of the consumer's work, so a
-- redelivered event is recognised and skipped. Pruned after EVENT_RETENTION.
CREATE TABLE processed_events (
  consumer      text NOT NULL,
  event_id      uuid NOT NULL,
  processed_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);
CREATE INDEX processed_events_processed_at_idx ON processed_events (processed_at);

-- Events a consumer gave up on after its bounded redeliveries (or could not decode), kept for an admin to
-- inspect and replay. One row per (consumer, event).
CREATE TABLE dead_letters (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  consumer      text NOT NULL,
  event_id      uuid NOT NULL,
  event_type    text NOT NULL,
  aggregate_id  text NOT NULL,
  payload_type  text NOT NULL,
  payload       bytea NOT NULL,
  occurred_at   timestamptz NOT NULL,
  attempts      integer NOT NULL,
  error         text NOT NULL,
  dead_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT dead_letters_consumer_event_key UNIQUE (consumer, event_id)
);

-- Delayed and periodic jobs. A due job is claimed with FOR UPDATE SKIP LOCKED and a lease (claim_id,
-- claimed_until) by one instance, so it runs once per due time however many instances poll; a lease that
-- runs out (its instance died) lets another instance take the job. (name, key) is scheduled once: finished
-- rows stay 'done' until pruned after EVENT_RETENTION, so a repeated request does not run the job again.
CREATE TABLE scheduled_jobs (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name           text NOT NULL,
  key            text NOT NULL,
  payload        jsonb NOT NULL DEFAULT 'null',
  run_at         timestamptz NOT NULL,
  -- Set for periodic jobs: after each run, run_at moves to the next period and the row stays pending.
  period_ms      bigint CHECK (period_ms > 0),
  state          text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'dead')),
  attempts       integer NOT NULL DEFAULT 0,
  claim_id       uuid,
  claimed_until  timestamptz,
  last_error     text,
  create_time    timestamptz NOT NULL DEFAULT now(),
  finish_time    timestamptz,
  CONSTRAINT scheduled_jobs_name_key_key UNIQUE (name, key)
);
CREATE INDEX scheduled_jobs_due_idx ON scheduled_jobs (run_at, id) WHERE state = 'pending';
CREATE INDEX scheduled_jobs_finished_idx ON scheduled_jobs (finish_time) WHERE state = 'done';

-- Durable consumers of the in-process bus (the embedded default). Its relay turns each published event into
-- one scheduled job per consumer whose types match, so deliveries survive a restart like a JetStream durable.
CREATE TABLE event_consumers (
  name         text PRIMARY KEY,
  event_types  text[] NOT NULL,
  create_time  timestamptz NOT NULL DEFAULT now(),
  update_time  timestamptz NOT NULL DEFAULT now()
);
