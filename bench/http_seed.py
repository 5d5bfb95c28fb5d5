"""Seeding, in bulk SQL, a help desk with years of history for the HTTP benchmark (`python -m bench http`).

`count` incidents created over the last two years (ids in creation order), the newest 3 % and a random
2 % of the rest still open (new, acknowledged, in progress or on hold in turn), the others closed (70 %),
resolved (20 %) or cancelled (10 %); the people, services and default policies of bench/seed.py. Per
incident, what the services leave: the status timestamps and version, a response and a resolution clock
(stopped at acknowledgement / resolution or cancellation, with the warnings and breach that passed before;
open ones running, with `next_fire_at` at their next threshold, and the incident's `sla_due_at` at the
soonest running deadline and `sla_breached_from` from when they count as breached) and a timeline of "created" plus one
entry per transition. Not seeded: escalation state, notifications, outbox (see bench/RESULTS.md). The
incidents' search documents and vocabulary are written by the database's triggers as the rows go in
(incidents/search.py), then analysed so that search plans see their real shape."""

from django.db import connection

from .seed import POLICY_CTE, Fixtures, policy_params, run_statements

HTTP_SEED_SQL = """
SELECT setseed(%(seed)s);
CREATE TEMP TABLE bench_http_seed ON COMMIT DROP AS
WITH {POLICY_CTE}, g AS (
    SELECT i, 1 + i %% 3 AS impact, 1 + (i / 3) %% 3 AS urgency,
           now() - interval '730 days' * (1 - (i + random()) / %(count)s) AS created_at,
           CASE WHEN i >= %(count)s * 0.97 OR random() < 0.02
                THEN (ARRAY['new', 'acknowledged', 'in_progress', 'on_hold'])[1 + i %% 4]
                ELSE (ARRAY['closed', 'closed', 'closed', 'closed', 'closed', 'closed', 'closed',
                            'resolved', 'resolved', 'cancelled'])[1 + (i / 4) %% 10] END AS status,
           random() AS speed
    FROM generate_series(0, %(count)s - 1) AS i
), t AS (
    SELECT g.*, pol.*,
           CASE WHEN g.status NOT IN ('new', 'cancelled') THEN g.created_at + pol.response_target / 4 END
               AS acknowledged_at,
           (%(service_ids)s::bigint[])[1 + g.i %% %(teams)s] AS service_id,
           (%(group_ids)s::int[])[1 + g.i %% %(teams)s] AS group_id,
           (%(member_ids)s::int[])[1 + (g.i %% %(teams)s) * 3 + (g.i / %(teams)s) %% 3] AS assignee_id
    FROM g JOIN pol ON pol.priority = least(g.impact + g.urgency - 1, 4)
), u AS (  -- 17 %% of the resolved and closed ones missed their resolution target
    SELECT t.*,
           CASE WHEN t.status IN ('in_progress', 'on_hold', 'resolved', 'closed')
                THEN t.acknowledged_at + interval '5 min' END AS started_at,
           CASE WHEN t.status IN ('resolved', 'closed')
                THEN least(t.created_at + t.resolution_target * (0.2 + 1.0 * t.speed), now() - interval '2 h')
           END AS resolved_at,
           CASE WHEN t.status = 'cancelled' THEN t.created_at + interval '1 h' END AS cancelled_at
    FROM t
)
SELECT u.*, nextval(pg_get_serial_sequence('incidents_incident', 'id')) AS id,
       CASE WHEN u.status = 'on_hold' THEN u.started_at + interval '1 h' END AS on_hold_at,
       CASE WHEN u.status = 'closed' THEN least(u.resolved_at + interval '1 day', now() - interval '1 h')
       END AS closed_at
FROM u
ORDER BY u.i;

INSERT INTO incidents_incident (
    id, version, created_at, updated_at, number, title, description, impact, urgency, priority, source,
    status, acknowledged_at, started_at, on_hold_at, resolved_at, closed_at, cancelled_at, resolution_code,
    resolution_notes, assignee_id, assignment_group_id, reporter_id, service_id, sla_due_at,
    sla_breached_from)
SELECT s.id,
       1 + num_nonnulls(s.acknowledged_at, s.started_at, s.on_hold_at, s.resolved_at, s.closed_at,
                        s.cancelled_at),
       s.created_at,
       greatest(s.created_at, s.acknowledged_at, s.started_at, s.on_hold_at, s.resolved_at, s.closed_at,
                s.cancelled_at),
       'INC-' || lpad(s.id::text, greatest(6, length(s.id::text)), '0'),
       'Bench incident ' || s.i || ': ' || (ARRAY['database latency', 'login fails', 'disk full',
           'VPN down', 'printer offline', 'mail delayed', 'backup failed'])[1 + s.i %% 7],
       '', s.impact, s.urgency, s.priority, 'web', s.status, s.acknowledged_at, s.started_at, s.on_hold_at,
       s.resolved_at, s.closed_at, s.cancelled_at,
       CASE WHEN s.resolved_at IS NOT NULL THEN 'fixed' ELSE '' END,
       CASE WHEN s.resolved_at IS NOT NULL THEN 'Fixed.' ELSE '' END,
       CASE WHEN s.status <> 'new' THEN s.assignee_id END, s.group_id, %(reporter_id)s, s.service_id,
       least(  -- the soonest deadline of the running clocks below, as the SLA engine keeps it
           CASE WHEN coalesce(s.acknowledged_at, s.cancelled_at) IS NULL THEN s.created_at + s.response_target END,
           CASE WHEN coalesce(s.resolved_at, s.cancelled_at) IS NULL THEN s.created_at + s.resolution_target END),
       least(  -- from when the clocks below count as breached: each one's deadline, unless it stopped before
           CASE WHEN coalesce(s.acknowledged_at, s.cancelled_at, 'infinity') >= s.created_at + s.response_target
                THEN s.created_at + s.response_target END,
           CASE WHEN coalesce(s.resolved_at, s.cancelled_at, 'infinity') >= s.created_at + s.resolution_target
                THEN s.created_at + s.resolution_target END)
FROM bench_http_seed s
ORDER BY s.i;

INSERT INTO sla_slaclock (
    content_type_id, object_id, target, policy_target_id, rules, calendar_id, target_duration, elapsed,
    running_since, stopped_at, half_at, at_risk_at, due_at, warned_50_at, warned_75_at, breached_at, next_fire_at)
SELECT %(content_type_id)s, c.id, c.target, c.target_id, c.rules, NULL, c.t,
       coalesce(c.stop - c.start, interval '0'),
       CASE WHEN c.stop IS NULL THEN c.start END, c.stop,
       CASE WHEN c.stop IS NULL THEN c.start + c.t / 2 END,
       CASE WHEN c.stop IS NULL THEN c.start + c.t * 3 / 4 END,
       CASE WHEN c.stop IS NULL THEN c.start + c.t END,
       CASE WHEN c.start + c.t / 2 <= coalesce(c.stop, now()) THEN c.start + c.t / 2 END,
       CASE WHEN c.start + c.t * 3 / 4 <= coalesce(c.stop, now()) THEN c.start + c.t * 3 / 4 END,
       CASE WHEN c.start + c.t <= coalesce(c.stop, now()) THEN c.start + c.t END,
       CASE WHEN c.stop IS NULL THEN (
           SELECT min(x) FROM unnest(ARRAY[c.start + c.t / 2, c.start + c.t * 3 / 4, c.start + c.t]) AS x
           WHERE x > now()) END
FROM bench_http_seed s CROSS JOIN LATERAL (VALUES
    (1, s.id, 'response', s.response_target_id, %(response_rules)s::jsonb, s.created_at, s.response_target,
     coalesce(s.acknowledged_at, s.cancelled_at)),
    (2, s.id, 'resolution', s.resolution_target_id, %(resolution_rules)s::jsonb, s.created_at,
     s.resolution_target, coalesce(s.resolved_at, s.cancelled_at))
) AS c(n, id, target, target_id, rules, start, t, stop)
ORDER BY s.i, c.n;

INSERT INTO core_timelineentry (
    content_type_id, object_id, kind, actor_id, created_at, from_state, to_state, field, old_value,
    new_value, note, visibility, data)
SELECT %(content_type_id)s, s.id, e.kind, e.actor_id, e.at, e.from_state, e.to_state, '', '', '', e.note,
       'public',
       CASE WHEN e.kind = 'created'
            THEN jsonb_build_object('priority', s.priority, 'impact', s.impact, 'urgency', s.urgency)
            ELSE jsonb_build_object('from', e.from_state, 'to', e.to_state, 'note', e.note, 'action', e.action)
       END
FROM bench_http_seed s
CROSS JOIN LATERAL (VALUES
    (1, 'created', %(reporter_id)s, s.created_at, '', 'new', '', 'Filed as ' || s.label || ' via Web.'),
    (2, 'transition', s.assignee_id, s.acknowledged_at, 'new', 'acknowledged', 'acknowledge', ''),
    (3, 'transition', s.assignee_id, s.started_at, 'acknowledged', 'in_progress', 'start', ''),
    (4, 'transition', s.assignee_id, s.on_hold_at, 'in_progress', 'on_hold', 'hold', 'Waiting for the user.'),
    (5, 'transition', s.assignee_id, s.resolved_at, 'in_progress', 'resolved', 'resolve', 'Fixed.'),
    (6, 'transition', s.assignee_id, s.closed_at, 'resolved', 'closed', 'close', ''),
    (7, 'transition', %(reporter_id)s, s.cancelled_at, 'new', 'cancelled', 'cancel', 'Duplicate report.')
) AS e(n, kind, actor_id, at, from_state, to_state, action, note)
WHERE e.at IS NOT NULL
ORDER BY s.i, e.n;
""".replace("{POLICY_CTE}", POLICY_CTE)


def seed_http_incidents(fixtures: Fixtures, *, count: int, seed: float = 0.42) -> None:
    run_statements(HTTP_SEED_SQL, {**policy_params(fixtures), "seed": seed, "count": count})
    # bench.seed.vacuum_analyze() covers the tables it seeds itself; VACUUM cannot run in a transaction
    # (the tests'), ANALYZE alone can.
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    with connection.cursor() as cursor:
        cursor.execute(f"{command} incidents_searchdocument")
        cursor.execute(f"{command} incidents_searchword")
