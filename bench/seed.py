"""Seeding, in bulk SQL, the rows `incident_create` and then `incident_acknowledge` would have
written, followed by the sweeps that fired the resolution clock's 50 % and 75 % warnings.

Per incident (see RESULTS.md, "Data shape"): an acknowledged incident whose number, priority
(impact x urgency matrix), service, group, assignee, reporter and escalation state are what the
services produce; a stopped (met) response clock; a running resolution clock with 50 % and 75 %
fired and `due_at = next_fire_at` at the requested instant; and four timeline entries (created,
acknowledged, 50 %, 75 %). `created_at` is placed so that the policy's resolution target ends at
`due_at` (the default policies are 24x7)."""

import json
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from catalog.models import Service
from core import roles
from core.models import Team
from core.priority import Priority
from incidents.models import Incident
from sla.escalations import snapshot
from sla.models import SlaTarget
from sla.selectors import escalation_policy_for, sla_policy_for

TEAM_SIZE = 3


@dataclass(frozen=True)
class Fixtures:
    service_ids: list[int]  # one per team, owned by the team's group
    group_ids: list[int]
    member_ids: list[int]  # TEAM_SIZE per team, team by team
    reporter_id: int
    manager_id: int


def seed_people(*, teams: int, email: bool) -> Fixtures:
    """Teams of three agents (group, Team with a lead, a service it owns), a reporter, a manager."""
    User = get_user_model()
    agent, manager_role = Group.objects.get(name=roles.AGENT), Group.objects.get(name=roles.MANAGER)

    def user(username: str, *groups: Group):
        created = User.objects.create(username=username, email=f"{username}@bench.invalid" if email else "")
        created.set_unusable_password()
        created.save(update_fields=["password"])
        created.groups.add(*groups)
        return created

    service_ids, group_ids, member_ids = [], [], []
    with transaction.atomic():
        for number in range(1, teams + 1):
            group = Group.objects.create(name=f"Bench team {number}")
            members = [user(f"bench-agent-{number}-{k}", agent, group) for k in range(1, TEAM_SIZE + 1)]
            Team.objects.create(group=group, lead=members[0])
            service = Service.objects.create(
                name=f"Bench service {number}", slug=f"bench-service-{number}", owning_group=group
            )
            service_ids.append(service.pk)
            group_ids.append(group.pk)
            member_ids += [member.pk for member in members]
        reporter = user("bench-reporter", agent)
        manager = user("bench-manager", manager_role)
    return Fixtures(service_ids, group_ids, member_ids, reporter.pk, manager.pk)


def _policy_rows() -> list[tuple]:
    """Per priority: default SLA policy, its targets, labels and the default escalation policy."""
    rows = []
    for priority in Priority:
        policy = sla_policy_for(process="incident", priority=priority, service=None)
        targets = {target.name: target for target in policy.targets.all()}
        response, resolution = targets["response"], targets["resolution"]
        escalation = escalation_policy_for(process="incident", priority=priority, service=None)
        rows.append(
            (
                int(priority),
                priority.label,
                response.pk,
                resolution.pk,
                response.duration,
                resolution.duration,
                str(resolution.duration),
                escalation and escalation.pk,
                json.dumps(snapshot(escalation) if escalation else []),
            )
        )
    return rows


def check_spread(*, latest_due_seconds: float) -> None:
    """Every seeded clock must have passed 75 % already: due_at - target/4 before seeding."""
    shortest = min(
        SlaTarget.objects.filter(
            policy__process="incident", policy__service=None, name="resolution"
        ).values_list("duration", flat=True)
    )
    if timedelta(seconds=latest_due_seconds) >= shortest / 4:
        raise SystemExit(
            f"Deadlines up to {latest_due_seconds:.0f} s ahead would put some clocks before their 75 % "
            f"warning (shortest resolution target {shortest}): lower BENCH_SPREAD_MINUTES."
        )


