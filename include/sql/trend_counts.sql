-- The 7-day trend: counts only, per window, client and category, in one query over the
-- report windows (oldest first, passed as two arrays of the same length). The same
-- membership, categories and exclusions as processes.sql and processes.categorize:
-- a process belongs to a window when it started before its end and had not stopped
-- before its start (or, with no start time, stopped or last pinged inside it); a final
-- status written after the window's end counts as running; skip-listed accounts and
-- non-client users are left out. Counted from the database, the trend is right on the
-- first run and on backfills, whatever the archive holds.
--
-- The caller sets the session TimeZone to the database's zone first (see processes.sql).
WITH windows AS (
    SELECT w.n, w.window_start, w.window_end
    FROM unnest(%(starts)s::timestamptz[], %(ends)s::timestamptz[])
         WITH ORDINALITY AS w (window_start, window_end, n)
)
SELECT
    w.n                                              AS window_number,
    u.id                                             AS client_id,
    u.name                                           AS client_name,
    CASE
        WHEN lower(trim(ps.name)) IN ('finished', 'failed')
             AND p.stop_time IS NOT NULL AND p.stop_time >= w.window_end THEN 'running'
        WHEN lower(trim(ps.name)) IN ('finished', 'failed', 'running') THEN lower(trim(ps.name))
        ELSE 'other'
    END                                              AS category,
    count(*)                                         AS processes
FROM windows w
JOIN process p
  ON (p.start_time < w.window_end
      AND (p.stop_time IS NULL OR p.stop_time >= w.window_start))
  OR (p.start_time IS NULL
      AND COALESCE(p.stop_time, p.ping_time) >= w.window_start
      AND COALESCE(p.stop_time, p.ping_time) < w.window_end)
JOIN source s ON p.source_id = s.id
JOIN "USER" u ON u.id = s.user_id
LEFT JOIN process_status ps ON ps.id = p.status_id
WHERE u.role_id = %(client_role_id)s
  AND NOT (COALESCE(u.api_key, '') = ANY (%(skip_api_keys)s::text[]))
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 4
