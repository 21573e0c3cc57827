"""Concurrent load through ONE plugin process: N users, each with their own token and mailbox.

All N request lines (alternately search_messages and get_message) are written to the
plugin's stdin before any answer is read, as Dify's daemon does under load. Prints the
throughput (invocations/s), the new TCP connections the plugin opened to the fake Google,
and checks that every answer holds only its own user's mail.

``tests/reliability/test_load.py`` runs the same scenario as a test.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from devkit.fakegoogle import GMAIL_MODIFY, FakeGoogle, Mailbox
from devkit.plugin_process import PluginProcess, SessionResult

PER_BOX = 5


@dataclass
class User:
    index: int
    token: str
    box: Mailbox
    ids: list[str]

    @property
    def tag(self) -> str:
        return f"box{self.index:03d}"


@dataclass
class Round:
    invocations: int
    seconds: float
    new_connections: int
    http_requests: int
    unknown_tokens: int
    peak_in_flight: int = 0  # HTTP requests the fake was handling at once, at most
    peak_users_in_flight: int = 0  # distinct tokens among them, at most
    failures: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.invocations / self.seconds if self.seconds else 0.0


def add_users(fake: FakeGoogle, n: int) -> list[User]:
    users = []
    for i in range(n):
        token = f"tok-load-{i:03d}"
        box = fake.add_mailbox(token, f"user{i:03d}@example.com", {GMAIL_MODIFY})
        user = User(i, token, box, [])
        for j in range(PER_BOX):
            m = EmailMessage()
            m["From"] = f"Sender {j} <sender{j}@example.com>"
            m["To"] = f"user{i:03d}@example.com"
            m["Subject"] = f"{user.tag} message {j}"
            m["Message-ID"] = f"<{user.tag}-{j}@example.com>"
            m.set_content(f"Private text of {user.tag}, message {j}.")
            user.ids.append(box.add_message(m.as_bytes(), label_ids=("INBOX",)))
        users.append(user)
    return users


def request_for(user: User) -> dict[str, Any]:
    if user.index % 2 == 0:
        tool, params = "search_messages", {"query": "", "max_results": PER_BOX}
    else:
        tool, params = "get_message", {"message_id": user.ids[0], "body_format": "text"}
    return {
        "type": "tool",
        "action": "invoke_tool",
        "user_id": f"u{user.index}",
        "provider": "gmail",
        "tool": tool,
        "credentials": {"access_token": user.token, "scope": GMAIL_MODIFY},
        "credential_type": "oauth2",
        "tool_parameters": params,
    }


def problems(user: User, result: SessionResult) -> tuple[str | None, str | None]:
    """(failure, leak): what went wrong with one user's answer, if anything."""
    if result.error is not None:
        return f"{user.tag}: {result.error}", None
    variables = result.variables()
    if user.index % 2 == 0:
        items = variables.get("messages") or []
        ids = {m["id"] for m in items}
        subjects = [m["subject"] for m in items]
        if len(items) != PER_BOX:
            return f"{user.tag}: {len(items)} messages instead of {PER_BOX}", None
    else:
        ids = {variables.get("id")}
        subjects = [str(variables.get("subject"))]
        if user.tag not in str(variables.get("body")):
            return None, f"{user.tag}: body of another mailbox: {variables.get('body')!r}"
    if not ids <= set(user.ids) or any(not s.startswith(user.tag) for s in subjects):
        return None, f"{user.tag}: got {sorted(ids)} / {subjects}"
    return None, None


def run_round(fake: FakeGoogle, plugin: PluginProcess, users: list[User]) -> Round:
    fake.stats.reset()
    started = time.perf_counter()
    sessions = [(user, plugin.send(request_for(user))) for user in users]
    results = [(user, plugin.collect(sid, timeout=120)) for user, sid in sessions]
    elapsed = time.perf_counter() - started
    stats = fake.stats
    out = Round(
        len(users),
        elapsed,
        stats.connections,
        stats.http_requests,
        stats.unknown_tokens,
        stats.peak_in_flight,
        stats.peak_tokens_in_flight,
    )
    for user, result in results:
        failure, leak = problems(user, result)
        if failure:
            out.failures.append(failure)
        if leak:
            out.leaks.append(leak)
    return out


def warm_up(plugin: PluginProcess, user: User) -> None:
    """One invocation so that the plugin has started (its start-up is not load)."""
    result = plugin.collect(plugin.send({**request_for(user), "tool": "list_labels"}), 60)
    if result.error is not None:
        raise RuntimeError(f"warm-up failed: {result.error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rtt-ms", type=float, default=20.0)
    parser.add_argument("--new-connection-ms", type=float, default=60.0)
    args = parser.parse_args()
    with FakeGoogle(rtt_ms=args.rtt_ms, new_connection_ms=args.new_connection_ms, seed=5) as fake:
        users = add_users(fake, args.users)
        plugin = PluginProcess(env=fake.env())
        try:
            warm_up(plugin, users[0])
            print(
                f"{args.users} concurrent invocations (search_messages / get_message, one token "
                f"and mailbox each) through one plugin process; fake Google RTT "
                f"{args.rtt_ms:g} ms, +{args.new_connection_ms:g} ms per new connection"
            )
            print(f"{'round':>5} | {'seconds':>7} | {'inv/s':>6} | {'HTTP req':>8} | "
                  f"{'new conns':>9} | {'peak in flight (users)':>22} | "
                  "failed | leaks")  # fmt: skip
            unknown = 0
            for r in range(1, args.rounds + 1):
                res = run_round(fake, plugin, users)
                print(
                    f"{r:>5} | {res.seconds:>7.2f} | {res.per_second:>6.1f} | "
                    f"{res.http_requests:>8} | {res.new_connections:>9} | "
                    f"{f'{res.peak_in_flight} ({res.peak_users_in_flight})':>22} | "
                    f"{len(res.failures):>6} | {len(res.leaks)}"
                    + ("  (cold connection pool)" if r == 1 else "")
                )
                for line in (res.failures + res.leaks)[:5]:
                    print("   ", line)
                unknown += res.unknown_tokens
            print(f"unknown tokens seen by the fake: {unknown}")
        finally:
            plugin.close()


if __name__ == "__main__":
    main()
