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
),
-- the processes of the whole span, found as processes.sql finds a window's (one pass,
-- which an index on start_time serves), before they are matched with the 7 windows
span AS (
    SELECT min(window_start) AS span_start, max(window_end) AS span_end FROM windows
),
candidates AS MATERIALIZED (
    SELECT p.start_time, p.stop_time, p.ping_time, u.id AS client_id, u.name AS client_name,
           lower(trim(ps.name)) AS status
    FROM span, process p
    JOIN source s ON p.source_id = s.id
    JOIN "USER" u ON u.id = s.user_id
    LEFT JOIN process_status ps ON ps.id = p.status_id
    WHERE u.role_id = %(client_role_id)s
      AND NOT (COALESCE(u.api_key, '') = ANY (%(skip_api_keys)s::text[]))
      AND (
            (p.start_time < span.span_end
             AND (p.stop_time IS NULL OR p.stop_time >= span.span_start))
         OR (p.start_time IS NULL
             AND COALESCE(p.stop_time, p.ping_time) >= span.span_start
             AND COALESCE(p.stop_time, p.ping_time) < span.span_end)
      )
)
SELECT
    w.n                                              AS window_number,
    c.client_id,
    c.client_name,
    CASE
        WHEN c.status IN ('finished', 'failed')
             AND c.stop_time IS NOT NULL AND c.stop_time >= w.window_end THEN 'running'
        WHEN c.status IN ('finished', 'failed', 'running') THEN c.status
        ELSE 'other'
    END                                              AS category,
    count(*)                                         AS processes
FROM windows w
JOIN candidates c
  ON (c.start_time < w.window_end
      AND (c.stop_time IS NULL OR c.stop_time >= w.window_start))
  OR (c.start_time IS NULL
      AND COALESCE(c.stop_time, c.ping_time) >= w.window_start
      AND COALESCE(c.stop_time, c.ping_time) < w.window_end)
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 4
