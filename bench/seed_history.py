"""A period of incident history for the SLA dashboard's benchmark, in bulk SQL: `count` incidents
created uniformly over the last `days` days, 95 % resolved (every third of them closed) with both
clocks stopped, 5 % open and acknowledged with a running resolution clock. Acknowledgement and
resolution times are spread up to 1.3× / 1.4× their target, so about a quarter of the clocks breach.
No timeline rows: the dashboard does not read them.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_dash python manage.py shell -c \
        "from bench.seed_history import seed_history; seed_history(count=250_000, days=90)"
"""

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from incidents.models import Incident

from .seed import _policy_rows, seed_people, vacuum_analyze

HISTORY_SQL = """
SELECT setseed(0.7);
CREATE TEMP TABLE history ON COMMIT DROP AS
WITH pol(priority, response_id, resolution_id, response, resolution) AS (
    SELECT * FROM unnest(%(priority)s::int[], %(response_id)s::bigint[], %(resolution_id)s::bigint[],
                         %(response)s::interval[], %(resolution)s::interval[])
), g AS (
    SELECT i, 1 + i %% 3 AS impact, 1 + (i / 3) %% 3 AS urgency, i %% 20 = 0 AS open,
           now() - make_interval(days => %(days)s) * random() AS created_at, random() AS ack_r, random() AS res_r
    FROM generate_series(0, %(count)s - 1) AS i
)
SELECT g.*, nextval(pg_get_serial_sequence('incidents_incident', 'id')) AS id, pol.*,
       least(g.created_at + pol.response * 1.3 * g.ack_r, now()) AS acknowledged_at,
       CASE WHEN g.open THEN NULL ELSE least(g.created_at + pol.resolution * 1.4 * g.res_r, now()) END
           AS resolved_at,
       (%(service_ids)s::bigint[])[1 + g.i %% %(teams)s] AS service_id,
       (%(group_ids)s::int[])[1 + g.i %% %(teams)s] AS group_id,
       (%(member_ids)s::int[])[1 + (g.i %% %(teams)s) * 3 + (g.i / %(teams)s) %% 3] AS assignee_id
FROM g JOIN pol ON pol.priority = least(g.impact + g.urgency - 1, 4);

INSERT INTO incidents_incident (
    id, version, created_at, updated_at, number, title, description, impact, urgency, priority, source,
    status, acknowledged_at, resolved_at, closed_at, resolution_code, resolution_notes, assignee_id,
    assignment_group_id, reporter_id, service_id)
SELECT h.id, 3, h.created_at, coalesce(h.resolved_at, h.acknowledged_at),
       'INC-' || lpad(h.id::text, greatest(6, length(h.id::text)), '0'), 'History incident ' || h.i, '',
       h.impact, h.urgency, h.priority, 'web',
       CASE WHEN h.open THEN 'acknowledged' WHEN h.i %% 3 = 0 THEN 'closed' ELSE 'resolved' END,
       h.acknowledged_at, h.resolved_at, CASE WHEN NOT h.open AND h.i %% 3 = 0 THEN h.resolved_at END,
       CASE WHEN h.open THEN '' ELSE 'fixed' END, '', h.assignee_id, h.group_id, %(reporter_id)s, h.service_id
FROM history h ORDER BY h.created_at;

INSERT INTO sla_slaclock (
    content_type_id, object_id, target, policy_target_id, rules, calendar_id, target_duration, elapsed,
    running_since, stopped_at, half_at, at_risk_at, due_at, warned_50_at, warned_75_at, breached_at, next_fire_at)
SELECT %(content_type_id)s, h.id, c.target, c.target_id, '{}'::jsonb, NULL, c.duration,
       coalesce(c.stop - h.created_at, interval '0'), CASE WHEN c.stop IS NULL THEN h.created_at END, c.stop,
       h.created_at + c.duration / 2, h.created_at + c.duration * 3 / 4,
       CASE WHEN c.stop IS NULL THEN h.created_at + c.duration END, NULL, NULL,
       CASE WHEN coalesce(c.stop, now()) > h.created_at + c.duration THEN h.created_at + c.duration END, NULL
FROM history h CROSS JOIN LATERAL (VALUES
    ('response', h.response_id, h.response, h.acknowledged_at),
    ('resolution', h.resolution_id, h.resolution, h.resolved_at)
) AS c(target, target_id, duration, stop)
ORDER BY h.created_at;
"""


def seed_history(*, count: int, days: int, teams: int = 20) -> None:
    fixtures = seed_people(teams=teams, email=False)
    policies = list(zip(*_policy_rows(), strict=True))
    params = {
        "count": count,
        "days": days,
        "priority": list(policies[0]),
        "response_id": list(policies[2]),
        "resolution_id": list(policies[3]),
        "response": list(policies[4]),
        "resolution": list(policies[5]),
        "teams": teams,
        "service_ids": fixtures.service_ids,
        "group_ids": fixtures.group_ids,
        "member_ids": fixtures.member_ids,
        "reporter_id": fixtures.reporter_id,
        "content_type_id": ContentType.objects.get_for_model(Incident).pk,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in HISTORY_SQL.split(";\n"):
            if statement.strip():
                cursor.execute(statement, params)
    vacuum_analyze()
