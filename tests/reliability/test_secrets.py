"""No secret in any message or log: OAuth round trips through every error branch and tool
calls against failing Google answers, in-process (``secret_guard``) and in the plugin process
(its stdout/stderr). Also the callback refusals the unit tests do not cover."""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from dify_plugin.errors.tool import ToolProviderOAuthError
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from devkit import plugin_process
from devkit.fakegoogle import GMAIL_MODIFY, GMAIL_READONLY, FakeGoogle, FaultPlan
from devkit.plugin_process import PluginProcess
from gmail_core import dify, oauth
from provider.gmail import GmailProvider
from tests.conftest import SecretGuard, secrets_in
from tests.reliability import TOOL_NAMES, Run, every_tool_call, fast_retries, fill, invoke, use_fake

REDIRECT = "https://dify.example.com/console/api/oauth/plugin/inboxworks/gmail/gmail/tool/callback"
CLIENT_ID = "cid-secrets.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-secret-9f8e7d6c5b4a"
SYSTEM = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
CLIENT = oauth.ClientConfig(CLIENT_ID, CLIENT_SECRET)
ACCESS = "ya29.a0-ACCESS-5ecret-token-1"
REFRESH = "1//0g-REFRESH-5ecret-token-1"
CODE = "4/0AVG-CODE-5ecret-1"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGoogle]:
    with FakeGoogle(seed=51) as server:
        server.oauth.client_id = CLIENT_ID
        server.oauth.client_secret = CLIENT_SECRET
        server.oauth.redirect_uri = REDIRECT
        use_fake(monkeypatch, server, budget=20)
        fast_retries(monkeypatch)
        monkeypatch.setattr(time, "sleep", lambda _s: None)  # refresh backoff
        yield server


def callback_request(**query: str) -> Request:
    env = EnvironBuilder(
        path=urlparse(REDIRECT).path,
        query_string=query,
        headers={"Cookie": "session=cookie-5ecret"},
    ).get_environ()
    return Request(env)


def authorize(guard: SecretGuard, client: dict[str, str] = SYSTEM) -> dict[str, str]:
    url = guard.call(GmailProvider()._oauth_get_authorization_url, REDIRECT, client)
    query = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
    cfg = oauth.ClientConfig(client["client_id"], client["client_secret"])
    guard.add(oauth.code_verifier(cfg, query["state"]))  # the PKCE verifier never travels
    return query


def connect(guard: SecretGuard, **query: str) -> Any:
    return guard.call(
        GmailProvider()._oauth_get_credentials, REDIRECT, SYSTEM, callback_request(**query)
    )


