-- Independent oracle: docs/kpis.md recomputed in plain DuckDB SQL.
--
-- Reads top to bottom: parsed rows -> validated rows -> versions per day ->
-- state timeline -> each KPI table.  Written from the spec alone.
--
-- Inputs, prepared by __init__.py before this script runs:
--   raw_records(business_date DATE, record_number BIGINT, field_count INTEGER,
--               header_width INTEGER, <the 10 source columns used below> VARCHAR)
--       one row per CSV record (header excluded), values exactly as landed;
--       a record with the wrong field count keeps whatever fields it had.
--   sla_targets(priority VARCHAR, resolution_hours DOUBLE)
--   variables tz (business time zone), first_day, last_day (DATE)
--   session TimeZone = 'UTC'
-- Every timestamp below is a TIMESTAMPTZ (an instant); comparisons are between instants.

-- ---------------------------------------------------------------------------
-- 0. Helpers
-- ---------------------------------------------------------------------------

-- Trim spaces, tabs, CR and LF; an empty value is missing.
-- (The regexp guard only skips the comparatively slow trim when there is nothing to trim.)
CREATE MACRO clean(v) AS nullif(
    CASE WHEN regexp_matches(v, '^[ \t\r\n]|[ \t\r\n]$') THEN trim(v, e' \t\r\n') ELSE v END,
    '');

-- A timestamp is exactly YYYY-MM-DDTHH:MM:SSZ and a real UTC date-time. The pattern is
-- needed (strptime alone accepts one-digit fields); strptime then rejects 2025-02-30,
-- 2025-02-29, month 13, hour 24, minute 60 and second 60; year 0000 does not exist
-- (strptime would read it as 1 BC). tests/oracle/test_oracle.py checks each case.
CREATE MACRO parse_ts(v) AS
    CASE
        WHEN regexp_full_match(v, '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z')
         AND NOT starts_with(v, '0000')
        -- the instant whose UTC wall-clock time this is
        THEN make_timestamptz(epoch_us(try_strptime(v, '%Y-%m-%dT%H:%M:%SZ')))
    END;

-- Business day D is the half-open interval of instants [start(D), end(D)): from midnight
-- starting D to midnight starting D+1 in the business time zone. An instant t falls in D
-- when start(D) <= t < end(D) (the same as: t converted to the zone has the date D).
CREATE MACRO day_start(d) AS timezone(getvariable('tz'), CAST(d AS TIMESTAMP));
CREATE MACRO in_day(t, day_start, end_of_day) AS t >= day_start AND t < end_of_day;

CREATE MACRO hours_between(a, b) AS CAST(epoch_us(b) - epoch_us(a) AS DOUBLE) / 3600e6;
CREATE MACRO minutes_between(a, b) AS CAST(epoch_us(b) - epoch_us(a) AS DOUBLE) / 60e6;

-- Every processed day, with start(D) and end(D) as instants.
CREATE TABLE day_spine AS
SELECT business_date, day_start(business_date) AS day_start,
       day_start(business_date + 1) AS end_of_day
FROM (
    SELECT CAST(d AS DATE) AS business_date
    FROM range(CAST(getvariable('first_day') AS TIMESTAMP),
               CAST(getvariable('last_day') AS TIMESTAMP) + INTERVAL 1 DAY,
               INTERVAL 1 DAY) AS t(d)
);

-- ---------------------------------------------------------------------------
-- 1. Parsed rows: trimmed text, enums lower-cased, typed where the text parses
-- ---------------------------------------------------------------------------

CREATE TABLE parsed_rows AS
SELECT
    business_date,
    record_number,
    field_count <> header_width                      AS malformed,
    clean(ticket_id)                                 AS ticket_id,
    clean(created_at)                                AS created_at_text,
    clean(updated_at)                                AS updated_at_text,
    lower(clean(status))                             AS status,
    lower(clean(priority))                           AS priority,
    clean(agent_id)                                  AS agent_id,
    clean(channel)                                   AS channel,
    clean(first_response_at)                         AS first_response_at_text,
    clean(solved_at)                                 AS solved_at_text,
    clean(reopen_count)                              AS reopen_count_text,
    clean(csat_score)                                AS csat_score_text
