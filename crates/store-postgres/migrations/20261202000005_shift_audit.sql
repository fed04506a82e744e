-- The geolocation audit after each close: three more reasons a shift waits for review, and the
-- indexes of the audit's queries. Same reasons and index names as the SQLite store's migration
-- 0011.

ALTER TABLE shifts DROP CONSTRAINT shifts_review_reason_known;
ALTER TABLE shifts ADD CONSTRAINT shifts_review_reason_known
    CHECK (review_reason IN ('auto_closed', 'forgotten_close', 'outside_geofence',
                             'repeated_location', 'impossible_travel'));

-- "How many earlier shifts were opened or closed at exactly this point": the points rounded to
-- six decimals (as `domain::audit::same_point`), so the count reads only the shifts at that
-- point however many there are. The previous shift of a person comes from
-- `shifts_by_employee_start`.
CREATE INDEX shifts_start_point
    ON shifts (round(start_latitude * 1000000.0::float8), round(start_longitude * 1000000.0::float8));
CREATE INDEX shifts_end_point
    ON shifts (round(end_latitude * 1000000.0::float8), round(end_longitude * 1000000.0::float8))
    WHERE end_latitude IS NOT NULL;
