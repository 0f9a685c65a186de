-- Users of every role. Email and username are unique case-insensitively.
CREATE TABLE users (
  id            uuid PRIMARY KEY,
  email         text NOT NULL,
  username      text NOT NULL,
  role          text NOT NULL CHECK (role IN ('CUSTOMER', 'ADMIN', 'REGIONAL_OFFICE', 'MANUFACTURER')),
  password_hash text NOT NULL,
  create_time   timestamptz NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE INDEX users_role_idx ON users (role);

-- Opaque refresh tokens, stored only as SHA-256 hashes. A family is every token descended from one login.
CREATE TABLE refresh_tokens (
  id          uuid PRIMARY KEY,
  family_id   uuid NOT NULL,
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash  text NOT NULL UNIQUE,
  issued_at   timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  rotated_at  timestamptz,
  revoked_at  timestamptz
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);

-- Access-token signing keys, shared by every instance. The newest is used to sign; all are published in
-- the JWKS until retired so tokens signed before a rotation still verify.
CREATE TABLE signing_keys (
  kid          text PRIMARY KEY,
  algorithm    text NOT NULL,
  private_jwk  jsonb NOT NULL,
  public_jwk   jsonb NOT NULL,
  create_time  timestamptz NOT NULL DEFAULT now(),
  retire_time  timestamptz
);

-- Transactional outbox: every domain event is written here in the transaction of the change it reports,
-- then relayed to NATS JetStream (or the in-process bus) by src/adapters/*/outbox-relay.
CREATE TABLE outbox (
  seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id            uuid NOT NULL UNIQUE,
  type          text NOT NULL,
  aggregate_id  text NOT NULL,
  payload_type  text NOT NULL,
  payload       bytea NOT NULL,
  occurred_at   timestamptz NOT NULL,
  published_at  timestamptz
);
CREATE INDEX outbox_unpublished_idx ON outbox (seq) WHERE published_at IS NULL;

-- Failed logins counted per key ("account:<login>", "address:<ip>") in fixed windows, shared by all instances.
CREATE TABLE login_failures (
  key          text NOT NULL,
  window_start timestamptz NOT NULL,
  failures     integer NOT NULL,
  PRIMARY KEY (key, window_start)
);
