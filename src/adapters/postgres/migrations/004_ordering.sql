-- Orders, their lines and status history, and PlaceOrder's idempotency keys. Stock is taken from
-- products.stock_quantity (003) in the transaction that inserts the order.

CREATE TABLE orders (
  id             uuid PRIMARY KEY,
  customer_id    uuid NOT NULL REFERENCES users (id),
  status         text NOT NULL CHECK (status IN ('PENDING', 'PAID', 'SHIPPED', 'DELIVERED', 'CANCELLED')),
  total_minor    bigint NOT NULL CHECK (total_minor >= 0),
  currency_code  text NOT NULL,
  create_time    timestamptz(3) NOT NULL,
  update_time    timestamptz(3) NOT NULL
);
-- ListOrders pages newest first by id (UUIDv7, time-ordered): one index per filter, ending in id, so a page
-- is an index range read backwards with no sort. The primary key serves the unfiltered admin list.
CREATE INDEX orders_customer_idx ON orders (customer_id, id);
CREATE INDEX orders_customer_status_idx ON orders (customer_id, status, id);
CREATE INDEX orders_status_idx ON orders (status, id);

-- The lines, with the product's price and name captured when the order was placed.
CREATE TABLE order_items (
  order_id          uuid NOT NULL REFERENCES orders (id),
  line_no           smallint NOT NULL CHECK (line_no >= 0),
  product_id        uuid NOT NULL REFERENCES products (id),
  product_name      text NOT NULL,
  quantity          integer NOT NULL CHECK (quantity BETWEEN 1 AND 10000),
  unit_price_minor  bigint NOT NULL CHECK (unit_price_minor >= 0),
  currency_code     text NOT NULL,
  PRIMARY KEY (order_id, line_no),
  CONSTRAINT order_items_product_once UNIQUE (order_id, product_id)
);
CREATE INDEX order_items_product_idx ON order_items (product_id);

-- Every status an order entered, with who and when: seq 0 is the placement (PENDING).
CREATE TABLE order_status_changes (
  order_id     uuid NOT NULL REFERENCES orders (id),
  seq          smallint NOT NULL CHECK (seq >= 0),
  status       text NOT NULL CHECK (status IN ('PENDING', 'PAID', 'SHIPPED', 'DELIVERED', 'CANCELLED')),
  actor_type   text NOT NULL CHECK (actor_type IN ('customer', 'admin', 'system')),
  actor_id     uuid,
  change_time  timestamptz(3) NOT NULL,
  PRIMARY KEY (order_id, seq),
  CHECK ((actor_type = 'system') = (actor_id IS NULL))
);

-- PlaceOrder idempotency keys, per customer. The row is inserted first in the transaction that places the
-- order, so a concurrent request with the same key blocks on the primary key until that transaction ends,
-- then finds the stored result (or, after a rollback, a free key). Rows older than 24 h are expired: a new
-- request takes the key over, and a periodic job deletes them.
CREATE TABLE idempotency_keys (
  customer_id  uuid NOT NULL,
  key          text NOT NULL,
  -- SHA-256 of the normalised request: the same key with a different request is refused.
  fingerprint  bytea NOT NULL,
  -- The response of the request that took the key (PlaceOrderResponse as placed), set before commit.
  result       jsonb,
  create_time  timestamptz(3) NOT NULL,
  PRIMARY KEY (customer_id, key)
);
CREATE INDEX idempotency_keys_create_time_idx ON idempotency_keys (create_time);
