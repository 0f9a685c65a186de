-- Catalog and stock. pg_trgm backs the case-insensitive text search; PGlite loads it too
-- (src/adapters/postgres/embedded-postgres.ts), so this file runs unchanged on both.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Secrets every instance shares, created by the first instance that needs one (e.g. the page-token key).
CREATE TABLE server_secrets (
  name         text PRIMARY KEY,
  value        bytea NOT NULL,
  create_time  timestamptz NOT NULL DEFAULT now()
);

-- Slugs compare byte-wise ("C") so their order, and keyset paging on it, is the same on every server.
CREATE TABLE categories (
  id           uuid PRIMARY KEY,
  slug         text COLLATE "C" NOT NULL CONSTRAINT categories_slug_key UNIQUE,
  name         text NOT NULL,
  description  text NOT NULL,
  create_time  timestamptz NOT NULL
);

-- Times are kept to the millisecond, the precision of a JS Date, so a page cursor holds them exactly.
CREATE TABLE products (
  id              uuid PRIMARY KEY,
  category_id     uuid NOT NULL REFERENCES categories (id),
  name            text NOT NULL,
  description     text NOT NULL,
  price_minor     bigint NOT NULL CHECK (price_minor >= 0),
  currency_code   text NOT NULL,
  stock_quantity  integer NOT NULL CHECK (stock_quantity BETWEEN 0 AND 1000000000),
  archived        boolean NOT NULL DEFAULT false,
  create_time     timestamptz(3) NOT NULL,
  update_time     timestamptz(3) NOT NULL
);

-- One index per (filter, sort) of ListProducts, ending in id for keyset paging, so a page is an index range
-- read in order with no sort. Partial: archived products are never listed.
CREATE INDEX products_name_idx ON products (name, id) WHERE NOT archived;
CREATE INDEX products_price_idx ON products (price_minor, id) WHERE NOT archived;
CREATE INDEX products_create_time_idx ON products (create_time, id) WHERE NOT archived;
CREATE INDEX products_category_name_idx ON products (category_id, name, id) WHERE NOT archived;
CREATE INDEX products_category_price_idx ON products (category_id, price_minor, id) WHERE NOT archived;
CREATE INDEX products_category_create_time_idx ON products (category_id, create_time, id) WHERE NOT archived;
CREATE INDEX products_low_stock_idx ON products (stock_quantity, id) WHERE NOT archived;
-- Trigram indexes serve ILIKE '%text%' on either field.
CREATE INDEX products_name_trgm_idx ON products USING gin (name gin_trgm_ops);
CREATE INDEX products_description_trgm_idx ON products USING gin (description gin_trgm_ops);

-- The stock ledger: one row per change of a product's stock, written in the transaction of the change, so
-- the deltas of a product always sum to its stock.
CREATE TABLE stock_movements (
  id                  uuid PRIMARY KEY,
  product_id          uuid NOT NULL REFERENCES products (id),
  delta               integer NOT NULL CHECK (delta <> 0),
  resulting_quantity  integer NOT NULL CHECK (resulting_quantity >= 0),
  reason              text NOT NULL,
  actor_id            uuid,
  reference_id        text,
  create_time         timestamptz(3) NOT NULL
);
CREATE INDEX stock_movements_product_idx ON stock_movements (product_id, id);
