-- The geolocation audit after each close: three more reasons a shift waits for review, and the
-- indexes of the audit's queries. Same reasons and index names as the PostgreSQL store's
-- migration 20261202000005.

-- SQLite cannot change a column's CHECK, so `review_reason` is replaced by a column of the same
-- name with the wider check (values copied; the old column's check belongs to it alone, so it
-- can be dropped).
ALTER TABLE shifts ADD COLUMN review_reason_wide TEXT
    CHECK (review_reason_wide IN ('auto_closed', 'forgotten_close', 'outside_geofence',
                                  'repeated_location', 'impossible_travel'));
UPDATE shifts SET review_reason_wide = review_reason WHERE review_reason IS NOT NULL;
ALTER TABLE shifts DROP COLUMN review_reason;
ALTER TABLE shifts RENAME COLUMN review_reason_wide TO review_reason;

-- "How many earlier shifts were opened or closed at exactly this point": the points rounded to
-- six decimals (as `domain::audit::same_point`), so the count reads only the shifts at that
-- point however many there are. The previous shift of a person comes from
-- `shifts_by_employee_start`.
CREATE INDEX shifts_start_point
    ON shifts (round(start_latitude * 1000000.0), round(start_longitude * 1000000.0));
CREATE INDEX shifts_end_point
    ON shifts (round(end_latitude * 1000000.0), round(end_longitude * 1000000.0))
    WHERE end_latitude IS NOT NULL;
