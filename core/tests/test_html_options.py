"""Option lists written in Python: escaped as the template did it, the chosen ones selected."""

from core.html_options import option_tags


def test_options_escape_values_and_labels_and_select_the_chosen():
    html = option_tags([(1, "Payments & <EU>"), (2, 'The "core" API'), (3, "Search")], {"2", "3"})
    assert html == (
        '<option value="1">Payments &amp; &lt;EU&gt;</option>'
        '<option value="2" selected>The &quot;core&quot; API</option>'
        '<option value="3" selected>Search</option>'
    )


def test_no_choices_no_options():
    assert option_tags([]) == ""
