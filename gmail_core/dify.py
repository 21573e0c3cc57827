"""The one module that knows ``dify_plugin``: the base class every Gmail tool extends."""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pydantic
import requests
import urllib3.exceptions
from dify_plugin import Tool
from dify_plugin.entities.tool import ToolInvokeMessage
from dify_plugin.errors import model as dify_errors
from dify_plugin.file.constants import DIFY_FILE_IDENTITY
from dify_plugin.file.file import File

from gmail_core import file_urls, memory, render, transfers, transport, writing
from gmail_core.client import GmailClient
from gmail_core.compose import Outcome
from gmail_core.errors import (
    AuthError,
    GmailError,
    InvalidInputError,
    OAuthError,
    RateLimitError,
    ScopeError,
    TransientError,
)

log = logging.getLogger(__name__)

Messages = Generator[ToolInvokeMessage, None, None]


class ToolFailure(Exception):
    """A failed tool call; ``str()`` is a short message that names the fix.

    A workflow Tool node gets it under this name: Dify then keeps the node's inputs in the
    run log and applies its retry, fail branch or default value on every Dify version. Agents
    get one of the subclasses below instead (``GmailTool.in_tool_node``).
    """


# Dify re-raises a plugin error of exactly these five names as its own exception holding only
# the message (api/core/plugin/impl/base.py, _handle_plugin_daemon_error), so an agent reads
# "tool invoke error: <message>". Under any other name it reads the daemon's JSON of the error,
# with dify_plugin's traceback in front of the message. The names only label the kind: no
# agent path treats them differently. They are not used in a Tool node: Dify 1.7-1.8 do not
# catch them there (the whole workflow stops, no retry or fail branch), and 1.9+ record the
# failed node without its inputs.
class InvokeBadRequestError(ToolFailure, dify_errors.InvokeBadRequestError):
    """Bad input, an item that does not exist, or a request Gmail refuses."""


class InvokeAuthorizationError(ToolFailure, dify_errors.InvokeAuthorizationError):
    """The connection expired, was revoked, or lacks a permission: reconnect."""


class InvokeRateLimitError(ToolFailure, dify_errors.InvokeRateLimitError):
    """Gmail's rate or daily limit."""


class InvokeConnectionError(ToolFailure, dify_errors.InvokeConnectionError):
    """Gmail could not be reached or did not answer in time."""


class InvokeServerUnavailableError(ToolFailure, dify_errors.InvokeServerUnavailableError):
    """Gmail failed temporarily, or the plugin hit an unexpected error."""


def agent_failure_type(exc: GmailError | None) -> type[ToolFailure]:
    """The Invoke* name an agent's failure is raised under (``None``: an unexpected error)."""
    if isinstance(exc, AuthError | ScopeError | OAuthError):
        return InvokeAuthorizationError
    if isinstance(exc, RateLimitError):
        return InvokeRateLimitError
    if isinstance(exc, TransientError):
        if exc.reason in ("network", "timeout", "not_started"):
            return InvokeConnectionError
        return InvokeServerUnavailableError
    if exc is None:
        return InvokeServerUnavailableError
    return InvokeBadRequestError


