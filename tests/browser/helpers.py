"""What several browser tests do alike."""

from urllib.parse import urlencode

from playwright.sync_api import Page


def sign_in(page: Page, base_url: str, username: str, landing: str = "/incidents/") -> None:
    """Sign in through the login form (demo password) and land on `landing` (path and query)."""
    page.goto(f"{base_url}/login/?{urlencode({'next': landing})}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("opsdesk")
    with page.expect_navigation():  # until the landing page has loaded: its scripts handle keys and clicks
        page.get_by_role("button", name="Sign in").click()