# The default policies per priority, as rows `pol` (see `policy_params`); shared with bench/http_seed.py.
POLICY_CTE = """pol(priority, label, response_target_id, resolution_target_id, response_target, resolution_target,
         target_text, esc_policy_id, esc_levels) AS (
    SELECT * FROM unnest(%(priority)s::int[], %(label)s::text[], %(response_id)s::bigint[],
                         %(resolution_id)s::bigint[], %(response)s::interval[], %(resolution)s::interval[],
                         %(target_text)s::text[], %(esc_policy_id)s::bigint[], %(esc_levels)s::jsonb[])
)"""

SEED_SQL = """
SELECT setseed(%(seed)s);
CREATE TEMP TABLE bench_seed ON COMMIT DROP AS
WITH {POLICY_CTE}, g AS (
    SELECT i, 1 + i %% 3 AS impact, 1 + (i / 3) %% 3 AS urgency,
           now() + make_interval(secs => %(due_from)s + random() * (%(due_to)s - %(due_from)s)) AS due_at
    FROM generate_series(0, %(count)s - 1) AS i
)
SELECT g.i, nextval(pg_get_serial_sequence('incidents_incident', 'id')) AS id, g.impact, g.urgency,
       pol.*, g.due_at, g.due_at - pol.resolution_target AS created_at,
       g.due_at - pol.resolution_target + pol.response_target / 4 AS acknowledged_at,
       (%(service_ids)s::bigint[])[1 + g.i %% %(teams)s] AS service_id,
       (%(group_ids)s::int[])[1 + g.i %% %(teams)s] AS group_id,
       (%(member_ids)s::int[])[1 + (g.i %% %(teams)s) * 3 + (g.i / %(teams)s) %% 3] AS assignee_id
FROM g JOIN pol ON pol.priority = least(g.impact + g.urgency - 1, 4)
ORDER BY g.i;

INSERT INTO incidents_incident (
    id, version, created_at, updated_at, number, title, description, impact, urgency, priority, source,
    status, acknowledged_at, resolution_code, resolution_notes, assignee_id, assignment_group_id,
    reporter_id, service_id)
SELECT s.id, 2, s.created_at, s.acknowledged_at, 'INC-' || lpad(s.id::text, greatest(6, length(s.id::text)), '0'),
       'Bench incident ' || s.i, '', s.impact, s.urgency, s.priority, 'web',
       'acknowledged', s.acknowledged_at, '', '', s.assignee_id, s.group_id,
       %(reporter_id)s, s.service_id
FROM bench_seed s
ORDER BY s.i;

INSERT INTO sla_escalation (
    content_type_id, object_id, policy_id, calendar_id, levels, level, elapsed, running_since, next_due_at,
    applied_at)
SELECT %(content_type_id)s, s.id, s.esc_policy_id, NULL, s.esc_levels, coalesce(fired.number, 0),
       interval '0', s.created_at, NULL, s.created_at
FROM bench_seed s
LEFT JOIN LATERAL (  -- due "not resolved" levels have fired, "not acknowledged" ones never apply (acknowledged)
    SELECT max(l.number) AS number FROM sla_escalationlevel l
    WHERE l.policy_id = s.esc_policy_id AND l.trigger = 'not_resolved' AND s.created_at + l.after <= now()
) fired ON true
WHERE s.esc_policy_id IS NOT NULL
ORDER BY s.i;

INSERT INTO sla_slaclock (
    content_type_id, object_id, target, policy_target_id, rules, calendar_id, target_duration, elapsed,
    running_since, stopped_at, half_at, at_risk_at, due_at, warned_50_at, warned_75_at, breached_at, next_fire_at)
SELECT %(content_type_id)s, s.id, c.target, c.target_id, c.rules, NULL, c.target_duration, c.elapsed,
       c.running_since, c.stopped_at, c.half_at, c.at_risk_at, c.due_at, c.half_at, c.at_risk_at, NULL, c.due_at
FROM bench_seed s CROSS JOIN LATERAL (VALUES
    (1, 'response', s.response_target_id, %(response_rules)s::jsonb, s.response_target, s.response_target / 4,
     NULL::timestamptz, s.acknowledged_at, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz),
    (2, 'resolution', s.resolution_target_id, %(resolution_rules)s::jsonb, s.resolution_target, interval '0',
     s.created_at, NULL, s.created_at + s.resolution_target / 2, s.created_at + s.resolution_target * 3 / 4,
     s.due_at)
) AS c(n, target, target_id, rules, target_duration, elapsed, running_since, stopped_at, half_at, at_risk_at,
       due_at)
ORDER BY s.i, c.n;

INSERT INTO core_timelineentry (
    content_type_id, object_id, kind, actor_id, created_at, from_state, to_state, field, old_value,
    new_value, note, visibility, data)
SELECT %(content_type_id)s, s.id, e.kind, e.actor_id, e.at, e.from_state, e.to_state, '', '', '', e.note,
       'public', e.data
FROM bench_seed s
CROSS JOIN LATERAL (SELECT to_char(s.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS due_text,
                           to_char(s.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00:00' AS due_iso) d
CROSS JOIN LATERAL (VALUES
    (1, 'created', %(reporter_id)s, s.created_at, '', 'new', 'Filed as ' || s.label || ' via Web.',
     jsonb_build_object('priority', s.priority, 'impact', s.impact, 'urgency', s.urgency)),
    (2, 'transition', s.assignee_id, s.acknowledged_at, 'new', 'acknowledged', '',
     jsonb_build_object('from', 'new', 'to', 'acknowledged', 'note', '', 'action', 'acknowledge')),
    (3, 'sla', NULL, s.created_at + s.resolution_target / 2, '', '',
     'Resolution SLA 50 %% elapsed (due ' || d.due_text || ' UTC; target ' || s.target_text || ').',
     jsonb_build_object('target', 'resolution', 'threshold', 'warning_50', 'due_at', d.due_iso)),
    (4, 'sla', NULL, s.created_at + s.resolution_target * 3 / 4, '', '',
     'Resolution SLA 75 %% elapsed (at risk) (due ' || d.due_text || ' UTC; target ' || s.target_text || ').',
     jsonb_build_object('target', 'resolution', 'threshold', 'warning_75', 'due_at', d.due_iso))
) AS e(n, kind, actor_id, at, from_state, to_state, note, data)
ORDER BY s.i, e.n;
""".replace("{POLICY_CTE}", POLICY_CTE)