FROM raw_records;

CREATE VIEW typed_rows AS
SELECT
    p.*,
    parse_ts(created_at_text)                        AS created_at,
    parse_ts(updated_at_text)                        AS updated_at,
    parse_ts(first_response_at_text)                 AS first_response_at,
    parse_ts(solved_at_text)                         AS solved_at,
    -- ^[0-9]+$ ; a value too large for INT64 cannot be typed and counts as bad.
    CASE WHEN regexp_full_match(reopen_count_text, '[0-9]+')
         THEN TRY_CAST(reopen_count_text AS BIGINT) END                    AS reopen_count,
    -- ^[0-9]+$ and 1..5 (leading zeros allowed by the rule: '05' is 5).
    CASE WHEN regexp_full_match(csat_score_text, '[0-9]+')
          AND ltrim(csat_score_text, '0') IN ('1', '2', '3', '4', '5')
         THEN CAST(ltrim(csat_score_text, '0') AS BIGINT) END              AS csat_score
FROM parsed_rows AS p;

-- ---------------------------------------------------------------------------
-- 2. Validated rows: every failed rule becomes a reason code
-- ---------------------------------------------------------------------------

CREATE TABLE checked_rows AS
SELECT
    t.*,
    CASE WHEN malformed THEN ['malformed_row'] ELSE list_filter([
        CASE WHEN ticket_id IS NULL THEN 'missing_ticket_id' END,
        CASE WHEN created_at IS NULL THEN 'bad_created_at' END,
        CASE WHEN updated_at IS NULL THEN 'bad_updated_at' END,
        CASE WHEN status IS NULL
               OR status NOT IN ('new', 'open', 'pending', 'hold', 'solved', 'closed')
             THEN 'unknown_status' END,
        CASE WHEN priority IS NULL
               OR priority NOT IN ('urgent', 'high', 'normal', 'low')
             THEN 'unknown_priority' END,
        CASE WHEN created_at > updated_at THEN 'updated_before_created' END,
        CASE WHEN solved_at_text IS NOT NULL AND solved_at IS NULL THEN 'bad_solved_at' END,
        CASE WHEN solved_at < created_at THEN 'solved_before_created' END,
        CASE WHEN first_response_at_text IS NOT NULL AND first_response_at IS NULL
             THEN 'bad_first_response_at' END,
        CASE WHEN reopen_count_text IS NOT NULL AND reopen_count IS NULL
             THEN 'bad_reopen_count' END,
        CASE WHEN csat_score_text IS NOT NULL AND csat_score IS NULL
             THEN 'bad_csat_score' END,
        CASE WHEN NOT in_day(updated_at, s.day_start, s.end_of_day) THEN 'outside_day' END
    ], r -> r IS NOT NULL) END AS reasons
FROM typed_rows AS t
JOIN day_spine AS s USING (business_date);

CREATE VIEW rejected_rows AS
SELECT business_date, record_number, ticket_id, reasons
FROM checked_rows
WHERE len(reasons) > 0;

CREATE VIEW valid_rows AS
SELECT * EXCLUDE (reasons, malformed)
FROM checked_rows
WHERE len(reasons) = 0;

CREATE VIEW day_counts AS
SELECT
    s.business_date,
    count(r.record_number)                                  AS rows_in,
    count(r.record_number) FILTER (WHERE len(r.reasons) = 0) AS rows_accepted,
    count(r.record_number) FILTER (WHERE len(r.reasons) > 0) AS rows_rejected
FROM day_spine AS s
LEFT JOIN checked_rows AS r USING (business_date)
GROUP BY s.business_date;

-- ---------------------------------------------------------------------------
-- 3. Versions: per day and ticket, the valid row with the greatest updated_at
--    (ties: the later record), with everything the KPIs need about it
-- ---------------------------------------------------------------------------

