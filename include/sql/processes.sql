-- The report window's client processes, read from the base tables of the original
-- `processes_dashboard` view (same joins and columns). The view's
-- `now() - interval '24 hours'` cannot serve reruns or backfills, so the window is a
-- parameter here.
--
-- Time zones: the caller sets the session TimeZone to the database's zone first. Naive
-- `timestamp` columns are then read in that zone when compared with the timestamptz
-- parameters or cast with ::timestamptz, and `timestamptz` columns are unaffected, so
-- one query serves both column types. The comparisons leave the columns uncast, so an
-- index on process.start_time still serves them.
--
-- A process belongs to the window when it started before the window's end and had not
-- stopped before its start: a long process that finishes or still runs today is in
-- today's report. One with no start time is kept when its stop or last ping falls in
-- the window, so the report can flag it instead of losing it.
--
-- `user_configuration` from the view is left out on purpose: it is free-form, can be
-- large, may hold credentials, and the report does not use it.
SELECT
    p.uuid::text                         AS process_uuid,
    u.id                                 AS client_id,
    u.name                               AS client_name,
    u.api_key                            AS api_key,
    ps.name                              AS status_name,
    p.status_id                          AS status_id,
    p.start_time::timestamptz            AS start_time,
    p.ping_time::timestamptz             AS ping_time,
    p.stop_time::timestamptz             AS stop_time,
    s.uri                                AS source_uri,
    s.alias                              AS source_alias,
    s.uuid::text                         AS source_uuid
FROM process p
JOIN source s ON p.source_id = s.id
JOIN "USER" u ON u.id = s.user_id
LEFT JOIN process_status ps ON ps.id = p.status_id
WHERE u.role_id = %(client_role_id)s
  AND (
        (p.start_time < %(window_end)s
         AND (p.stop_time IS NULL OR p.stop_time >= %(window_start)s))
     OR (p.start_time IS NULL
         AND COALESCE(p.stop_time, p.ping_time) >= %(window_start)s
         AND COALESCE(p.stop_time, p.ping_time) < %(window_end)s)
  )
ORDER BY p.start_time DESC NULLS LAST, p.uuid
