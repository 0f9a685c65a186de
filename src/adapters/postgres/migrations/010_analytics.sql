-- Analytics (issue 18). Sales are a projection of orders and their lines: a line of an order that is not
-- CANCELLED, at the order's create_time and captured price.

-- Indexes for the reports that read lines directly (filtered by product or category, the sale lines, top
-- products, and the clipped edges of a range): the orders placed in a range that still count, in time order
-- (the partial predicate is the sales rule itself), and each order's lines with everything a report sums, so
-- both sides are read from indexes alone.
CREATE INDEX orders_sales_time_idx ON orders (create_time, id) WHERE status <> 'CANCELLED';
CREATE INDEX order_items_sales_idx ON order_items (order_id) INCLUDE (product_id, quantity, unit_price_minor);

-- Unfiltered reports read rollups instead: the sales of every 15-minute slot of UTC time. Every bucket
-- boundary of every IANA zone in use since the 1970s is a local midnight at an offset that is a whole number of
-- quarter hours, so any bucket in any zone is a union of whole slots (the reader checks, and falls back to the
-- lines when a boundary is not). The rollups are maintained by triggers in the transaction that places or
-- cancels the order, so they are exact the moment it commits: no consumer, no lag, nothing counted twice.
-- Several rows per slot (`shard`, the writing session's pid modulo 16) keep concurrent orders of one quarter
-- hour from queueing on one row; a report sums them.
CREATE TABLE sales_slots (
  slot           timestamptz NOT NULL,
  shard          smallint NOT NULL,
  orders         bigint NOT NULL,
  units          bigint NOT NULL,
  revenue_minor  bigint NOT NULL,
  PRIMARY KEY (slot, shard)
);

-- Top products read a second rollup: units, revenue and orders per product and UTC day (a range's whole days;
-- the lines for the partial days at its ends). A product is on an order at most once, so its orders add up.
-- Its row of a day is only written by transactions holding the product's row lock (PlaceOrder and a cancel
-- take it for the stock), so it adds no waiting of its own.
CREATE TABLE product_sales_days (
  day            date NOT NULL,
  product_id     uuid NOT NULL,
  orders         bigint NOT NULL,
  units          bigint NOT NULL,
  revenue_minor  bigint NOT NULL,
  PRIMARY KEY (day, product_id)
);

-- Lines are added as they are inserted (one statement per order, its lines together), counted once per
-- order by its line 0, unless the order is already CANCELLED (the seed writes history that way).
CREATE FUNCTION sales_slots_add_lines() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO sales_slots AS s (slot, shard, orders, units, revenue_minor)
  SELECT date_bin('15 minutes', o.create_time, timestamptz '2000-01-01 00:00:00+00'), pg_backend_pid() % 16,
         count(*) FILTER (WHERE n.line_no = 0), sum(n.quantity), sum(n.quantity * n.unit_price_minor)
  FROM new_lines n JOIN orders o ON o.id = n.order_id
  WHERE o.status <> 'CANCELLED'
  GROUP BY 1
  ORDER BY 1
  ON CONFLICT (slot, shard) DO UPDATE
    SET orders = s.orders + EXCLUDED.orders, units = s.units + EXCLUDED.units,
        revenue_minor = s.revenue_minor + EXCLUDED.revenue_minor;
  -- In product order, the order PlaceOrder locked the products in.
  INSERT INTO product_sales_days AS d (day, product_id, orders, units, revenue_minor)
  SELECT (o.create_time AT TIME ZONE 'UTC')::date, n.product_id,
         count(*), sum(n.quantity), sum(n.quantity * n.unit_price_minor)
  FROM new_lines n JOIN orders o ON o.id = n.order_id
  WHERE o.status <> 'CANCELLED'
  GROUP BY 1, 2
  ORDER BY 2, 1
  ON CONFLICT (day, product_id) DO UPDATE
    SET orders = d.orders + EXCLUDED.orders, units = d.units + EXCLUDED.units,
        revenue_minor = d.revenue_minor + EXCLUDED.revenue_minor;
  RETURN NULL;
END $$;

CREATE TRIGGER order_items_sales_slots AFTER INSERT ON order_items
  REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION sales_slots_add_lines();

-- A cancellation takes its order's lines out of both rollups again. Deferred to commit, so the rollup row is locked last, after
-- the product rows a cancel locks to return stock: PlaceOrder locks products, then its rollup row, so the two
-- always lock in the same order and cannot deadlock. An order placed and cancelled in one transaction is
-- added by the insert and taken out here, netting zero.
CREATE FUNCTION sales_slots_remove_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO sales_slots AS s (slot, shard, orders, units, revenue_minor)
  SELECT date_bin('15 minutes', NEW.create_time, timestamptz '2000-01-01 00:00:00+00'), pg_backend_pid() % 16,
         -1, -sum(i.quantity), -sum(i.quantity * i.unit_price_minor)
  FROM order_items i WHERE i.order_id = NEW.id
  HAVING count(*) > 0
  ON CONFLICT (slot, shard) DO UPDATE
    SET orders = s.orders + EXCLUDED.orders, units = s.units + EXCLUDED.units,
        revenue_minor = s.revenue_minor + EXCLUDED.revenue_minor;
  INSERT INTO product_sales_days AS d (day, product_id, orders, units, revenue_minor)
  SELECT (NEW.create_time AT TIME ZONE 'UTC')::date, i.product_id, -1, -i.quantity,
         -(i.quantity * i.unit_price_minor)
  FROM order_items i WHERE i.order_id = NEW.id
  ORDER BY i.product_id
  ON CONFLICT (day, product_id) DO UPDATE
    SET orders = d.orders + EXCLUDED.orders, units = d.units + EXCLUDED.units,
        revenue_minor = d.revenue_minor + EXCLUDED.revenue_minor;
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER orders_cancel_sales_slots AFTER UPDATE OF status ON orders
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (OLD.status <> 'CANCELLED' AND NEW.status = 'CANCELLED')
  EXECUTE FUNCTION sales_slots_remove_order();

-- Orders placed before this migration.
INSERT INTO sales_slots (slot, shard, orders, units, revenue_minor)
SELECT date_bin('15 minutes', o.create_time, timestamptz '2000-01-01 00:00:00+00'), 0,
       count(DISTINCT o.id), sum(i.quantity), sum(i.quantity * i.unit_price_minor)
FROM orders o JOIN order_items i ON i.order_id = o.id
WHERE o.status <> 'CANCELLED'
GROUP BY 1;

INSERT INTO product_sales_days (day, product_id, orders, units, revenue_minor)
SELECT (o.create_time AT TIME ZONE 'UTC')::date, i.product_id,
       count(*), sum(i.quantity), sum(i.quantity * i.unit_price_minor)
FROM orders o JOIN order_items i ON i.order_id = o.id
WHERE o.status <> 'CANCELLED'
GROUP BY 1, 2;