class GmailTool(Tool):
    """Turns core errors into short failures; subclasses implement ``run``.

    Tool modules must subclass it as ``dify.GmailTool`` (module attribute): the SDK loads
    the one Tool subclass it finds in a tool's module namespace, and an imported GmailTool
    would be a second one.
    """

    #: the capability this tool needs (see gmail_core.scopes.CAPABILITIES)
    capability = "read"
    #: what a refusal to send (the read-and-draft access level) offers instead
    instead_of_sending = ""

    def _invoke(self, tool_parameters: dict[str, Any]) -> Messages:
        try:
            yield from self.run(tool_parameters)
        except GmailError as exc:
            raise self.failure(str(exc), exc) from None
        except ToolFailure:
            raise
        except Exception as exc:
            # A bug, not a user error: name it without echoing values that may hold secrets.
            log.exception("Gmail tool %s failed unexpectedly", type(self).__name__)
            raise self.failure(
                f"The Gmail plugin hit an unexpected error ({type(exc).__name__}). Try again; if "
                "it keeps happening, report it to the plugin's author.",
                None,
            ) from None
        finally:
            memory.release_if_grown()  # a long-lived process does not creep (memory.py)

    def failure(self, message: str, exc: GmailError | None) -> ToolFailure:
        """The exception this invocation fails with: the same message for every caller, under
        the name that makes Dify show the caller only that message (see ``ToolFailure``)."""
        if self.in_tool_node():
            return ToolFailure(message)
        return agent_failure_type(exc)(message)

    def in_tool_node(self) -> bool:
        """Whether a workflow Tool node made this call.

        Dify's Tool node always passes the app's ID and never a message ID; the classic Agent
        app passes a message ID (function calling) or nothing (ReAct), and tools called by an
        Agent node's strategy come back through Dify's backwards invocation with neither
        (api/core/workflow/nodes/tool/tool_node.py, api/core/agent/*_agent_runner.py,
        api/core/plugin/backwards_invocation/tool.py, Dify 1.7 to 1.13): only a Tool node sends
        an app ID without a message ID.
        """
        session = getattr(self, "session", None)
        return _present(getattr(session, "app_id", None)) and not _present(
            getattr(session, "message_id", None)
        )

    def run(self, params: dict[str, Any]) -> Messages:
        raise NotImplementedError

    def gmail(self, capability: str | None = None) -> GmailClient:
        """A client for this invocation, once the connection allows ``capability`` (the
        tool's own unless the parameters change it, like ``as_draft``): a refusal comes
        before any request."""
        needed = capability or self.capability
        creds = self.runtime.credentials if self.runtime else {}
        client = GmailClient(
            str(creds.get("access_token") or ""),
            granted_scopes=creds.get("scope") or None,
            access_level=creds.get("access_level") or None,
            capability=needed,
        )
        client.require(needed, instead=self.instead_of_sending)
        return client

    def answer(
        self, text: str, values: Mapping[str, Any], *, sizes: Mapping[str, int] | None = None
    ) -> Iterable[ToolInvokeMessage]:
        """The tool's result: one text message — what both kinds of agent read, and the
        workflow's ``text`` output — then, for workflows, one variable per ``output_schema``
        entry (``values``).

        Each message is one line on the plugin's stdout, and Dify's daemon drops the whole
        plugin process on a line over 5 MiB (render.LINE_BUDGET): every line is kept under
        the budget here, whatever the tool put in it. Tools that return bodies share it
        between them first (``answer_bodies``); this is the last line of defence.
        ``sizes``: the values' ``render.encoded_size`` where the caller measured them already
        (a search's ``messages`` takes a fifth of a millisecond to measure).
        """
        known = sizes or {}
        fitted: dict[str, render.Fitted] = {}
        if self.for_workflow():
            fitted = {
                name: render.fit_value(value, size=known.get(name))
                for name, value in values.items()
            }
        # what a variable lost is said in the text too: a workflow may read only the text
        notes = "".join(value.note(name) for name, value in fitted.items())
        full = text if text.endswith("\n") else text + "\n"
        shown = render.fit_text(full, render.LINE_BUDGET - render.encoded_size(notes) + 2)
        if shown is not full:
            log.warning("Gmail tool %s: answer text cut to fit a line", type(self).__name__)
        yield self.create_text_message(shown + notes)
        for name, value in fitted.items():
            if value.cut or value.dropped:
                log.warning(
                    "Gmail tool %s: variable %s cut to fit (%d strings shortened, %d list "
                    "items dropped)",
                    type(self).__name__,
                    name,
                    value.cut,
                    value.dropped,
                )
            yield self.create_variable_message(name, value.value)

    def answer_bodies(
        self,
        bodies: Sequence[str],
        rendered: Callable[[Sequence[str]], tuple[str, Mapping[str, Any]]],
        rest: Callable[[int], str],
    ) -> Iterable[ToolInvokeMessage]:
        """``answer`` for a result that carries message bodies: ``rendered(bodies)`` gives
        its text and variables. When a line would pass render.LINE_BUDGET, the bodies share
        what the rest of the biggest line leaves, and each cut one ends with a note saying
        how much is missing and how to read it (``rest(i)`` for body ``i``)."""
        text, values = rendered(bodies)
        shown = values if self.for_workflow() else {}
        sizes = {name: render.encoded_size(value) for name, value in shown.items()}
        if render.fits(text) and max(sizes.values(), default=0) <= render.LINE_BUDGET:
            yield from self.answer(text, values, sizes=sizes)
            return
        bare_text, bare_values = rendered([""] * len(bodies))
        bare = [bare_text, *(bare_values.values() if self.for_workflow() else ())]
        room = render.LINE_BUDGET - max(render.encoded_size(line) for line in bare)
        yield from self.answer(*rendered(render.fit_bodies(bodies, room, rest)))

    def written(
        self,
        client: GmailClient,
        done: Outcome,
        variables: Sequence[str],
        *,
        draft: bool = False,
        sent: str = "Sent",
        saved: str = "Draft saved",
        to: str = "",
    ) -> Iterable[ToolInvokeMessage]:
        """The answer of a tool that sent a message (``sent`` names it) or saved a ``draft``
        (``saved``): which address it is from, to whom, and its IDs; the output_schema
        ``variables`` are the Outcome's fields (``from`` is ``from_``)."""
        if draft:
            text = render.draft_saved_text(
                done.draft_id,
                done.message_id,
                done.thread_id,
                what=saved,
                to=to,
                from_=done.from_,
                send_hint=client.allows("send"),  # not at the read-and-draft level
                notes=done.notes,
            )
        else:
            text = render.sent_text(
                done.message_id,
                done.thread_id,
                what=sent,
                to=to,
                from_=done.from_,
                notes=done.notes,
            )
        values = {name: getattr(done, "from_" if name == "from" else name) for name in variables}
        return self.answer(text, values)

    def for_workflow(self) -> bool:
        """Whether a workflow may read this invocation's variables.

        Only Dify's classic Agent app runner (``ToolEngine.agent_invoke``) passes a
        ``message_id``; the workflow Tool node and tools called by an Agent node's strategy
        (``ToolEngine.generic_invoke``) pass none. In the Agent app nothing but the LLM reads
        the variables, and it reads ``str()`` of each (``variable_name='x'
        variable_value=[...] stream=False``) on top of the text: a second, noisy copy of the
        answer. So variables are left out only when a message ID is certainly there.
        """
        return not _present(getattr(getattr(self, "session", None), "message_id", None))