CREATE VIEW versions AS
SELECT
    v.business_date,
    v.record_number,
    v.ticket_id,
    v.created_at,
    v.updated_at,
    v.status,
    v.priority,
    v.agent_id,
    v.channel,
    v.first_response_at,
    v.solved_at,
    v.reopen_count,
    v.csat_score,
    v.status IN ('new', 'open', 'pending', 'hold')                       AS is_open,
    v.created_at + to_microseconds(CAST(round(g.resolution_hours * 3600e6) AS BIGINT))
                                                                         AS sla_due_at,
    CASE WHEN v.status IN ('solved', 'closed') AND v.solved_at IS NOT NULL
         THEN hours_between(v.created_at, v.solved_at) END               AS resolution_hours,
    in_day(v.created_at, s.day_start, s.end_of_day)                      AS created_in_day,
    coalesce(v.status IN ('solved', 'closed')
             AND in_day(v.solved_at, s.day_start, s.end_of_day), false)  AS solved_in_day,
    coalesce(in_day(v.first_response_at, s.day_start, s.end_of_day), false)
                                                                         AS first_response_in_day
FROM valid_rows AS v
JOIN day_spine AS s USING (business_date)
JOIN sla_targets AS g USING (priority)
QUALIFY row_number() OVER (PARTITION BY v.business_date, v.ticket_id
                           ORDER BY v.updated_at DESC, v.record_number DESC) = 1;

-- ---------------------------------------------------------------------------
-- 4. State timeline: the state after D is a ticket's version with the greatest
--    updated_at on a day <= D. Every valid row's updated_at falls in its file's day,
--    so ordering a ticket's versions by updated_at orders them by day: a version of
--    day d is the state from d until the day before the ticket's next version (or
--    last_day), and the state after d-1 is the ticket's previous version.
-- ---------------------------------------------------------------------------

CREATE TABLE timeline AS
SELECT
    v.*,
    v.solved_at > v.sla_due_at AS breached,      -- meaningful when resolution_hours is set
    -- from the state after d-1 (never seen before: not open, reopen_count 0)
    coalesce(lag(v.is_open) OVER w, false)                               AS was_open,
    coalesce(lag(coalesce(v.reopen_count, 0)) OVER w, 0)                 AS prev_reopen_count,
    coalesce(v.reopen_count, 0) > prev_reopen_count                      AS reopened,
    lead(v.business_date) OVER w                                         AS next_business_date,
    coalesce(CAST(lead(v.business_date) OVER w - 1 AS DATE),
             CAST(getvariable('last_day') AS DATE))                      AS valid_to
FROM versions AS v
WINDOW w AS (PARTITION BY v.ticket_id ORDER BY v.updated_at);

-- One row per (day D, ticket open in its state after D), with its age at end(D) in
-- microseconds and whether its resolution target had passed by end(D).
CREATE TABLE open_days AS
SELECT
    s.business_date,
    t.priority,
    t.agent_id,
    epoch_us(s.end_of_day) - epoch_us(t.created_at)   AS age_us,
    t.sla_due_at < s.end_of_day                        AS past_due
FROM timeline AS t
JOIN day_spine AS s
  ON s.business_date BETWEEN t.business_date AND t.valid_to
WHERE t.is_open;

-- ---------------------------------------------------------------------------
-- 5. features_daily
-- ---------------------------------------------------------------------------

