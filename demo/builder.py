"""Demo data for `make run` / `manage.py load_demo`: users for every role, a small service catalog,
90 days of incident history (demo/history.py) and a showcase of incidents in several states, a
standard change template, change requests at several steps and a freeze window on the change
calendar; then the SLA dashboard's roll-up is refreshed. Idempotent: existing records are kept as
they are, never duplicated.

Incidents are filed and worked only through incidents.services (the showcase as the `agent` user,
the history as the agents of each team, at the instants of the story), so they get numbers,
priorities, SLA clocks and timelines exactly as real ones do. Services belong to the "Service Desk"
team (agent, alice, bob and manager; lead: manager), which escalates to the "Platform team"
(carol, dave and manager)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from catalog.models import ConfigurationItem, Criticality, Service
from changes import catalogue
from changes import services as change_services
from changes.freeze import freeze_window_create
from changes.models import Change, ChangeTemplate, FreezeWindow
from core import roles
from core.models import Team, TimelineEntry
from incidents import services as incident_services
from incidents.models import Incident, Level, ResolutionCode, Source
from reports.rollup import sla_rollup_refresh

from . import history

DEMO_PASSWORD = "opsdesk"

# username → (role group or None, extra user flags)
DEMO_USERS: dict[str, tuple[str | None, dict]] = {
    "admin": (None, {"is_superuser": True, "is_staff": True}),
    "agent": (roles.AGENT, {}),
    "lead": (roles.CAB_TECH_LEAD, {}),
    "owner": (roles.CAB_PRODUCT_OWNER, {}),
    "opsmgr": (roles.CAB_OPS_MANAGER, {}),
    "chgmgr": (roles.CHANGE_MANAGER, {"is_staff": True}),
    "manager": (roles.MANAGER, {"is_staff": True}),
    "viewer": (roles.VIEWER, {}),
    # the agents who worked the incidents of the last 90 days (demo/history.py)
    "alice": (roles.AGENT, {}),
    "bob": (roles.AGENT, {}),
    "carol": (roles.AGENT, {}),
    "dave": (roles.AGENT, {}),
}

# slug → (name, criticality, description, [(ci name, kind)])
SERVICES = {
    "payments": (
        "Payments",
        Criticality.CRITICAL,
        "Card and wallet payments for every storefront.",
        [("pay-api", ConfigurationItem.Kind.APPLICATION), ("pay-db-1", ConfigurationItem.Kind.DATABASE)],
    ),
    "checkout-web": (
        "Checkout web",
        Criticality.HIGH,
        "The customer-facing checkout pages.",
        [
            ("checkout-web", ConfigurationItem.Kind.APPLICATION),
            ("checkout-cdn", ConfigurationItem.Kind.CLOUD_SERVICE),
        ],
    ),
    "identity-sso": (
        "Identity / SSO",
        Criticality.CRITICAL,
        "Single sign-on for staff and customers.",
        [("sso-idp", ConfigurationItem.Kind.APPLICATION), ("sso-db", ConfigurationItem.Kind.DATABASE)],
    ),
    "data-warehouse": (
        "Data warehouse",
        Criticality.MEDIUM,
        "Nightly loads and reporting.",
        [("dwh-etl", ConfigurationItem.Kind.VIRTUAL_MACHINE), ("dwh-db", ConfigurationItem.Kind.DATABASE)],
    ),
    "corporate-network": (
        "Corporate network",
        Criticality.HIGH,
        "Office LAN, core switching and VPN.",
        [("core-switch-1", ConfigurationItem.Kind.NETWORK), ("vpn-gw-1", ConfigurationItem.Kind.NETWORK)],
    ),
    "team-wiki": (
        "Team wiki",
        Criticality.LOW,
        "Internal documentation.",
        [("wiki-app", ConfigurationItem.Kind.CONTAINER)],
    ),
}

# CI → the CIs it depends on
DEPENDS_ON = {
    "pay-api": ["pay-db-1", "sso-idp", "core-switch-1"],
    "checkout-web": ["pay-api", "sso-idp", "checkout-cdn"],
    "sso-idp": ["sso-db"],
    "dwh-etl": ["dwh-db", "pay-db-1"],
    "vpn-gw-1": ["core-switch-1"],
    "wiki-app": ["sso-idp"],
}


@dataclass(frozen=True)
class DemoIncident:
    title: str
    service: str  # slug
    ci: str | None
    impact: int
    urgency: int
    # Steps after filing: ("transition", action, params) / ("comment", body, visibility) /
    # ("update", {field: value})
    steps: tuple = ()
    description: str = ""
    source: str = Source.WEB
    assign_to_agent: bool = True


def _resolve(code: str, notes: str) -> tuple:
    return ("transition", "resolve", {"resolution_code": code, "resolution_notes": notes})


INCIDENTS = (
    DemoIncident(
        "Card payments fail with 502 at checkout",
        "payments",
        "pay-api",
        Level.HIGH,
        Level.HIGH,
        steps=(
            ("transition", "acknowledge", {}),
            ("transition", "start", {}),
            ("comment", "pay-api pods restart in a loop since the 09:40 deploy.", "internal"),
            ("comment", "We are investigating failed card payments.", "public"),
        ),
        description="About 40% of card payments return 502 Bad Gateway.",
        source=Source.ALERT,
    ),
    DemoIncident(
        "pay-db-1 replication lag above 5 minutes",
        "payments",
        "pay-db-1",
        Level.LOW,
        Level.MEDIUM,
        steps=(
            ("transition", "acknowledge", {}),
            ("update", {"impact": Level.MEDIUM}),
            ("comment", "Reports read from the replica are stale too.", "internal"),
        ),
    ),
    DemoIncident(
        "SSO login loops back to the sign-in page",
        "identity-sso",
        "sso-idp",
        Level.HIGH,
        Level.MEDIUM,
        description="Several users in the Berlin office cannot sign in.",
        assign_to_agent=False,
    ),
    DemoIncident(
        "Nightly warehouse load did not finish",
        "data-warehouse",
        "dwh-etl",
        Level.LOW,
        Level.MEDIUM,
        steps=(
            ("transition", "acknowledge", {}),
            ("transition", "start", {}),
            ("comment", "Waiting for the vendor to extend the ETL licence.", "public"),
            ("transition", "hold", {"hold_reason": "awaiting_vendor"}),
        ),
    ),
    DemoIncident(
        "VPN disconnects every 30 minutes",
        "corporate-network",
        "vpn-gw-1",
        Level.MEDIUM,
        Level.HIGH,
        steps=(
            ("transition", "acknowledge", {}),
            ("transition", "start", {}),
            _resolve(ResolutionCode.WORKAROUND, "Raised the idle timeout on vpn-gw-1 to 8 hours."),
        ),
    ),
    DemoIncident(
        "Checkout page slow in the EU region",
        "checkout-web",
        "checkout-cdn",
        Level.MEDIUM,
        Level.MEDIUM,
        steps=(
            ("transition", "acknowledge", {}),
            ("transition", "start", {}),
            _resolve(ResolutionCode.FIXED, "Purged the CDN cache and fixed the EU origin route."),
            ("transition", "close", {}),
        ),
    ),
    DemoIncident(
        "Duplicate alert: pay-api latency",
        "payments",
        "pay-api",
        Level.LOW,
        Level.LOW,
        steps=(("transition", "cancel", {"note": "Duplicate of the card payments incident."}),),
        source=Source.ALERT,
        assign_to_agent=False,
    ),
    DemoIncident(
        "Password reset emails arrive late",
        "identity-sso",
        None,
        Level.LOW,
        Level.MEDIUM,
        assign_to_agent=False,
    ),
    DemoIncident(
        "Core switch port flapping",
        "corporate-network",
        "core-switch-1",
        Level.MEDIUM,
        Level.LOW,
        steps=(
            ("transition", "acknowledge", {}),
            ("transition", "start", {}),
            _resolve(ResolutionCode.FIXED, "Replaced the SFP module on port 24."),
            ("transition", "reopen", {"note": "The port flapped again this morning."}),
        ),
    ),
    DemoIncident(
        "Wiki search returns no results",
        "team-wiki",
        "wiki-app",
        Level.LOW,
        Level.LOW,
        steps=(
            ("transition", "acknowledge", {}),
            ("comment", "Search index rebuild is scheduled for tonight.", "public"),
        ),
    ),
)


@dataclass
class Summary:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, created: bool = True, count: int = 1) -> None:
        if created and count:
            self.created[kind] = self.created.get(kind, 0) + count

    def __str__(self) -> str:
        if not self.created:
            return "Demo data already present; nothing created."
        return "Created " + ", ".join(f"{n} {kind}" for kind, n in self.created.items()) + "."


def load_users(summary: Summary) -> dict:
    User = get_user_model()
    users, hashed = {}, ""
    for username, (role, flags) in DEMO_USERS.items():
        user, created = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.com", **flags}
        )
        changed = [name for name, value in flags.items() if getattr(user, name) != value]
        for name in changed:
            setattr(user, name, flags[name])
        if created or not user.has_usable_password():
            user.password = hashed or (hashed := make_password(DEMO_PASSWORD))  # hashed once: seconds saved
            changed.append("password")
        if changed:
            user.save(update_fields=changed)
        if role and not user.groups.filter(name=role).exists():
            user.groups.add(Group.objects.get(name=role))
        if created:
            summary.add("users")
        users[username] = user
    return users


SERVICE_DESK, PLATFORM_TEAM = "Service Desk", "Platform team"
# team → (members, lead, escalates to)
TEAMS = {
    PLATFORM_TEAM: (["manager", "carol", "dave"], "manager", None),
    SERVICE_DESK: (["agent", "manager", "alice", "bob"], "manager", PLATFORM_TEAM),
}
# team → who worked its incidents in the demo's history (they file and work them, so a history is
# present once any incident of theirs exists)
HISTORY_AGENTS = {SERVICE_DESK: ["agent", "alice", "bob"], PLATFORM_TEAM: ["carol", "dave"]}
HISTORY_MARKERS = ("alice", "bob", "carol", "dave")


def load_teams(summary: Summary, users: dict) -> None:
    for name, (members, lead, escalates_to) in TEAMS.items():
        group, created = Group.objects.get_or_create(name=name)
        summary.add("teams", created)
        group.user_set.add(*(users[username] for username in members))
        Team.objects.get_or_create(
            group=group,
            defaults={
                "lead": users[lead],
                "escalation_group": Group.objects.get(name=escalates_to) if escalates_to else None,
            },
        )


def load_catalog(summary: Summary) -> dict[str, Service]:
    agents = Group.objects.get(name=SERVICE_DESK)
    services = {}
    for slug, (name, criticality, description, cis) in SERVICES.items():
        service, created = Service.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "criticality": criticality,
                "description": description,
                "owning_group": agents,
            },
        )
        summary.add("services", created)
        for ci_name, kind in cis:
            _, created = ConfigurationItem.objects.get_or_create(
                name=ci_name, defaults={"kind": kind, "service": service}
            )
            summary.add("configuration items", created)
        services[slug] = service
    for ci_name, targets in DEPENDS_ON.items():
        ConfigurationItem.objects.get(name=ci_name).depends_on.add(
            *ConfigurationItem.objects.filter(name__in=targets)
        )
    return services


def load_incidents(summary: Summary, *, actor, services: dict[str, Service]) -> None:
    agents = Group.objects.get(name=SERVICE_DESK)
    for spec in INCIDENTS:
        if Incident.objects.filter(title=spec.title).exists():
            continue
        service = services[spec.service]
        incident = incident_services.incident_create(
            actor=actor,
            title=spec.title,
            description=spec.description,
            service=service,
            ci=ConfigurationItem.objects.get(name=spec.ci) if spec.ci else None,
            impact=spec.impact,
            urgency=spec.urgency,
            assignment_group=agents,
            assignee=actor if spec.assign_to_agent else None,
            source=spec.source,
        )
        for step in spec.steps:
            if step[0] == "transition":
                _, action, params = step
                incident = incident_services.incident_transition(
                    incident=incident, actor=actor, action=action, **params
                )
            elif step[0] == "comment":
                _, body, visibility = step
                incident_services.incident_comment_add(
                    incident=incident, actor=actor, body=body, visibility=TimelineEntry.Visibility(visibility)
                )
            elif step[0] == "update":
                incident = incident_services.incident_update(incident=incident, actor=actor, **step[1])
        summary.add("incidents")


STANDARD_TEMPLATE = dict(
    name="Rotate the checkout TLS certificate",
    description="Yearly certificate renewal on the checkout CDN: routine, low risk, pre-approved.",
    title="Rotate the TLS certificate of checkout-cdn",
    implementation_plan="Upload the renewed certificate to the CDN and switch the edge configuration to it.",
    rollback_plan="Switch the edge configuration back to the previous certificate (kept for 30 days).",
    test_plan="openssl s_client against every edge; synthetic checkout run.",
)
STANDARD_TASKS = (
    {"title": "Upload the renewed certificate", "instructions": "CDN console → Certificates → Upload."},
    {"title": "Switch the edge configuration", "instructions": "Apply the prepared change set."},
    {"title": "Verify the handshake on every edge"},
)
PLANS = {
    "implementation_plan": "1. Take a base backup. 2. Fail over to the replica. 3. Upgrade. 4. Fail back.",
    "rollback_plan": "Fail back to the untouched replica; restore from the base backup if needed.",
    "test_plan": "Rehearsed on staging last week; run the payment smoke suite after each step.",
}
# A global freeze window from two to four days after the demo is loaded: scheduling a normal change
# into it is refused; the planned windows below are after it.
FREEZE = dict(
    name="Quarter-end freeze",
    reason="Finance closes the quarter: no changes to production.",
    starts_in=timedelta(days=2),
    lasts=timedelta(days=2),
)
# title → (fields, steps after filing: "submit"); `window`: (days from today, hour, hours long)
DEMO_CHANGES = {
    "Upgrade pay-db-1 to PostgreSQL 16": (
        dict(cis=["pay-db-1"], services=["payments"], outage_required=True, rollback_complexity="complex",
             justification="PostgreSQL 12 is out of support.", window=(7, 22, 2), **PLANS),
        ("submit",),
    ),
    "Raise the wiki attachment size limit": (
        dict(cis=["wiki-app"], services=["team-wiki"], window=(6, 10, 1),
             implementation_plan="Set MAX_UPLOAD=100M in the wiki config and restart the container.",
             rollback_plan="Revert the config value and restart.", test_plan="Upload a 60 MB file."),
        ("submit",),
    ),
    "Replace the VPN gateway firmware": (
        dict(cis=["vpn-gw-1"], services=["corporate-network"], testing="partial",
             implementation_plan="Flash firmware 9.4 during the Saturday window."),
        (),
    ),
}  # fmt: skip


def _today() -> datetime:
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


def _window(days: int, hour: int, hours: int) -> dict:
    start = _today() + timedelta(days=days, hours=hour)
    return {"planned_start": start, "planned_end": start + timedelta(hours=hours)}


def load_freeze_window(summary: Summary, *, users: dict) -> None:
    """The change calendar's freeze window (by the change manager), unless one of that name exists."""
    if FreezeWindow.objects.filter(name=FREEZE["name"]).exists():
        return
    starts_at = _today() + FREEZE["starts_in"]
    freeze_window_create(
        actor=users["chgmgr"],
        name=FREEZE["name"],
        reason=FREEZE["reason"],
        starts_at=starts_at,
        ends_at=starts_at + FREEZE["lasts"],
    )
    summary.add("freeze windows")