def _present(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


# Seconds to wait for each piece of a file from Dify's file service (Dify's own File.blob
# allows 5 s in total: too short for 25 MB); the whole download also ends with the call's
# time budget, so a slow file service cannot keep the call past Dify's own timeout.
FILE_READ_TIMEOUT = 120.0


def dify_files(value: object) -> list[File]:
    """The files of a ``files`` parameter; anything that is not a Dify file is refused.

    A workflow can wire a text or an object into a files parameter, and Dify then passes it
    as it is: dropping it would send the mail without the attachments, or make update_draft
    delete the draft's own."""
    if value is None or value == "" or value == []:
        return []
    items = value if isinstance(value, list) else [value]
    return [_dify_file(item, index, len(items)) for index, item in enumerate(items, start=1)]


def _dify_file(item: object, index: int, count: int) -> File:
    if isinstance(item, File):
        return item
    # The SDK turns file dicts into File only when every item of a list is one.
    if isinstance(item, dict) and item.get("dify_model_identity") == DIFY_FILE_IDENTITY:
        try:
            return File.model_validate(item)
        except pydantic.ValidationError:
            pass
    shown = f"text {str(item)[:40]!r}" if isinstance(item, str) else type(item).__name__
    where = f"item {index} of attachments" if count > 1 else "attachments"
    raise InvalidInputError(
        f"{where} is not a file (got {shown}). Pass files: an upload, or the files output of "
        "an earlier node. Nothing was sent or changed."
    )


@dataclass(frozen=True, slots=True)
class DifyFiles:
    """Dify file parameters, checked (type, declared size, link) but not yet downloaded:
    ``fetch`` runs inside the operation's share of the transfer budget (gmail_core.transfers),
    so files are not held in memory while the invocation waits its turn."""

    files: tuple[tuple[str, File], ...] = ()  # (attachment name, file)

    def declared_size(self) -> int:
        return sum(_declared(f) for _, f in self.files)

    def fetch(self, deadline: transport.Deadline) -> list[writing.OutgoingAttachment]:
        """The files' bytes, fetched before ``deadline`` ends; declared sizes can be missing
        or wrong (a file added by URL declares what its server said), so the bytes fetched
        so far count towards Gmail's limit while the next one downloads."""
        out: list[writing.OutgoingAttachment] = []
        for name, f in self.files:
            before = [(a.filename, len(a.data)) for a in out]
            data = _download(f, name, deadline, before)
            out.append(writing.OutgoingAttachment(name, f.mime_type or "", data))
        return out


def attachments_from_files(files: object) -> DifyFiles:
    """Dify file parameters -> attachments to fetch, checked before anything is downloaded."""
    items = dify_files(files)
    named = tuple((_file_name(f, i), f) for i, f in enumerate(items))
    writing.check_sizes([(name, int(f.size or 0)) for name, f in named])
    for name, f in named:
        file_urls.check(f.url, name=name)  # every link, before anything is downloaded
    return DifyFiles(named)


def _declared(f: File) -> int:
    size = int(f.size or 0)
    return size if size > 0 else transfers.UNKNOWN


def _file_name(f: File, index: int) -> str:
    return (f.filename or "").strip() or f"attachment-{index + 1}{f.extension or ''}"


def _download(
    f: File, name: str, deadline: transport.Deadline, before: Sequence[tuple[str, int]] = ()
) -> bytes:
    """Stream the file from Dify's file service, stopping as soon as it and the files
    fetched ``before`` it (name, size) pass Gmail's limit, or the call's time runs out."""
    limit = writing.GMAIL_ATTACHMENT_LIMIT - sum(size for _, size in before)
    try:
        with transport.session().get(
            f.url,
            stream=True,
            timeout=deadline.timeout(read=FILE_READ_TIMEOUT),
            allow_redirects=False,
        ) as resp:
            if resp.status_code != 200:
                raise InvalidInputError(
                    f"Could not read the file '{name}' from Dify (HTTP {resp.status_code}); its "
                    "link may have expired. Run the step again or re-upload the file."
                )
            chunks: list[bytes] = []
            total = 0
            # read1 returns what has arrived (iter_content waits for a whole chunk, so a file
            # service that trickles would hold the call between two looks at the deadline),
            # and each read waits at most what is left of the call: the socket's timeout is
            # set before every read, as the timeout given to requests holds from the start.
            while True:
                left = deadline.remaining()
                if left <= 0:
                    raise _too_slow(name)
                _read_timeout(resp, min(FILE_READ_TIMEOUT, left))
                if not (chunk := resp.raw.read1(256 * 1024, decode_content=True)):
                    return b"".join(chunks)
                total += len(chunk)
                if total > limit:
                    writing.check_sizes([*before, (name, total)])
                chunks.append(chunk)
    except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
        if _timed_out(exc) or deadline.remaining() <= 0:
            raise _too_slow(name) from None
        raise InvalidInputError(
            f"Could not download the file '{name}' from Dify (network error). Check that the "
            "plugin can reach Dify's FILES_URL, then try again."
        ) from None


def _read_timeout(resp: requests.Response, seconds: float) -> None:
    """The longest the next read of ``resp``'s body may wait. urllib3 keeps the connection
    on a streamed response until its body is read (then there is nothing left to wait for)."""
    connection = resp.raw.connection
    if connection is not None and connection.sock is not None:
        connection.sock.settimeout(seconds)


def _timed_out(exc: Exception) -> bool:
    """A read that timed out: requests' Timeout, urllib3's own (reading the raw stream), or
    one that urllib3's retry wrapped (requests then calls it a ConnectionError)."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    timeouts = (requests.Timeout, urllib3.exceptions.TimeoutError)
    return isinstance(exc, timeouts) or isinstance(reason, timeouts)


def _too_slow(name: str) -> TransientError:
    return TransientError(
        f"Dify's file service was too slow to deliver the file '{name}' within this call's "
        "time budget. Nothing was sent or saved. Try again; if it keeps happening, check the "
        "network between the plugin and Dify's FILES_URL.",
        reason="timeout",
    )
