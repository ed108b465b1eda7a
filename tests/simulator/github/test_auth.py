"""Who may call what: token kinds and grants, revocation, hidden and wrong organisations, the
API version header, and GitHub's error body."""

from __future__ import annotations

import json

import pytest

from pumpview.simulator.github import (
    DEMO_GITHUB_FINE_TOKEN,
    DEMO_GITHUB_TOKEN,
    GitHubConfig,
    Permission,
    Scope,
    TokenGrant,
    create_github_simulator,
)
from pumpview.simulator.server import serve_in_thread
from tests.simulator.github.conftest import NOW_MS, Clock, Served

BILLING = "/organizations/acme/settings/billing/ai_credit/usage?year=2026&month=11"
PREMIUM = "/organizations/acme/settings/billing/premium_request/usage?year=2026&month=5"
SEATS = "/orgs/acme/copilot/billing/seats"
SUMMARY = "/orgs/acme/copilot/billing"
REPORT = "/orgs/acme/copilot/metrics/reports/users-1-day?day=2026-12-01"
DOCS = "https://docs.github.com/rest"

READ_ORG_ONLY = "ghp_" + "r" * 36
MEMBER = "ghp_" + "m" * 36
INSTALLATION = "ghs_" + "i" * 36
APP_USER = "ghu_" + "u" * 36
ADMIN_FINE = "github_pat_" + "a" * 82
TOKENS = {
    DEMO_GITHUB_TOKEN: TokenGrant(scopes=frozenset({Scope.MANAGE_BILLING_COPILOT, Scope.READ_ORG})),
    DEMO_GITHUB_FINE_TOKEN: TokenGrant(
        permissions=frozenset({Permission.COPILOT_BUSINESS, Permission.COPILOT_METRICS})
    ),
    READ_ORG_ONLY: TokenGrant(scopes=frozenset({Scope.READ_ORG})),
    MEMBER: TokenGrant(
        scopes=frozenset({Scope.MANAGE_BILLING_COPILOT, Scope.READ_ORG}), org_admin=False
    ),
    INSTALLATION: TokenGrant(permissions=frozenset({Permission.ADMINISTRATION}), org_admin=False),
    APP_USER: TokenGrant(permissions=frozenset({Permission.COPILOT_METRICS})),
    ADMIN_FINE: TokenGrant(permissions=frozenset({Permission.ADMINISTRATION})),
}


@pytest.fixture(scope="module")
def org():
    """A small organisation knowing every kind of token above; nothing here revokes."""
    app = create_github_simulator(
        GitHubConfig(members=8, days=200, now_ms=NOW_MS, tokens=TOKENS, clock=Clock())
    )
    with serve_in_thread(app) as url:
        yield Served(url, app.state.sim)


def answer(response):
    return response.status_code, json.loads(response.text)


def test_classic_token_with_both_scopes_reads_every_endpoint(org):
    """The demo's classic token (manage_billing:copilot, read:org) reads billing usage, seats,
    the summary and the reports."""
    with org.client() as client:
        statuses = [client.get(p).status_code for p in (BILLING, PREMIUM, SEATS, SUMMARY, REPORT)]
    assert statuses == [200] * 5


@pytest.mark.parametrize("scheme", ["Bearer", "token", "bearer"])
def test_both_authorization_schemes_are_accepted(org, scheme):
    """``Authorization: Bearer <t>`` and ``token <t>`` are both accepted."""
    with org.client(scheme=scheme) as client:
        assert client.get(SEATS).status_code == 200


def test_missing_authorization_is_401_requires_authentication(org):
    """No token: 401 with GitHub's body, ``status`` a string."""
    with org.client(token=None) as client:
        assert answer(client.get(SEATS)) == (
            401,
            {"message": "Requires authentication", "documentation_url": DOCS, "status": "401"},
        )


def test_unknown_token_is_401_bad_credentials(org):
    """A token the organisation does not know: 401 "Bad credentials" (the captured body)."""
    with org.client(token="ghp_" + "x" * 36) as client:
        assert answer(client.get(SEATS)) == (
            401,
            {"message": "Bad credentials", "documentation_url": DOCS, "status": "401"},
        )


def test_fine_grained_token_without_administration_is_403_on_billing_usage(org):
    """The demo fine-grained token lacks "Administration": billing usage answers 403 naming the
    permission in ``X-Accepted-GitHub-Permissions``."""
    with org.client(token=DEMO_GITHUB_FINE_TOKEN) as client:
        response = client.get(BILLING)
    assert answer(response) == (
        403,
        {
            "message": "Resource not accessible by personal access token",
            "documentation_url": "https://docs.github.com/rest/billing/usage",
            "status": "403",
        },
    )
    assert response.headers["X-Accepted-GitHub-Permissions"] == "organization_administration=read"