CREATE VIEW features_daily AS
SELECT
    s.business_date,
    count(v.ticket_id) FILTER (WHERE v.created_in_day)                    AS tickets_created,
    count(v.ticket_id) FILTER (WHERE v.solved_in_day)                     AS tickets_solved,
    count(v.ticket_id) FILTER (WHERE v.reopened)                          AS tickets_reopened,
    avg(v.resolution_hours) FILTER (WHERE v.solved_in_day)                AS tat_avg_hours,
    quantile_cont(v.resolution_hours, 0.5) FILTER (WHERE v.solved_in_day) AS tat_p50_hours,
    quantile_cont(v.resolution_hours, 0.9) FILTER (WHERE v.solved_in_day) AS tat_p90_hours,
    avg(minutes_between(v.created_at, v.first_response_at))
        FILTER (WHERE v.first_response_in_day)                            AS first_response_avg_minutes,
    100.0 * count(v.ticket_id) FILTER (WHERE v.solved_in_day AND v.breached)
        / nullif(count(v.ticket_id) FILTER (WHERE v.solved_in_day), 0)    AS sla_breach_pct
FROM day_spine AS s
LEFT JOIN timeline AS v USING (business_date)
GROUP BY s.business_date;

-- ---------------------------------------------------------------------------
-- 6. backlog_daily
-- ---------------------------------------------------------------------------

CREATE MACRO days_us(n) AS CAST(n AS BIGINT) * 86400 * 1000000;

CREATE VIEW backlog_open AS
SELECT
    business_date,
    count(*)                                                                    AS open_eod,
    count(*) FILTER (WHERE priority = 'urgent')                                 AS open_urgent,
    count(*) FILTER (WHERE priority = 'high')                                   AS open_high,
    count(*) FILTER (WHERE priority = 'normal')                                 AS open_normal,
    count(*) FILTER (WHERE priority = 'low')                                    AS open_low,
    count(*) FILTER (WHERE age_us < days_us(1))                                 AS age_0_1d,
    count(*) FILTER (WHERE age_us >= days_us(1) AND age_us < days_us(3))        AS age_1_3d,
    count(*) FILTER (WHERE age_us >= days_us(3) AND age_us < days_us(7))        AS age_3_7d,
    count(*) FILTER (WHERE age_us >= days_us(7) AND age_us < days_us(14))       AS age_7_14d,
    count(*) FILTER (WHERE age_us >= days_us(14) AND age_us < days_us(30))      AS age_14_30d,
    count(*) FILTER (WHERE age_us >= days_us(30))                               AS age_30d_plus,
    count(*) FILTER (WHERE past_due)                                            AS open_past_due
FROM open_days
GROUP BY business_date;

-- A ticket's state after D differs from its state after D-1 only when it has a version
-- of D, so entering and leaving the backlog are read off the versions of D:
-- entered(D) = open after D, not open after D-1 (or never seen: the start state is empty);
-- left(D)    = open after D-1, not open after D.
CREATE VIEW backlog_moves AS
SELECT
    business_date,
    count(*) FILTER (WHERE is_open AND NOT was_open)   AS entered_backlog,
    count(*) FILTER (WHERE was_open AND NOT is_open)   AS left_backlog
FROM timeline
GROUP BY business_date;

CREATE TABLE backlog_daily AS
SELECT
    s.business_date,
    coalesce(b.open_eod, 0)          AS open_eod,
    coalesce(b.open_urgent, 0)       AS open_urgent,
    coalesce(b.open_high, 0)         AS open_high,
    coalesce(b.open_normal, 0)       AS open_normal,
    coalesce(b.open_low, 0)          AS open_low,
    coalesce(m.entered_backlog, 0)   AS entered_backlog,
    coalesce(m.left_backlog, 0)      AS left_backlog,
    coalesce(b.age_0_1d, 0)          AS age_0_1d,
    coalesce(b.age_1_3d, 0)          AS age_1_3d,
    coalesce(b.age_3_7d, 0)          AS age_3_7d,
    coalesce(b.age_7_14d, 0)         AS age_7_14d,
    coalesce(b.age_14_30d, 0)        AS age_14_30d,
    coalesce(b.age_30d_plus, 0)      AS age_30d_plus,
    coalesce(b.open_past_due, 0)     AS open_past_due
FROM day_spine AS s
LEFT JOIN backlog_open AS b USING (business_date)
LEFT JOIN backlog_moves AS m USING (business_date);

