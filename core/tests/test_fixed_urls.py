"""The header's links: reversed once, right under a script prefix, and left out when unknown."""

from django.template import Context, Template
from django.urls import clear_script_prefix, set_script_prefix

LINKS = Template(
    '{% load fixed_urls %}{% fixed_url "incidents:queue" %}|{% fixed_url "no:such" as gone %}[{{ gone }}]'
)


def test_a_known_name_gives_its_path_and_an_unknown_one_nothing():
    assert LINKS.render(Context()) == "/incidents/|[]"


def test_a_deployment_under_a_prefix_gets_prefixed_links():
    set_script_prefix("/desk/")
    try:
        assert LINKS.render(Context()) == "/desk/incidents/|[]"
    finally:
        clear_script_prefix()
    assert LINKS.render(Context()) == "/incidents/|[]"