def test_fine_grained_token_reads_seats_and_reports(org):
    """The same token has the Copilot seat and metrics permissions: 200 on those."""
    with org.client(token=DEMO_GITHUB_FINE_TOKEN) as client:
        assert [client.get(p).status_code for p in (SEATS, SUMMARY, REPORT)] == [200] * 3


def test_fine_grained_administration_reads_billing_and_seats_not_reports(org):
    """ "Administration" grants billing usage and seats; the reports need their own permission."""
    with org.client(token=ADMIN_FINE) as client:
        statuses = [client.get(p).status_code for p in (BILLING, SEATS, REPORT)]
        denied = client.get(REPORT).headers["X-Accepted-GitHub-Permissions"]
    assert statuses == [200, 200, 403]
    assert denied == "organization_copilot_metrics=read"


def test_classic_token_without_billing_scope_is_403_naming_the_scope(org):
    """A classic token with read:org only reads seats and reports, but billing usage answers
    403 with the granted and accepted OAuth scopes."""
    with org.client(token=READ_ORG_ONLY) as client:
        statuses = [client.get(p).status_code for p in (SEATS, REPORT)]
        response = client.get(BILLING)
    assert statuses == [200, 200]
    assert response.status_code == 403
    assert (
        json.loads(response.text)["message"] == "Resource not accessible by personal access token"
    )
    assert response.headers["X-OAuth-Scopes"] == "read:org"
    assert response.headers["X-Accepted-OAuth-Scopes"] == "manage_billing:copilot"


def test_token_of_a_member_who_is_no_owner_gets_404_on_org_paths(org):
    """GitHub hides an org from a caller who may not administer it: 404, not 403."""
    with org.client(token=MEMBER) as client:
        results = [answer(client.get(p)) for p in (BILLING, SEATS, REPORT)]
    assert (
        results == [(404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"})] * 3
    )


def test_installation_token_needs_no_owner_and_says_integration(org):
    """A ``ghs_`` installation token has no user: its Administration permission reads billing;
    a missing permission says "integration"."""
    with org.client(token=INSTALLATION) as client:
        ok = client.get(BILLING).status_code
        denied = answer(client.get(REPORT))
    assert ok == 200
    assert denied[0] == 403
    assert denied[1]["message"] == "Resource not accessible by integration"


def test_app_user_token_reads_reports_only(org):
    """A ``ghu_`` token with the metrics permission reads reports and is refused seats."""
    with org.client(token=APP_USER) as client:
        assert [client.get(p).status_code for p in (REPORT, SEATS)] == [200, 403]


@pytest.mark.parametrize("path", [BILLING.replace("acme", "other"), "/orgs/other/copilot/billing"])
def test_another_organisation_is_404(org, path):
    """Paths naming an organisation other than the token's are answered 404."""
    with org.client() as client:
        assert client.get(path).status_code == 404


def test_organisation_name_is_case_insensitive(org):
    """``/orgs/ACME/...`` is the same organisation as ``/orgs/acme/...``."""
    with org.client() as client:
        assert client.get(SEATS.replace("acme", "ACME")).status_code == 200


def test_billing_usage_under_orgs_prefix_is_404(org):
    """Billing usage lives under ``/organizations/{org}``; ``/orgs/{org}/settings/...`` is 404."""
    with org.client() as client:
        path = "/orgs/acme/settings/billing/ai_credit/usage?year=2026&month=11"
        assert answer(client.get(path))[0] == 404


@pytest.mark.parametrize("version", ["2022-11-28", "2026-03-10", ""])
def test_known_api_versions_and_none_are_accepted(org, version):
    """Both published versions are accepted; without the header the default is used."""
    with org.client(**{"X-GitHub-Api-Version": version}) as client:
        response = client.get(SEATS)
    assert response.status_code == 200
    assert response.headers["x-github-api-version-selected"] == (version or "2022-11-28")


def test_unknown_api_version_is_410_gone(org):
    """A version GitHub does not support is answered 410 Gone."""
    with org.client(**{"X-GitHub-Api-Version": "2021-01-01"}) as client:
        status, body = answer(client.get(SEATS))
    assert status == 410
    assert body["status"] == "410"


def test_revoked_token_is_401_from_then_on(serve):
    """After ``sim.revoke`` the token is answered 401 "Bad credentials"."""
    served = serve(members=6, days=10)
    with served.client() as client:
        before = client.get(SEATS).status_code
        served.sim.revoke(DEMO_GITHUB_TOKEN)
        after = answer(client.get(SEATS))
    assert before == 200
    assert after == (
        401,
        {"message": "Bad credentials", "documentation_url": DOCS, "status": "401"},
    )


def test_revoke_control_route_needs_no_token(serve):
    """``POST /_simulator/revoke {"token": ...}`` revokes the named token."""
    served = serve(members=6, days=10)
    with served.client(token=None) as control:
        assert (
            control.post("/_simulator/revoke", json={"token": DEMO_GITHUB_TOKEN}).status_code == 200
        )
    with served.client() as client:
        assert client.get(SEATS).status_code == 401
