"""Every page renders within the Content-Security-Policy, including the API docs (Swagger UI)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from medoffice.testing.personas import persona

from .flows import check_accessibility_basics, enroll_two_factor, open_sign_in, sign_in

pytestmark = pytest.mark.browser

# Pages the compliance officer (the role with the widest menu) can open, and their <h1>.
COMPLIANCE_PAGES = {
    "/": "Welcome, Connie",
    "/audit/": "Audit log",
    "/audit/emergency/": None,
    "/jobs/": None,
    "/accounts/profile/": "Connie Compliance",
    "/accounts/password/": "Change your password",
}


def test_api_docs_render_swagger_ui_without_csp_errors(page, console, screenshot):
    response = page.goto("/api/docs")
    assert response is not None and response.ok
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator("#swagger-ui .information-container .title")).to_contain_text(
        "MedOffice API"
    )
    # The operations come from the OpenAPI document the page fetched.
    expect(page.locator("#swagger-ui .opblock").first).to_be_visible()
    expect(page.locator("#swagger-ui .opblock-summary-path").first).to_contain_text("/api/")
    screenshot(page, "api-docs")
    assert console.csp_violations() == []
    assert console.page_errors == []


def test_app_pages_have_no_csp_violations_or_script_errors(page, console):
    persona("compliance")
    open_sign_in(page)
    sign_in(page, "compliance")
    enroll_two_factor(page)
    for path, heading in COMPLIANCE_PAGES.items():
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        if heading:
            expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert page.title().endswith("· MedOffice"), path
        check_accessibility_basics(page)
    response = page.goto("/no-such-page/")
    assert response is not None and response.status == 404
    check_accessibility_basics(page)
    assert console.csp_violations() == []
    assert console.page_errors == []
    assert [m for m in console.errors() if "404" not in m] == []
