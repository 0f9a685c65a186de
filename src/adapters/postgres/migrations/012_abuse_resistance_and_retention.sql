-- Issue 14 (part B): softer login throttling, sign-up and per-call budgets, consumers that leave, ordered
-- redelivery, and the indexes the retention job needs to prune without scanning.

-- The per-account login limit slows guessing instead of locking the account: past it, each attempt must wait
-- until this time, which moves further out with every failure (see postgres-login-throttle.ts).
-- slot_claim names the attempt that took the latest slot, so that attempt knows it was admitted.
ALTER TABLE login_failures ADD COLUMN next_attempt_at timestamptz, ADD COLUMN slot_claim uuid;
CREATE INDEX login_failures_window_idx ON login_failures (window_start);

-- Counted requests per key and fixed window, shared by every instance: sign-up attempts per address and in
-- total (exact, one upsert each), and the general per-address / per-account budgets (synced in batches).
CREATE TABLE request_counts (
  key          text NOT NULL,
  window_start timestamptz NOT NULL,
  count        bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (key, window_start)
);
CREATE INDEX request_counts_window_idx ON request_counts (window_start);

-- A consumer still in the code is seen by every instance that runs it; one no instance has run for the
-- retention period is removed, with its queued deliveries, and gets no more.
ALTER TABLE event_consumers ADD COLUMN seen_time timestamptz NOT NULL DEFAULT now();

-- Jobs of one name sharing an ordering key run one after another in the order they were scheduled: the
-- in-process bus keys deliveries by aggregate, so a retried event holds back its aggregate's later ones.
ALTER TABLE scheduled_jobs ADD COLUMN ordering_key text;
CREATE INDEX scheduled_jobs_ordering_idx ON scheduled_jobs (name, ordering_key, id)
  WHERE state = 'pending' AND ordering_key IS NOT NULL;

-- JetStream durable consumers: an event of an aggregate that failed (or is waiting behind one that failed)
-- is held here until it is handled, so the aggregate's later events wait for it (consumer-order-guard).
CREATE TABLE consumer_holds (
  consumer     text NOT NULL,
  aggregate_id text NOT NULL,
  stream_seq   bigint NOT NULL,
  -- Deliveries that reached the handler and failed (a wait behind another event is not an attempt).
  attempts     integer NOT NULL DEFAULT 0,
  create_time  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, aggregate_id, stream_seq)
);

-- Retention: expired and revoked refresh tokens are pruned.
CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at);
CREATE INDEX refresh_tokens_revoked_idx ON refresh_tokens (revoked_at) WHERE revoked_at IS NOT NULL;
