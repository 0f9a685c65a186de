-- Tables that work as queues or counters (rows inserted, then updated or deleted within seconds) are vacuumed
-- after every few thousand changes instead of after 20 % of the table, and without the cost-based pauses.
-- With the defaults the outbox kept tens of thousands of published versions between vacuums, and the relay's
-- every pass (`where published_at is null order by seq`) walked the dead head of outbox_unpublished_idx:
-- under a steady PlaceOrder load PostgreSQL's CPU per order grew several-fold within a minute (the bench).
ALTER TABLE outbox SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 2000,
                        autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 5000,
                        autovacuum_vacuum_cost_delay = 0);
ALTER TABLE scheduled_jobs SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 2000,
                                autovacuum_vacuum_cost_delay = 0);
ALTER TABLE sale_intake SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 2000,
                             autovacuum_vacuum_cost_delay = 0);
ALTER TABLE login_failures SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 2000,
                                autovacuum_vacuum_cost_delay = 0);
ALTER TABLE request_counts SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 2000,
                                autovacuum_vacuum_cost_delay = 0);