def load_changes(summary: Summary, *, users: dict) -> None:
    """A standard change template with tasks (by chgmgr) and changes filed by agent: a high-risk one
    waiting for the change manager's assessment, a low-risk one awaiting the CAB, a draft, and a
    standard change pre-approved from the template."""
    template = ChangeTemplate.objects.filter(name=STANDARD_TEMPLATE["name"]).first()
    if template is None:
        template = catalogue.template_create(
            actor=users["chgmgr"],
            services=list(Service.objects.filter(slug="checkout-web")),
            cis=list(ConfigurationItem.objects.filter(name="checkout-cdn")),
            tasks=STANDARD_TASKS,
            **STANDARD_TEMPLATE,
        )
        summary.add("change templates")
    agent = users["agent"]
    for title, (fields, steps) in DEMO_CHANGES.items():
        if Change.objects.filter(title=title).exists():
            continue
        fields = dict(fields)
        fields["cis"] = list(ConfigurationItem.objects.filter(name__in=fields["cis"]))
        fields["services"] = list(Service.objects.filter(slug__in=fields["services"]))
        if "window" in fields:
            fields.update(_window(*fields.pop("window")))
        change = change_services.change_create(actor=agent, title=title, implementer=agent, **fields)
        if "submit" in steps:
            change_services.change_submit(change=change, actor=agent)
        summary.add("changes")
    if not Change.objects.filter(template=template).exists():
        change = change_services.change_create(actor=agent, template=template, implementer=agent)
        change_services.change_submit(change=change, actor=agent)
        summary.add("changes")


