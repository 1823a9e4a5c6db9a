"""Journeys through the real app in headless Chromium: sign-in, administration, lockout, refusal, logout."""
import re

import pytest
from helpers import PASSWORD

from core.auth import LOGIN_FAILED

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture then skips each test, or fails it in CI, saying why
    expect = None

pytestmark = pytest.mark.browser

ADMIN_LINKS = ["Users", "Organisations", "API tokens", "Audit log", "Deliveries"]


def log_in(page, email, password=PASSWORD):
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def nav_link(page, name):
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True)


def test_admin_creates_and_deactivates_a_user(pages, make_user, make_org):
    admin = make_user("admin")
    council = make_org("licensing", name="Northtown Council")
    page = pages.new()
    page.on("dialog", lambda dialog: dialog.accept())

    log_in(page, admin.email)
    expect(page.get_by_role("heading", name=f"Good to see you, {admin.name}")).to_be_visible()

    nav_link(page, "Users").click()
    page.get_by_role("link", name="New user").click()
    page.get_by_label("Name").fill("Priya Shah")
    page.get_by_label("Email").fill("priya.shah@example.org")
    page.get_by_label("Organisation").select_option(label="Northtown Council (Licensing authority)")
    page.get_by_label("Role").select_option(label="Licensing officer")
    page.get_by_label("Password").fill("a long enough password")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_have_text("Created an account for Priya Shah.")
    row = page.get_by_role("row").filter(has_text="priya.shah@example.org")
    expect(row).to_contain_text(council.name)
    expect(row).to_contain_text("Active")

    row.get_by_role("link", name="Priya Shah").click()
    expect(page.get_by_role("heading", name="Edit Priya Shah")).to_be_visible()
    page.get_by_role("button", name="Deactivate and end sessions").click()
    expect(page.get_by_role("alert")).to_have_text("Priya Shah is deactivated; their sessions have ended.")
    expect(page.get_by_role("button", name="Reactivate")).to_be_visible()

    nav_link(page, "Audit log").click()
    expect(page.locator("td code", has_text=re.compile(r"^user\.deactivate$"))).to_have_count(1)
    pages.finish(page, "admin_creates_and_deactivates_a_user")


def test_five_wrong_passwords_lock_the_account(pages, make_user):
    user = make_user("police")
    admin = make_user("admin")
    page = pages.new()

    for _ in range(5):
        log_in(page, user.email, "not the password")
        expect(page.get_by_role("alert")).to_have_text(LOGIN_FAILED)
    log_in(page, user.email)
    expect(page.get_by_role("alert")).to_have_text(LOGIN_FAILED)
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()

    admin_page = pages.new()
    log_in(admin_page, admin.email)
    nav_link(admin_page, "Users").click()
    row = admin_page.get_by_role("row").filter(has_text=user.email)
    expect(row).to_contain_text("Locked")
    row.get_by_role("link", name=user.name).click()
    expect(admin_page.get_by_text("Locked", exact=True)).to_be_visible()
    expect(admin_page.get_by_role("button", name="Unlock now")).to_be_visible()
    pages.finish(admin_page, "five_wrong_passwords_lock_the_account")


def test_partner_sees_no_admin_links_and_is_refused_admin_pages(pages, make_user):
    partner = make_user("partner")
    page = pages.new()

    log_in(page, partner.email)
    expect(page.get_by_role("heading", name=f"Good to see you, {partner.name}")).to_be_visible()
    expect(nav_link(page, "Home")).to_be_visible()
    for name in ADMIN_LINKS:
        expect(nav_link(page, name)).to_have_count(0)

    pages.expect_status("/admin/users", 403)
    response = page.goto("/admin/users")
    assert response.status == 403
    expect(page.get_by_role("heading")).to_have_text(re.compile("You do not have access"))
    pages.finish(page, "partner_sees_no_admin_links_and_is_refused_admin_pages")


def test_logout_ends_the_session_for_back_and_reload(pages, make_user):
    user = make_user("specialist")
    page = pages.new()
    log_in(page, user.email)
    expect(page.get_by_role("heading", name=f"Good to see you, {user.name}")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("alert")).to_have_text("You are logged out.")

    page.go_back()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=(/|%2F)$"))
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    pages.finish(page, "logout_ends_the_session_for_back_and_reload")