def policy_params(fixtures: Fixtures) -> dict:
    """Query parameters of POLICY_CTE, the clocks' rules, the fixtures and the incident content type."""
    policies = list(zip(*_policy_rows(), strict=True))
    return {
        "priority": list(policies[0]),
        "label": list(policies[1]),
        "response_id": list(policies[2]),
        "resolution_id": list(policies[3]),
        "response": list(policies[4]),
        "resolution": list(policies[5]),
        "target_text": list(policies[6]),
        "esc_policy_id": list(policies[7]),
        "esc_levels": list(policies[8]),
        "response_rules": json.dumps(SlaTarget.objects.get(pk=policies[2][0]).rules),
        "resolution_rules": json.dumps(SlaTarget.objects.get(pk=policies[3][0]).rules),
        "teams": len(fixtures.service_ids),
        "service_ids": fixtures.service_ids,
        "group_ids": fixtures.group_ids,
        "member_ids": fixtures.member_ids,
        "reporter_id": fixtures.reporter_id,
        "content_type_id": ContentType.objects.get_for_model(Incident).pk,
    }


def run_statements(script: str, params: dict) -> None:
    """Run a `;\n`-separated SQL script in one transaction."""
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in script.split(";\n"):
            if statement.strip():
                cursor.execute(statement, params)


def seed_incidents(
    fixtures: Fixtures, *, count: int, due_from: float, due_to: float, seed: float = 0.42
) -> None:
    """`count` incidents whose resolution deadlines fall uniformly in [now + due_from, now + due_to] s."""
    params = {**policy_params(fixtures), "seed": seed, "count": count, "due_from": due_from, "due_to": due_to}
    run_statements(SEED_SQL, params)


def vacuum_analyze() -> None:
    with connection.cursor() as cursor:
        for table in ("incidents_incident", "sla_slaclock", "core_timelineentry"):
            cursor.execute(f"VACUUM ANALYZE {table}")
