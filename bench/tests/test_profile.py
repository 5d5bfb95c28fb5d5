"""`python -m bench profile` explains the statement itself, without what Django and pghistory put before it."""

from bench.profile import PREFIX


def test_the_audit_context_and_a_server_side_cursor_are_stripped_before_explaining():
    audited = (
        "SELECT set_config('pghistory.context_id', 'a1', true), "
        "set_config('pghistory.context_metadata', '{\"user\": 32}', true); UPDATE t SET a = 1"
    )
    assert PREFIX.sub("", audited) == "UPDATE t SET a = 1"
    cursor = 'DECLARE "_django_curs_1_sync_9" NO SCROLL CURSOR WITH HOLD FOR (SELECT 1) UNION ALL (SELECT 2)'
    assert PREFIX.sub("", cursor) == "(SELECT 1) UNION ALL (SELECT 2)"
    assert PREFIX.sub("", "SELECT 1") == "SELECT 1"
