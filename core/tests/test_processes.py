"""The process registry: processes register themselves; unknown keys are refused by name."""

import pytest
from django.core.exceptions import ValidationError

from core.processes import CREATE, Process, default_process, get_process, register_process, unregister_process


def test_the_incident_process_registers_itself_as_the_default():
    incident = get_process("incident")
    assert incident.default and default_process() == incident
    assert incident.actions[0] == CREATE and "acknowledge" in incident.actions


def test_an_unknown_process_is_refused_naming_the_known_ones():
    register_process(Process("problem", "Problem", transitions=("investigate",)))
    try:
        with pytest.raises(ValidationError, match="Known processes: change, incident, problem"):
            get_process("release")
        assert get_process("problem").actions == (CREATE, "investigate")
    finally:
        unregister_process("problem")