-- ---------------------------------------------------------------------------
-- 7. daily_agent_load
-- ---------------------------------------------------------------------------

CREATE VIEW agent_activity AS
SELECT
    business_date,
    agent_id,
    count(*)                                                   AS tickets_touched,
    count(*) FILTER (WHERE solved_in_day)                      AS tickets_solved,
    avg(resolution_hours) FILTER (WHERE solved_in_day)         AS tat_avg_hours,
    count(*) FILTER (WHERE solved_in_day AND breached)         AS sla_breaches
FROM timeline
WHERE agent_id IS NOT NULL
GROUP BY business_date, agent_id;

CREATE VIEW agent_open AS
SELECT business_date, agent_id, count(*) AS open_assigned_eod
FROM open_days
WHERE agent_id IS NOT NULL
GROUP BY business_date, agent_id;

CREATE VIEW daily_agent_load AS
SELECT
    business_date,
    agent_id,
    coalesce(a.tickets_touched, 0)     AS tickets_touched,
    coalesce(a.tickets_solved, 0)      AS tickets_solved,
    coalesce(o.open_assigned_eod, 0)   AS open_assigned_eod,
    a.tat_avg_hours                    AS tat_avg_hours,
    coalesce(a.sla_breaches, 0)        AS sla_breaches
FROM agent_activity AS a
FULL OUTER JOIN agent_open AS o USING (business_date, agent_id);

-- ---------------------------------------------------------------------------
-- 8. daily_ops_metrics
-- ---------------------------------------------------------------------------

CREATE VIEW day_versions_summary AS
SELECT
    business_date,
    avg(csat_score) FILTER (WHERE solved_in_day)   AS csat_avg,
    count(DISTINCT agent_id)                        AS active_agents
FROM timeline
GROUP BY business_date;

CREATE VIEW daily_ops_metrics AS
SELECT
    s.business_date,
    f.tickets_created,
    f.tickets_solved,
    b.open_eod,
    100.0 - f.sla_breach_pct                                         AS sla_compliance_pct,
    f.tat_p50_hours,
    v.csat_avg,
    CAST(f.tickets_reopened AS DOUBLE) / nullif(f.tickets_solved, 0) AS reopen_rate,
    coalesce(v.active_agents, 0)                                     AS active_agents,
    c.rows_in                                                        AS rows_ingested,
    c.rows_rejected
FROM day_spine AS s
JOIN features_daily AS f USING (business_date)
JOIN backlog_daily AS b USING (business_date)
JOIN day_counts AS c USING (business_date)
LEFT JOIN day_versions_summary AS v USING (business_date);

-- ---------------------------------------------------------------------------
-- 8b. channel_daily: per day and channel named by a version of the day
-- ---------------------------------------------------------------------------

CREATE VIEW channel_daily AS
SELECT
    business_date,
    channel,
    count(*) FILTER (WHERE created_in_day)                            AS tickets_created,
    count(*) FILTER (WHERE solved_in_day)                             AS tickets_solved,
    quantile_cont(resolution_hours, 0.5) FILTER (WHERE solved_in_day) AS tat_p50_hours,
    100.0 * count(*) FILTER (WHERE solved_in_day AND breached)
        / nullif(count(*) FILTER (WHERE solved_in_day), 0)            AS sla_breach_pct
FROM timeline
WHERE channel IS NOT NULL
GROUP BY business_date, channel;

-- ---------------------------------------------------------------------------
-- 9. fact_tickets: the state after last_day
-- ---------------------------------------------------------------------------

CREATE VIEW fact_tickets AS
SELECT
    ticket_id,
    created_at,
    updated_at,
    status,
    priority,
    agent_id,
    reopen_count,
    csat_score,
    solved_at,
    first_response_at,
    business_date                                        AS last_business_date,
    is_open,
    resolution_hours,
    CASE WHEN resolution_hours IS NOT NULL THEN breached END AS sla_breached
FROM timeline
WHERE next_business_date IS NULL;
