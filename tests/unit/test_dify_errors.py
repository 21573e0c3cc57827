"""A failing tool raises the same short message to every caller, under the name that makes
Dify show that caller only the message: ``ToolFailure`` in a workflow Tool node, one of
Dify's five ``Invoke*Error`` names in agents."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from dify_plugin.errors.model import InvokeError

from devkit.dify_views import INVOKE_ERRORS
from gmail_core import dify
from gmail_core.errors import (
    AuthError,
    GmailApiError,
    GmailError,
    InvalidInputError,
    NotFoundError,
    OAuthError,
    RateLimitError,
    ScopeError,
    SendOutcomeUnknownError,
    TransientError,
)

TOOL_NODE = {"app_id": "app-1", "message_id": None, "conversation_id": None}
AGENT_NODE = {"app_id": None, "message_id": None, "conversation_id": None}  # backwards invocation
AGENT_APP = {"app_id": "app-1", "message_id": "msg-1", "conversation_id": "conv-1"}


class Failing(dify.GmailTool):
    error: Exception = RuntimeError("boom")

    def run(self, params: dict[str, Any]) -> Iterator[Any]:
        raise self.error
        yield


def fail(error: Exception, context: dict[str, str | None]) -> dify.ToolFailure:
    tool = Failing.from_credentials({"access_token": "tok-secret"})
    tool.error = error
    tool.session = SimpleNamespace(**context)  # type: ignore[assignment]
    with pytest.raises(dify.ToolFailure) as info:
        list(tool._invoke({}))
    return info.value


KINDS: list[tuple[GmailError, str]] = [
    (InvalidInputError("Bad address 'x'. Use name@example.com."), "InvokeBadRequestError"),
    (NotFoundError("Gmail found no message with that ID."), "InvokeBadRequestError"),
    (GmailApiError("The Gmail API is not enabled …"), "InvokeBadRequestError"),
    (AuthError("The Gmail connection expired. Reconnect."), "InvokeAuthorizationError"),
    (ScopeError("This action needs permission to send mail."), "InvokeAuthorizationError"),
    (OAuthError("Google no longer accepts this Gmail connection."), "InvokeAuthorizationError"),
    (RateLimitError("Gmail is rate-limiting this account."), "InvokeRateLimitError"),
    (TransientError("Could not reach Gmail.", reason="network"), "InvokeConnectionError"),
    (TransientError("Gmail did not answer in time.", reason="timeout"), "InvokeConnectionError"),
    (TransientError("Gmail is unavailable (HTTP 503)."), "InvokeServerUnavailableError"),
    (SendOutcomeUnknownError("It may have been sent."), "InvokeServerUnavailableError"),
]


@pytest.mark.parametrize(("error", "name"), KINDS, ids=[type(e).__name__ for e, _ in KINDS])
def test_agents_get_the_message_under_a_name_dify_unwraps(error: GmailError, name: str) -> None:
    for context in (AGENT_NODE, AGENT_APP):
        exc = fail(error, context)
        assert type(exc).__name__ == name and name in INVOKE_ERRORS
        # what dify_plugin sends: message = str(exc), args["description"] = exc.description
        assert isinstance(exc, InvokeError) and str(exc) == exc.description == str(error)


@pytest.mark.parametrize(("error", "name"), KINDS, ids=[type(e).__name__ for e, _ in KINDS])
def test_a_tool_node_gets_the_plain_failure(error: GmailError, name: str) -> None:
    exc = fail(error, TOOL_NODE)
    assert type(exc) is dify.ToolFailure and str(exc) == str(error)


def test_an_unexpected_error_is_named_without_its_values() -> None:
    bug = KeyError("tok-secret")
    node, agent = fail(bug, TOOL_NODE), fail(bug, AGENT_NODE)
    assert type(node) is dify.ToolFailure
    assert type(agent).__name__ == "InvokeServerUnavailableError"
    for exc in (node, agent):
        assert "(KeyError)" in str(exc) and "tok-secret" not in str(exc)
        assert exc.__cause__ is None and exc.__suppress_context__


@pytest.mark.parametrize(
    ("context", "tool_node"),
    [
        (TOOL_NODE, True),
        ({**TOOL_NODE, "conversation_id": "conv-1"}, True),  # a chatflow's Tool node
        (AGENT_NODE, False),
        (AGENT_APP, False),
        ({**AGENT_NODE, "app_id": "  "}, False),
        ({**AGENT_APP, "message_id": ""}, True),
    ],
)
def test_in_tool_node(context: dict[str, str | None], tool_node: bool) -> None:
    tool = Failing.from_credentials({})
    tool.session = SimpleNamespace(**context)  # type: ignore[assignment]
    assert tool.in_tool_node() is tool_node