def refused(guard: SecretGuard, fn: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(ToolProviderOAuthError) as info:
        guard.call(fn, *args, **kwargs)
    return str(info.value)


def test_guard_catches_a_leak(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    guard = SecretGuard(caplog)
    guard.add("s3cr3t-value")
    logging.getLogger("gmail_core.test").debug("token=%s", "s3cr3t-value")
    assert guard.leaks()
    caplog.clear()
    guard.record(ValueError("x s3cr3t-value"))
    assert guard.leaks()


def test_suite_wide_check_knows_every_credential_the_fake_issues() -> None:
    with FakeGoogle(seed=52) as fake:
        fake.add_mailbox("tok-plain-shape")
        fake.oauth.client_secret = "hush-hush"
        fake.oauth.add_code("code-of-any-shape", refresh_token="rt-9", access_token="tok-9")
    for secret in ("tok-plain-shape", "hush-hush", "code-of-any-shape", "rt-9", "tok-9"):
        assert secrets_in(f"GET /x Authorization: Bearer {secret}.") == {secret}
        assert secrets_in(f"form={{'token': '{secret}'}}") == {secret}
    assert secrets_in("a part-9 of tok-90 and xrt-9") == set()  # whole words only
    assert secrets_in("refresh 1//0gAbC-d_e and ya29.a0Zz") == {"1//0gAbC-d_e", "ya29.a0Zz"}


def test_oauth_round_trip_with_every_error_branch(
    fake: FakeGoogle, secret_guard: SecretGuard
) -> None:
    g = secret_guard
    g.add(CLIENT_SECRET, ACCESS, REFRESH, CODE, "cookie-5ecret")
    provider = GmailProvider()

    # success: connect, refresh, validate
    query = authorize(g)
    fake.oauth.add_code(
        CODE,
        access_token=ACCESS,
        refresh_token=REFRESH,
        scope=GMAIL_MODIFY,
        code_challenge=query["code_challenge"],
    )
    creds = connect(g, code=CODE, state=query["state"]).credentials
    assert creds["access_token"] == ACCESS and creds["refresh_token"] == REFRESH
    refreshed = g.call(provider._oauth_refresh_credentials, REDIRECT, SYSTEM, creds)
    g.add(refreshed.credentials["access_token"])
    g.call(provider._validate_credentials, dict(refreshed.credentials))

    # the same code again (single use)
    msg = refused(g, connect, g, **{"code": CODE, "state": query["state"]})
    assert "authorization code" in msg

    # replayed state with another code: that code's challenge belongs to another sign-in
    other = authorize(g)
    code_b = "4/0AVG-CODE-5ecret-2"
    g.add(code_b)
    fake.oauth.add_code(
        code_b, access_token="ya29.other-5ecret", code_challenge=other["code_challenge"]
    )
    g.add("ya29.other-5ecret")
    msg = refused(g, connect, g, **{"code": code_b, "state": query["state"]})
    assert "authorization code" in msg
    # ...and the replayed state still fails once it is over 10 minutes old
    old = oauth.make_state(CLIENT, REDIRECT, now=time.time() - oauth.STATE_LIFETIME - 5)
    msg = refused(g, connect, g, **{"code": code_b, "state": old})
    assert "expired" in msg

    # missing refresh token (not the first consent)
    q = authorize(g)
    code_c = "4/0AVG-CODE-5ecret-3"
    g.add(code_c, "ya29.no-refresh-5ecret")
    fake.oauth.add_code(
        code_c,
        access_token="ya29.no-refresh-5ecret",
        omit_refresh_token=True,
        code_challenge=q["code_challenge"],
    )
    assert "refresh token" in refused(g, connect, g, **{"code": code_c, "state": q["state"]})

    # wrong client secret, unknown client, redirect mismatch, 500, unreadable body
    for setup, needle in [
        (lambda: setattr(fake.oauth, "client_secret", "GOCSPX-other"), "client ID or secret"),
        (
            lambda: setattr(
                fake.oauth, "next_error", ("redirect_uri_mismatch", "Bad redirect_uri", 400)
            ),
            "redirect URI",
        ),
        (
            lambda: setattr(fake.oauth, "next_error", ("server_error", "boom", 500)),
            "temporarily unavailable",
        ),
        (
            lambda: setattr(
                fake.oauth, "next_error", ("invalid_request", "Missing code_verifier", 400)
            ),
            "malformed",
        ),
        (lambda: setattr(fake.oauth, "next_error", ("weird_error", "??", 400)), "weird_error"),
    ]:
        q = authorize(g)
        code = f"4/0AVG-CODE-5ecret-{needle[:4]}"
        g.add(code)
        fake.oauth.add_code(code, access_token="ya29.x-5ecret", code_challenge=q["code_challenge"])
        setup()
        assert needle in refused(g, connect, g, **{"code": code, "state": q["state"]})
        fake.oauth.client_secret = CLIENT_SECRET
    g.add("ya29.x-5ecret")

    # refresh: revoked token, 500 three times, network down
    fake.oauth.revoked.add(REFRESH)
    revoke = fake.oauth._refresh[REFRESH]
    revoke.revoked = True
    assert "Reconnect" in refused(g, provider._oauth_refresh_credentials, REDIRECT, SYSTEM, creds)
    revoke.revoked = False
    for _ in range(3):
        fake.oauth.next_error = ("server_error", "boom", 503)
        with contextlib.suppress(ToolProviderOAuthError):
            g.call(provider._oauth_refresh_credentials, REDIRECT, SYSTEM, creds)
        fake.oauth.next_error = None


def test_oauth_with_google_unreachable(
    monkeypatch: pytest.MonkeyPatch, secret_guard: SecretGuard
) -> None:
    g = secret_guard
    g.add(CLIENT_SECRET, REFRESH, CODE)
    monkeypatch.setenv("GOOGLE_OAUTH_TOKEN_URL", "http://127.0.0.1:9/token")
    monkeypatch.setattr(time, "sleep", lambda _s: None)
    state = oauth.make_state(CLIENT, REDIRECT)
    g.add(oauth.code_verifier(CLIENT, state))
    msg = refused(g, connect, g, **{"code": CODE, "state": state})
    assert "network" in msg
    creds = {"access_token": ACCESS, "refresh_token": REFRESH}
    msg = refused(g, GmailProvider()._oauth_refresh_credentials, REDIRECT, SYSTEM, creds)
    assert "network" in msg


# -- callback refusals beyond tests/unit/test_oauth.py ------------------------------------------
@pytest.mark.parametrize(
    ("make", "needle"),
    [
        # state from another OAuth client (another Dify workspace's settings)
        (
            lambda: oauth.make_state(oauth.ClientConfig("cid-other", "GOCSPX-other"), REDIRECT),
            "does not match",
        ),
        # same client, state issued for another redirect URI
        (lambda: oauth.make_state(CLIENT, REDIRECT + "/evil"), "does not match"),
        # expired by one second
        (
            lambda: oauth.make_state(CLIENT, REDIRECT, now=time.time() - oauth.STATE_LIFETIME - 1),
            "expired",
        ),
        # signature cut from a real state and glued to another nonce
        (
            lambda: ".".join(
                [
                    *oauth.make_state(CLIENT, REDIRECT).split(".")[:2],
                    "nonce2",
                    oauth.make_state(CLIENT, REDIRECT).split(".")[3],
                ]
            ),
            "does not match",
        ),
        # issued time edited to look fresh
        (
            lambda: ".".join(
                [
                    "g1",
                    str(int(time.time()) + 1),
                    *oauth.make_state(CLIENT, REDIRECT).split(".")[2:],
                ]
            ),
            "does not match",
        ),
        # unknown version, extra dots, empty parts, non-numeric time
        (
            lambda: "g2." + oauth.make_state(CLIENT, REDIRECT).split(".", 1)[1],
            "not one this plugin started",
        ),
        (lambda: oauth.make_state(CLIENT, REDIRECT) + ".x", "not one this plugin started"),
        (lambda: "g1...", "not one this plugin started"),
        (lambda: "g1.-5.n.s", "not one this plugin started"),
        (lambda: "", "not one this plugin started"),
    ],
    ids=[
        "other-client",
        "other-redirect",
        "expired",
        "spliced",
        "time-edited",
        "version",
        "extra-dot",
        "empty-parts",
        "negative-time",
        "no-state",
    ],
)
def test_callback_state_refusals_make_no_request(
    fake: FakeGoogle, secret_guard: SecretGuard, make: Any, needle: str
) -> None:
    secret_guard.add(CLIENT_SECRET, CODE)
    state = make()
    query = {"code": CODE} if not state else {"code": CODE, "state": state}
    msg = refused(secret_guard, connect, secret_guard, **query)
    assert needle in msg and "Connect again" in msg
    assert fake.oauth.requests == []  # refused before any exchange


# -- every tool, succeeding and against failing Google answers ------------------------------
@pytest.mark.parametrize(
    "scenario", ["ok", "500", "reset", "expired", "scope", "not-found", "batch_part", "drop"]
)
def test_no_tool_leaks_a_token(fake: FakeGoogle, secret_guard: SecretGuard, scenario: str) -> None:
    """All 17 tools, on their success path and on every kind of failure: the token is in no
    log record (DEBUG, any logger), exception, text or variable."""
    g = secret_guard
    g.add(ACCESS)
    box = fake.add_mailbox(
        ACCESS, "me@example.com", {GMAIL_READONLY if scenario == "scope" else GMAIL_MODIFY}
    )
    calls = every_tool_call(box, missing=scenario == "not-found")
    if scenario in ("500", "reset"):
        fake.faults = FaultPlan(rate=1.0, kinds=(scenario,))
    elif scenario == "batch_part":
        fake.faults = FaultPlan(rate=1.0, kinds=("batch_part",), part_rate=0.1)
    elif scenario == "expired":
        fake.expire_token(ACCESS)
    elif scenario == "drop":
        fake.send_accept_then_drop = 3
    failed: list[str] = []
    runs: dict[str, Run] = {}
    for tool, params in calls:
        run = runs[tool] = Run()
        try:
            g.call(_collect, tool, params, run)
        except dify.ToolFailure:
            failed.append(tool)
        g.record(run.texts, run.variables, [meta for _, meta in run.blobs])
    assert sorted(failed) == FAILING[scenario]  # each success path ran to its end
    if scenario == "ok":
        check_effects(box, calls, runs)


def check_effects(box: Any, calls: list[tuple[str, dict[str, Any]]], runs: dict[str, Run]) -> None:
    """The success path did what each tool says (so a tool that skipped its work is caught)."""
    params = dict(calls)
    assert all(runs[tool].variables for tool in TOOL_NAMES), "every tool reports variables"
    assert params["delete_draft"]["draft_id"] not in box.drafts
    assert params["send_draft"]["draft_id"] not in box.drafts
    assert len(box.sent) == 4  # send, reply, forward, send_draft
    changed = box.drafts[params["update_draft"]["draft_id"]]
    assert box.messages[changed.message_id].parsed.header("Subject") == "changed"
    starred = box.messages[params["modify_messages"]["message_ids"]]
    assert "STARRED" in starred.label_ids and "UNREAD" not in starred.label_ids
    assert "TRASH" not in box.messages[params["trash_messages"]["message_ids"]].label_ids
    assert box.label_by_name("Every/Tool") is not None
    assert runs["download_attachment"].blobs and runs["get_message"].blobs


WRITERS = sorted(
    {"create_draft", "create_label", "delete_draft", "forward_message", "modify_messages",
     "reply_to_message", "send_draft", "send_message", "trash_messages", "untrash_messages",
     "update_draft"}
)  # fmt: skip
NOT_FOUND_FAILS = sorted(
    {"delete_draft", "download_attachment", "forward_message", "get_message", "get_thread",
     "reply_to_message", "send_draft", "trash_messages", "untrash_messages", "update_draft"}
)  # fmt: skip
FAILING = {
    "ok": [],
    "drop": [],  # the send is found by its Message-ID
    "500": TOOL_NAMES,
    "reset": TOOL_NAMES,
    "expired": TOOL_NAMES,
    "scope": WRITERS,  # a read-only connection
    # every tool that reads or changes the missing item; batchModify ignores unknown IDs
    "not-found": NOT_FOUND_FAILS,
    # at least one part of every batch fails: the parts that failed are retried, the last
    # one on its own as a plain request, which passes
    "batch_part": [],
}


def _collect(tool: str, params: dict[str, Any], run: Run) -> None:
    result = invoke(tool, params, ACCESS)
    run.texts += result.texts
    run.variables.update(result.variables)
    run.blobs += result.blobs


# -- the plugin process -----------------------------------------------------------------------
def raw_callback(query: dict[str, str]) -> str:
    return plugin_process.raw_callback(REDIRECT, query, "session=cookie-5ecret")


def oauth_call(plugin: PluginProcess, action: str, **extra: Any) -> Any:
    return plugin.call(
        plugin_process.oauth_request(
            action, redirect_uri=REDIRECT, system_credentials=SYSTEM, **extra
        )
    )


@pytest.mark.e2e
def test_plugin_process_output_holds_no_secret(fake: FakeGoogle) -> None:
    secrets = {CLIENT_SECRET, ACCESS, REFRESH, CODE, "cookie-5ecret"}
    plugin = PluginProcess(env={**fake.env(), "GMAIL_TIME_BUDGET_SECONDS": "4"})
    visible: list[str] = []  # everything but the credentials handed to Dify on purpose
    try:
        url = oauth_call(plugin, "get_authorization_url").data["authorization_url"]
        query = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
        secrets.add(oauth.code_verifier(CLIENT, query["state"]))
        fake.oauth.add_code(
            CODE, access_token=ACCESS, refresh_token=REFRESH, code_challenge=query["code_challenge"]
        )
        got = oauth_call(
            plugin,
            "get_credentials",
            raw_http_request=raw_callback({"code": CODE, "state": query["state"]}),
        ).data
        assert got["credentials"]["access_token"] == ACCESS
        fill(fake.mailboxes[0], 30, tag="e2e")
        # error branches: code reused, forged state, refresh revoked, tool failures
        for result in [
            oauth_call(
                plugin,
                "get_credentials",
                raw_http_request=raw_callback({"code": CODE, "state": query["state"]}),
            ),
            oauth_call(
                plugin,
                "get_credentials",
                raw_http_request=raw_callback({"code": CODE, "state": "g1.1.x.y"}),
            ),
            oauth_call(
                plugin,
                "refresh_credentials",
                credentials={"access_token": ACCESS, "refresh_token": REFRESH + "-unknown"},
            ),
        ]:
            assert result.error is not None
            visible.append(repr(result.error))
        creds = {"access_token": ACCESS, "refresh_token": REFRESH, "scope": GMAIL_MODIFY}
        # every tool: once on its success path, once against failing answers
        for tool, params in every_tool_call(fake.mailboxes[0]):
            result = plugin.invoke_tool(tool, params, creds, timeout=60)
            assert result.error is None, (tool, result.error)
            visible += [result.agent_node(), result.agent_app(), json.dumps(result.messages)]
        for tool, params in every_tool_call(fake.mailboxes[0]):
            fake.faults = FaultPlan(rate=1.0, kinds=("500", "reset"), max_faults=2, seed=len(tool))
            result = plugin.invoke_tool(tool, params, creds, timeout=60)
            visible += [repr(result.error), result.agent_node(), result.agent_app()]
        fake.faults = None
        fake.expire_token(ACCESS)
        result = plugin.invoke_tool("search_messages", {"query": ""}, creds)
        assert result.error is not None and "expired or was revoked" in result.error["message"]
        visible.append(repr(result.error))
        # an unexpected error inside the plugin is logged with a traceback: still no secret
        result = plugin.invoke_tool("get_message", {"message_id": {"weird": ACCESS}}, creds)
        visible += [repr(result.error), result.agent_node(), result.agent_app()]
    finally:
        plugin.close()
    visible += plugin.stderr_lines + plugin.other_lines
    leaked = [(s, t[:300]) for s in secrets for t in visible if s in t]
    assert not leaked, leaked
