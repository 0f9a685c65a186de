-- Outbound webhooks of regional offices and their delivery log. See docs/manufacturing.md ("Webhooks").
-- Attempts themselves are scheduled_jobs rows (002) named manufacturing.webhook-attempt.

-- Endpoints. The secrets are stored as issued because every delivery is signed with them (a hash would not
-- sign); they are never returned after RegisterWebhook / RotateWebhookSecret answered.
CREATE TABLE webhooks (
  id                           uuid PRIMARY KEY,
  office_code                  text NOT NULL,
  url                          text NOT NULL CHECK (length(url) <= 2048),
  secret                       text NOT NULL,
  -- The secret before the last rotation; it signs beside `secret` until previous_secret_expire_time.
  previous_secret              text,
  previous_secret_expire_time  timestamptz(3),
  create_time                  timestamptz(3) NOT NULL,
  disabled                     boolean NOT NULL DEFAULT false,
  disabled_reason              text NOT NULL DEFAULT '',
  -- Start of the current run of failed attempts (null after a success): 5 days of it disables the endpoint.
  failing_since                timestamptz(3)
);
CREATE INDEX webhooks_office_idx ON webhooks (office_code, id);

-- One message to one endpoint. id is the webhook-id header of every attempt. Deleting an endpoint deletes
-- its log; an attempt job that finds no row does nothing.
CREATE TABLE webhook_deliveries (
  id                 uuid PRIMARY KEY,
  webhook_id         uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  event_id           uuid NOT NULL,
  event_type         text NOT NULL,
  purchase_id        text NOT NULL,
  -- The exact JSON sent and signed on every attempt.
  body               text NOT NULL,
  status             text NOT NULL CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED')),
  attempts           integer NOT NULL DEFAULT 0,
  -- Attempts of the current round (a redelivery starts a new one) and when that round began.
  round_attempts     integer NOT NULL DEFAULT 0,
  round_start        timestamptz(3) NOT NULL,
  last_status_code   integer NOT NULL DEFAULT 0,
  last_error         text NOT NULL DEFAULT '',
  next_attempt_time  timestamptz(3),
  last_attempt_time  timestamptz(3),
  create_time        timestamptz(3) NOT NULL,
  -- Which scheduled attempt job is the live one (its key ends in it); older jobs do nothing.
  attempt_seq        integer NOT NULL DEFAULT 1,
  -- A redelivered event makes no second delivery to the same endpoint.
  CONSTRAINT webhook_deliveries_event_key UNIQUE (webhook_id, event_id)
);
-- ListWebhookDeliveries pages newest first by id (UUIDv7), with or without a status filter.
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id);
CREATE INDEX webhook_deliveries_webhook_status_idx ON webhook_deliveries (webhook_id, status, id);
