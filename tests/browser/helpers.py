"""What several browser tests do alike."""

from contextlib import contextmanager
from urllib.parse import urlencode

from playwright.sync_api import Page


def sign_in(page: Page, base_url: str, username: str, landing: str = "/incidents/") -> None:
    """Sign in through the login form (demo password) and land on `landing` (path and query)."""
    page.goto(f"{base_url}/login/?{urlencode({'next': landing})}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("opsdesk")
    with page.expect_navigation():  # until the landing page has loaded: its scripts handle keys and clicks
        page.get_by_role("button", name="Sign in").click()


@contextmanager
def htmx_settled(page: Page, within: str):
    """Until an htmx swap into the element `within` (a CSS selector) that the block's actions start
    has settled. htmx wires up the swapped-in content's own triggers (a picker's typing, a form's
    hx-post) only then, a few milliseconds after it appears, and a test that types sooner than any
    person could goes unheard. Swaps elsewhere (the page's own lazy parts) do not count."""
    page.evaluate(
        """(within) => {
            window.opsdeskSettled = false;
            const settled = (event) => {
                if (!event.target.closest(within)) return;
                window.opsdeskSettled = true;
                document.body.removeEventListener("htmx:afterSettle", settled);
            };
            document.body.addEventListener("htmx:afterSettle", settled);
        }""",
        within,
    )
    yield
    page.wait_for_function("() => window.opsdeskSettled === true")
