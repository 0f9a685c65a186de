-- Manufacturing and partners: partner scope on users, partner clients (client credentials), brands with their
-- car models (seeded here), the sales intake, purchases and their state history.

-- A REGIONAL_OFFICE user acts for one office, a MANUFACTURER user for one or more brands (a JSON array of codes).
ALTER TABLE users
  ADD COLUMN office_code text,
  ADD COLUMN brands jsonb NOT NULL DEFAULT '[]';

-- Machine clients of partners. Only a SHA-256 hash of the 256-bit secret is kept.
CREATE TABLE partner_clients (
  id                  uuid PRIMARY KEY,
  name                text NOT NULL,
  role                text NOT NULL CHECK (role IN ('REGIONAL_OFFICE', 'MANUFACTURER')),
  office_code         text,
  brands              jsonb NOT NULL DEFAULT '[]',
  secret_hash         text NOT NULL,
  disabled            boolean NOT NULL DEFAULT false,
  create_time         timestamptz(3) NOT NULL,
  secret_create_time  timestamptz(3) NOT NULL,
  CHECK ((role = 'REGIONAL_OFFICE') = (office_code IS NOT NULL))
);

-- Brands and their car models (a JSON array of display names, distinct case-insensitively).
CREATE TABLE brands (
  code         text PRIMARY KEY,
  name         text NOT NULL,
  car_models   jsonb NOT NULL DEFAULT '[]',
  create_time  timestamptz(3) NOT NULL DEFAULT now()
);
INSERT INTO brands (code, name, car_models) VALUES
  ('skoda', 'Škoda', '["Fabia", "Scala", "Octavia", "Superb", "Kamiq", "Karoq", "Kodiaq", "Enyaq", "Elroq"]'),
  ('vw', 'Volkswagen', '["Polo", "Golf", "Passat", "T-Roc", "Tiguan", "Touareg", "ID.3", "ID.4", "ID.7", "ID. Buzz"]'),
  ('audi', 'Audi', '["A1", "A3", "A4", "A5", "A6", "A8", "Q2", "Q3", "Q5", "Q7", "Q8", "Q4 e-tron", "e-tron GT"]');

-- What SubmitSale writes before it answers: one row per office and external order number. The unique key makes
-- every repeat, however concurrent, find the first row and answer its purchase id; the intake consumer turns
-- each row's sale_submitted event into a purchase.
CREATE TABLE sale_intake (
  purchase_id            uuid PRIMARY KEY,
  office_code            text NOT NULL,
  external_order_number  text NOT NULL,
  brand                  text NOT NULL,
  car_model              text NOT NULL,
  submitted_by           text NOT NULL,
  submit_time            timestamptz(3) NOT NULL,
  -- Set in the transaction that writes the purchase; the partial index finds the sales still to write.
  written                boolean NOT NULL DEFAULT false,
  CONSTRAINT sale_intake_office_order_key UNIQUE (office_code, external_order_number)
);
CREATE INDEX sale_intake_unwritten_idx ON sale_intake (submit_time) WHERE NOT written;

CREATE TABLE purchases (
  id                     uuid PRIMARY KEY,
  office_code            text NOT NULL,
  external_order_number  text NOT NULL,
  brand                  text NOT NULL,
  car_model              text NOT NULL,
  state                  text NOT NULL
    CHECK (state IN ('ORDERED', 'IN_PRODUCTION', 'BUILT', 'SHIPPED', 'DELIVERED', 'CANCELLED')),
  -- State changes after creation; the sequence number of the next purchase_state_changed event.
  change_count           integer NOT NULL DEFAULT 0,
  submit_time            timestamptz(3) NOT NULL,
  create_time            timestamptz(3) NOT NULL,
  update_time            timestamptz(3) NOT NULL,
  CONSTRAINT purchases_office_order_key UNIQUE (office_code, external_order_number)
);
-- The manufacturer's queue (a brand's ORDERED purchases, oldest first) and the scoped lists (newest first) are
-- index range reads ending in id (UUIDv7, time-ordered).
CREATE INDEX purchases_brand_state_idx ON purchases (brand, state, id);
CREATE INDEX purchases_office_idx ON purchases (office_code, id);
CREATE INDEX purchases_state_idx ON purchases (state, id);

-- Every state a purchase entered, with who and when: seq 0 is the intake (ORDERED, no actor).
CREATE TABLE purchase_state_changes (
  purchase_id  uuid NOT NULL REFERENCES purchases (id),
  seq          integer NOT NULL CHECK (seq >= 0),
  state        text NOT NULL
    CHECK (state IN ('ORDERED', 'IN_PRODUCTION', 'BUILT', 'SHIPPED', 'DELIVERED', 'CANCELLED')),
  actor_id     text,
  change_time  timestamptz(3) NOT NULL,
  PRIMARY KEY (purchase_id, seq)
);
