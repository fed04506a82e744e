-- Totals are grouped by the currency each shift was paid in (a site's currency can change; its
-- past shifts keep theirs), so the covering index the summary report reads also carries
-- `currency`, keeping that report on the index alone. Same index as the PostgreSQL store's
-- migration (SQLite has no INCLUDE, so the carried columns trail the key).
DROP INDEX shifts_by_site_start;
CREATE INDEX shifts_by_site_start
    ON shifts (site_id, started_at, employee_id, status, currency, worked_minutes, pay_minor);
