-- Totals are grouped by the currency each shift was paid in (a site's currency can change; its
-- past shifts keep theirs), so the covering index the summary report reads also carries
-- `currency`, keeping that report an index-only scan. `id` joins the key so a page of a site's
-- shifts in (started_at, id) order, the keyset the listings page by, is read in index order.
DROP INDEX shifts_by_site_start;
CREATE INDEX shifts_by_site_start ON shifts (site_id, started_at, id)
    INCLUDE (employee_id, status, currency, worked_minutes, pay_minor);
