-- Offers: products registered with the external Offers service, their current offers, their price history,
-- and the one access token every instance shares. See docs/offers.md.

-- One row per product the registration consumer has seen. attempts counts register calls; the refresh
-- pass reads registered and failed rows in product id order (the primary key), a page at a time.
CREATE TABLE offer_registrations (
  product_id          uuid PRIMARY KEY REFERENCES products (id),
  state               text NOT NULL CHECK (state IN ('pending', 'registered', 'failed')),
  attempts            integer NOT NULL DEFAULT 0,
  last_error          text,
  register_time       timestamptz(3),
  last_refresh_time   timestamptz(3),
  last_refresh_error  text,
  update_time         timestamptz(3) NOT NULL
);
CREATE INDEX offer_registrations_state_idx ON offer_registrations (state, product_id);

-- The offers of each product as the service listed them at the last refresh; an offer that vanished is
-- deleted (its prices live on in offer_price_points). Offer ids are the service's: kept as text, not uuid,
-- so an odd id from outside cannot fail a refresh.
CREATE TABLE product_offers (
  product_id       uuid NOT NULL REFERENCES products (id),
  offer_id         text NOT NULL,
  price_minor      bigint NOT NULL CHECK (price_minor >= 0),
  items_in_stock   integer NOT NULL CHECK (items_in_stock >= 0),
  first_seen_time  timestamptz(3) NOT NULL,
  update_time      timestamptz(3) NOT NULL,
  PRIMARY KEY (product_id, offer_id)
);
-- ListProductOffers: cheapest first, keyset on (price, offer id).
CREATE INDEX product_offers_price_idx ON product_offers (product_id, price_minor, offer_id);

-- One point per product per refresh. refresh_run is the due time of the periodic pass that wrote it (null
-- for a refresh an admin asked for), so "each product once per pass" can be checked.
CREATE TABLE offer_price_points (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  product_id       uuid NOT NULL REFERENCES products (id),
  time             timestamptz(3) NOT NULL,
  min_price_minor  bigint,
  max_price_minor  bigint,
  offer_count      integer NOT NULL,
  refresh_run      timestamptz(3)
);
CREATE INDEX offer_price_points_product_time_idx ON offer_price_points (product_id, time);

-- The access token of the Offers service: one row, shared by every instance (the service issues one live
-- token per refresh token). renewing_until is a short lease: the one instance holding it calls /auth; the
-- others wait for the new token instead of asking for their own.
CREATE TABLE offers_access_token (
  id              boolean PRIMARY KEY DEFAULT true CHECK (id),
  access_token    text,
  expires_at      timestamptz,
  renewing_until  timestamptz,
  renewals        integer NOT NULL DEFAULT 0,
  update_time     timestamptz NOT NULL DEFAULT now()
);
INSERT INTO offers_access_token (id) VALUES (true);