def load_incident_history(summary: Summary, *, users: dict, services: dict[str, Service]) -> None:
    """Ninety days of incidents (demo/history.py), once: skipped when its agents filed any incident."""
    if Incident.objects.filter(reporter__username__in=HISTORY_MARKERS).exists():
        return
    filed = history.load_history(
        users=users,
        services=services,
        cis={ci.name: ci for ci in ConfigurationItem.objects.all()},
        groups={name: Group.objects.get(name=name) for name in HISTORY_AGENTS},
        members=HISTORY_AGENTS,
    )
    summary.add("incidents of the last 90 days", count=filed)


@transaction.atomic
def load_demo() -> Summary:
    """Create whatever demo data is missing; returns what was created. The SLA dashboard's roll-up is
    refreshed at the end (as the hourly task would), so its figures include the history at once."""
    summary = Summary()
    users = load_users(summary)
    load_teams(summary, users)
    services = load_catalog(summary)
    load_incident_history(summary, users=users, services=services)
    load_incidents(summary, actor=users["agent"], services=services)
    load_freeze_window(summary, users=users)
    load_changes(summary, users=users)
    if summary.created:
        sla_rollup_refresh()
    return summary


def logins() -> list[tuple[str, str, str]]:
    """(username, password, role) rows for the banner `make run` prints."""
    return [(username, DEMO_PASSWORD, role or "superuser") for username, (role, _flags) in DEMO_USERS.items()]
