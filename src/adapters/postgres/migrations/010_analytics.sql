-- Analytics (issue 18) reads sales straight from orders and their lines, so a report is exact the moment an
-- order commits or is cancelled. These indexes make a range of sales cheap to read: the orders placed in a
-- range that still count, in time order (the partial predicate is the sales rule itself), and each order's
-- lines with everything a report sums, so both sides are read from indexes alone.
CREATE INDEX orders_sales_time_idx ON orders (create_time, id) WHERE status <> 'CANCELLED';
CREATE INDEX order_items_sales_idx ON order_items (order_id) INCLUDE (product_id, quantity, unit_price_minor);
