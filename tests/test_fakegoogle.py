"""Tests of the fake itself, over real HTTP with ``requests``."""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import io
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from devkit.fakegoogle import FakeGoogle, FaultPlan, Mailbox

T = 10
MODIFY = "https://www.googleapis.com/auth/gmail.modify"
READONLY = "https://www.googleapis.com/auth/gmail.readonly"

NESTED = (
    b"From: =?UTF-8?B?QWxpY2Ugw4k=?= <alice@example.org>\r\n"
    b"To: Me <me@example.com>\r\n"
    b"Subject: =?UTF-8?Q?Caf=C3=A9_report?=\r\n"
    b"Message-ID: <m1@example.org>\r\n"
    b"Date: Tue, 25 Nov 2025 10:00:00 +0000\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="outer"\r\n'
    b"\r\n"
    b"--outer\r\n"
    b'Content-Type: multipart/alternative; boundary="alt"\r\n'
    b"\r\n"
    b"--alt\r\n"
    b"Content-Type: text/plain; charset=iso-8859-1\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n"
    b"\r\n"
    b"Caf=E9 <ok> it's here\r\n"
    b"--alt\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n"
    b"\r\n"
    b"<p>Caf\xc3\xa9</p>\r\n"
    b"--alt--\r\n"
    b"--outer\r\n"
    b'Content-Type: application/pdf; name="r.pdf"\r\n'
    b'Content-Disposition: attachment; filename="r.pdf"\r\n'
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n"
    b"JVBERi0xLjQK\r\n"
    b"--outer--\r\n"
)


def simple(subject: str, *, frm: str = "bob@example.org", to: str = "me@example.com",
           body: str = "hello", extra: str = "", date: str | None = None) -> bytes:  # fmt: skip
    head = f"From: {frm}\r\nTo: {to}\r\nSubject: {subject}\r\n"
    if date:
        head += f"Date: {date}\r\n"
    return (head + extra + "\r\n" + body + "\r\n").encode()


def b64url_decode(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


@pytest.fixture
def fake() -> Iterator[FakeGoogle]:
    with FakeGoogle(seed=3) as f:
        yield f


@pytest.fixture
def box(fake: FakeGoogle) -> Mailbox:
    return fake.add_mailbox("tok-1", "me@example.com", {MODIFY})


def http_get(url: str, **kwargs: Any) -> requests.Response:
    return requests.get(url, timeout=T, **kwargs)


def http_post(url: str, **kwargs: Any) -> requests.Response:
    return requests.post(url, timeout=T, **kwargs)


class _Session(requests.Session):
    """A session with a default timeout so a broken fake cannot hang the suite."""

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", T)
        return super().request(*args, **kwargs)


def session(token: str | None = "tok-1") -> requests.Session:  # noqa: S107
    s = _Session()
    if token:
        s.headers["Authorization"] = f"Bearer {token}"
    return s


def api(fake: FakeGoogle, path: str) -> str:
    return f"{fake.base_url}/gmail/v1/users/me/{path}"


# --- payload trees ----------------------------------------------------------------------


def test_payload_tree_of_nested_multipart_with_attachment(fake: FakeGoogle, box: Mailbox):
    mid = box.add_message(NESTED)
    s = session()
    msg = s.get(api(fake, f"messages/{mid}")).json()
    assert len(msg["id"]) == 16 and int(msg["id"], 16) >= 0
    assert msg["threadId"] == msg["id"]
    assert msg["labelIds"] == ["INBOX", "UNREAD"]
    assert msg["snippet"] == "Café &lt;ok&gt; it&#39;s here"
    assert msg["internalDate"] == "1764064800000"
    assert msg["sizeEstimate"] == len(NESTED)
    root = msg["payload"]
    assert (root["partId"], root["mimeType"], root["body"]) == ("", "multipart/mixed", {"size": 0})
    subject = next(h["value"] for h in root["headers"] if h["name"] == "Subject")
    assert subject == "=?UTF-8?Q?Caf=C3=A9_report?="  # raw, not decoded
    alt, pdf = root["parts"]
    assert alt["partId"] == "0" and alt["mimeType"] == "multipart/alternative"
    plain, html = alt["parts"]
    assert (plain["partId"], html["partId"]) == ("0.0", "0.1")
    assert b64url_decode(plain["body"]["data"]) == b"Caf\xe9 <ok> it's here"
    assert plain["body"]["size"] == len(b"Caf\xe9 <ok> it's here")
    assert b64url_decode(html["body"]["data"]) == "<p>Café</p>".encode()
    assert pdf["partId"] == "1" and pdf["filename"] == "r.pdf"
    assert "data" not in pdf["body"] and pdf["body"]["size"] == 9
    att_id = pdf["body"]["attachmentId"]
    assert att_id != "1" and att_id.startswith("ANGjdJ")
    att = s.get(api(fake, f"messages/{mid}/attachments/{att_id}")).json()
    assert att == {"size": 9, "data": base64.urlsafe_b64encode(b"%PDF-1.4\n").decode()}
    # IDs vary per fetch (as Gmail's do) but every issued one resolves.
    again = s.get(api(fake, f"messages/{mid}")).json()["payload"]["parts"][1]["body"]
    assert again["attachmentId"] != att_id
    assert all(380 <= len(i) <= 720 for i in (att_id, again["attachmentId"]))
    assert re.fullmatch(r"[A-Za-z0-9_-]+", att_id)
    assert s.get(api(fake, f"messages/{mid}/attachments/{again['attachmentId']}")).ok
    bogus = s.get(api(fake, f"messages/{mid}/attachments/ANGjdJbogus"))
    assert bogus.status_code == 400


def test_reencode_text_to_utf8_keeps_charset_label(fake: FakeGoogle):
    box = fake.add_mailbox("tok-u", reencode_text_to_utf8=True)
    mid = box.add_message(NESTED)
    msg = session("tok-u").get(api(fake, f"messages/{mid}")).json()
    plain = msg["payload"]["parts"][0]["parts"][0]
    assert b64url_decode(plain["body"]["data"]) == "Café <ok> it's here".encode()
    assert {"name": "Content-Type", "value": "text/plain; charset=iso-8859-1"} in plain["headers"]


def test_formats_metadata_minimal_raw(fake: FakeGoogle, box: Mailbox):
    mid = box.add_message(NESTED)
    s = session()
    meta = s.get(
        api(fake, f"messages/{mid}"),
        params={"format": "metadata", "metadataHeaders": ["Subject", "from"]},
    ).json()
    assert [h["name"] for h in meta["payload"]["headers"]] == ["From", "Subject"]
    assert "parts" not in meta["payload"]
    minimal = s.get(api(fake, f"messages/{mid}"), params={"format": "minimal"}).json()
    assert "payload" not in minimal and minimal["snippet"]
    raw = s.get(api(fake, f"messages/{mid}"), params={"format": "raw"}).json()
    assert b64url_decode(raw["raw"]) == NESTED
    bad = s.get(api(fake, f"threads/{mid}"), params={"format": "raw"})
    assert bad.status_code == 400


def test_errors_look_like_google(fake: FakeGoogle, box: Mailbox):
    s = session()
    r = s.get(api(fake, "messages/not-hex!"))
    assert r.status_code == 400
    assert r.json()["error"]["errors"][0]["reason"] == "invalidArgument"
    assert r.json()["error"]["message"] == "Invalid id value"
    r = s.get(api(fake, "messages/abcdef0123456789"))
    assert r.status_code == 404 and r.json()["error"]["status"] == "NOT_FOUND"
    r = http_get(api(fake, "profile"))
    assert r.status_code == 401 and r.json()["error"]["status"] == "UNAUTHENTICATED"
    r = session("nope").get(api(fake, "profile"))
    assert r.status_code == 401
    assert r.json()["error"]["errors"][0]["reason"] == "authError"
    assert fake.stats.unknown_tokens == 1


def test_scope_insufficient(fake: FakeGoogle):
    fake.add_mailbox("tok-ro", scopes={READONLY})
    s = session("tok-ro")
    assert s.get(api(fake, "profile")).ok
    r = s.post(api(fake, "messages/send"), json={"raw": "eA"})
    assert r.status_code == 403
    err = r.json()["error"]
    assert err["status"] == "PERMISSION_DENIED"
    assert err["errors"][0]["reason"] == "insufficientPermissions"
    assert err["details"][0]["reason"] == "ACCESS_TOKEN_SCOPE_INSUFFICIENT"


# --- list and search -----------------------------------------------------------------------


def test_list_query_subset_and_paging(fake: FakeGoogle, box: Mailbox):
    s = session()
    ids = {
        "a": box.add_message(simple("Quarterly report", frm="Alice <alice@x.org>"),
                             internal_date_ms=1_700_000_000_000),
        "b": box.add_message(simple("Lunch", body="pizza time"), ("INBOX",),
                             internal_date_ms=1_700_100_000_000),
        "c": box.add_message(NESTED, ("INBOX", "UNREAD", "STARRED")),
        "d": box.add_message(simple("spam offer"), ("SPAM",)),
        "e": box.add_message(simple("old trash"), ("TRASH",)),
    }  # fmt: skip
    work = box.add_label("Work Stuff")
    box.modify(box.messages[ids["b"]], [work], [])

    def q(query: str, **params: object) -> set[str]:
        body = s.get(api(fake, "messages"), params={"q": query, **params}).json()
        return {m["id"] for m in body.get("messages", [])}

    assert q("report") == {ids["a"], ids["c"]}  # subject + decoded subject
    assert q("from:alice") == {ids["a"], ids["c"]}
    assert q("PIZZA") == {ids["b"]}
    assert q("is:unread") == {ids["a"], ids["c"]}
    assert q("is:starred has:attachment") == {ids["c"]}
    assert q("label:work-stuff") == {ids["b"]}
    assert q("rfc822msgid:<m1@example.org>") == {ids["c"]}
    assert q("rfc822msgid:m1@example.org") == {ids["c"]}
    assert q("offer") == set()  # spam excluded
    assert q("offer", includeSpamTrash="true") == {ids["d"]}
    assert q("in:trash") == {ids["e"]}
    assert q("after:2023/11/15 before:2023/11/17") == {ids["b"]}
    assert q("-is:unread in:inbox") == {ids["b"]}
    assert q("lunch OR quarterly") == {ids["a"], ids["b"]}
    both = s.get(api(fake, "messages"), params={"labelIds": ["INBOX", "UNREAD"]}).json()
    assert {m["id"] for m in both["messages"]} == {ids["a"], ids["c"]}
    empty = s.get(api(fake, "messages"), params={"q": "zzzz"}).json()
    assert empty == {"resultSizeEstimate": 0}

    seen: list[str] = []
    token = None
    for _ in range(5):
        params = {"maxResults": 1, **({"pageToken": token} if token else {})}
        page = s.get(api(fake, "messages"), params=params).json()
        seen += [m["id"] for m in page["messages"]]
        token = page.get("nextPageToken")
        if not token:
            break
    assert sorted(seen) == sorted([ids["a"], ids["b"], ids["c"]])
    fresh = box.add_message(simple("fresh news"))  # no Date header: internalDate = now
    assert q("newer_than:1d") == {fresh}
    assert fresh not in q("older_than:1d")


def test_list_order_is_not_strictly_newest_first(fake: FakeGoogle, box: Mailbox):
    for i in range(30):
        box.add_message(simple(f"m{i}"), internal_date_ms=1_700_000_000_000 + i)
    newest_first = sorted(box.messages, key=lambda i: -box.messages[i].internal_date_ms)
    got = [m["id"] for m in session().get(api(fake, "messages")).json()["messages"]]
    assert sorted(got) == sorted(newest_first) and got != newest_first


# --- batch -----------------------------------------------------------------------------


def batch_body(ids: list[str], boundary: str = "===b===") -> bytes:
    parts = []
    for i, mid in enumerate(ids):
        parts.append(
            f"--{boundary}\r\nContent-Type: application/http\r\nContent-ID: <item{i}>\r\n\r\n"
            f"GET /gmail/v1/users/me/messages/{mid}?format=metadata&metadataHeaders=Subject"
            " HTTP/1.1\r\n\r\n"
        )
    return ("".join(parts) + f"--{boundary}--\r\n").encode()


def parse_batch_response(resp: requests.Response) -> list[tuple[str, int, dict]]:
    msg = email.message_from_bytes(
        b"Content-Type: " + resp.headers["Content-Type"].encode() + b"\r\n\r\n" + resp.content,
        policy=email.policy.compat32,
    )
    out = []
    for part in msg.get_payload():
        inner = part.get_payload(decode=True)
        status_line, rest = inner.split(b"\r\n", 1)
        body = rest.split(b"\r\n\r\n", 1)[1]
        out.append((part["Content-ID"], int(status_line.split()[1]), json.loads(body or b"{}")))
    return out


def test_batch_round_trip_shuffled(fake: FakeGoogle, box: Mailbox):
    ids = [box.add_message(simple(f"subject {i}")) for i in range(12)]
    ids.append("0123456789abcdef")  # missing -> inner 404
    fake.stats.reset()
    r = session().post(
        f"{fake.base_url}/batch/gmail/v1",
        data=batch_body(ids),
        headers={"Content-Type": "multipart/mixed; boundary====b==="},
    )
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("multipart/mixed")
    answers = parse_batch_response(r)
    cids = [cid for cid, _, _ in answers]
    assert sorted(cids) == sorted(f"<response-item{i}>" for i in range(len(ids)))
    assert cids != [f"<response-item{i}>" for i in range(len(ids))]  # shuffled
    by_id = {cid: (status, body) for cid, status, body in answers}
    for i, mid in enumerate(ids[:-1]):
        status, body = by_id[f"<response-item{i}>"]
        assert status == 200 and body["id"] == mid
        assert body["payload"]["headers"] == [{"name": "Subject", "value": f"subject {i}"}]
    assert by_id[f"<response-item{len(ids) - 1}>"][0] == 404
    assert (fake.stats.http_requests, fake.stats.batch_requests) == (1, 1)
    assert fake.stats.inner_requests == len(ids)
    assert sum(c.in_batch for c in fake.stats.calls) == len(ids)


def test_batch_inner_authorization_and_limit(fake: FakeGoogle, box: Mailbox):
    other = fake.add_mailbox("tok-2", "two@example.com")
    mid2 = other.add_message(simple("two"))
    body = (
        "--x\r\nContent-Type: application/http\r\nContent-ID: a\r\n\r\n"
        f"GET /gmail/v1/users/me/messages/{mid2}?format=minimal HTTP/1.1\r\n"
        "Authorization: Bearer tok-2\r\n\r\n"
        "--x--\r\n"
    ).encode()
    r = session().post(f"{fake.base_url}/batch/gmail/v1", data=body,
                       headers={"Content-Type": "multipart/mixed; boundary=x"})  # fmt: skip
    [(cid, status, msg)] = parse_batch_response(r)
    assert (cid, status, msg["id"]) == ("response-a", 200, mid2)
    too_many = session().post(
        f"{fake.base_url}/batch/gmail/v1",
        data=batch_body(["0123456789abcdef"] * 101),
        headers={"Content-Type": "multipart/mixed; boundary====b==="},
    )
    assert too_many.status_code == 400


# --- sending ---------------------------------------------------------------------------


def related(meta: dict, raw: bytes, boundary: str = "xyz") -> tuple[bytes, str]:
    body = (
        (
            f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n"
            f"{json.dumps(meta)}\r\n--{boundary}\r\nContent-Type: message/rfc822\r\n\r\n"
        ).encode()
        + raw
        + f"\r\n--{boundary}--".encode()
    )
    return body, f'multipart/related; boundary="{boundary}"'


def test_send_upload_multipart_with_thread_id(fake: FakeGoogle, box: Mailbox):
    first = box.add_message(simple("Plans", extra="Message-ID: <p1@example.org>\r\n"))
    reply = simple(
        "Re: Plans",
        to="bob@example.org",
        extra="In-Reply-To: <p1@example.org>\r\nReferences: <p1@example.org>\r\n"
        "Bcc: secret@example.org\r\n",
        body="sounds good",
    )
    body, ctype = related({"threadId": first}, reply)
    r = session().post(
        f"{fake.base_url}/upload/gmail/v1/users/me/messages/send?uploadType=multipart",
        data=body,
        headers={"Content-Type": ctype},
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["threadId"] == first and out["labelIds"] == ["SENT"]
    assert box.sent == [reply]
    stored = box.messages[out["id"]]
    assert b"Bcc" not in stored.raw and b"secret@" not in stored.raw
    assert b"sounds good" in stored.raw and stored.label_ids == ["SENT"]
    assert stored.parsed.header("Message-ID")  # Gmail adds one
    thread = session().get(api(fake, f"threads/{first}"), params={"format": "minimal"}).json()
    assert [m["id"] for m in thread["messages"]] == [first, out["id"]]
    # Without matching references Gmail starts a new thread even with threadId.
    body, ctype = related({"threadId": first}, simple("Unrelated", to="bob@example.org"))
    r = session().post(
        f"{fake.base_url}/upload/gmail/v1/users/me/messages/send?uploadType=multipart",
        data=body,
        headers={"Content-Type": ctype},
    )
    assert r.json()["threadId"] != first


def test_send_json_media_and_validation(fake: FakeGoogle, box: Mailbox):
    s = session()
    raw = simple("Hi", to="carol@example.org")
    r = s.post(api(fake, "messages/send"), json={"raw": base64.urlsafe_b64encode(raw).decode()})
    assert r.status_code == 200
    r = s.post(
        f"{fake.base_url}/upload/gmail/v1/users/me/messages/send?uploadType=media",
        data=raw,
        headers={"Content-Type": "message/rfc822"},
    )
    assert r.status_code == 200 and box.sent == [raw, raw]
    no_rcpt = b"From: me@example.com\r\nSubject: x\r\n\r\nbody\r\n"
    r = s.post(api(fake, "messages/send"), json={"raw": base64.b64encode(no_rcpt).decode()})
    assert r.status_code == 400
    assert r.json()["error"]["message"] == "Recipient address required"
    bad_to = simple("x", to="not an address")
    r = s.post(api(fake, "messages/send"), json={"raw": base64.b64encode(bad_to).decode()})
    assert r.json()["error"]["message"] == "Invalid To header"
    r = s.post(api(fake, "messages/send"), json={})
    assert r.status_code == 400
    assert len(box.sent) == 2


def test_send_accept_then_drop_stores_then_drops(fake: FakeGoogle, box: Mailbox):
    fake.send_accept_then_drop = 1
    raw = simple("Once", to="dave@example.org")
    encoded = base64.urlsafe_b64encode(raw).decode()
    with pytest.raises(requests.ConnectionError):
        session().post(api(fake, "messages/send"), json={"raw": encoded})
    assert box.sent == [raw]
    assert [m.label_ids for m in box.messages.values()] == [["SENT"]]
    assert session().post(api(fake, "messages/send"), json={"raw": encoded}).ok
    assert len(box.sent) == 2


def test_draft_accept_then_drop_saves_then_drops(fake: FakeGoogle, box: Mailbox):
    fake.draft_accept_then_drop = 1
    encoded = base64.urlsafe_b64encode(simple("Kept", to="dave@example.org")).decode()
    with pytest.raises(requests.ConnectionError):
        session().post(api(fake, "drafts"), json={"message": {"raw": encoded}})
    assert len(box.drafts) == 1 and box.sent == []
    assert session().post(api(fake, "drafts"), json={"message": {"raw": encoded}}).ok
    assert len(box.drafts) == 2


# --- faults ----------------------------------------------------------------------------


def outcomes(seed: int) -> list[str]:
    with FakeGoogle(seed=1) as f:
        f.add_mailbox("tok-1")
        f.faults = FaultPlan(
            rate=0.5, kinds=("429", "429_retry_after", "403_rate", "500", "502", "503", "reset"),
            seed=seed,
        )  # fmt: skip
        got = []
        for _ in range(30):
            try:
                r = requests.get(
                    timeout=T, url=api(f, "profile"), headers={"Authorization": "Bearer tok-1"}
                )
                got.append(str(r.status_code))
            except requests.ConnectionError:
                got.append("reset")
        return got


def test_faults_are_deterministic_per_seed():
    first, second, other = outcomes(7), outcomes(7), outcomes(8)
    assert first == second
    assert first != other
    assert {"200", "429", "403", "500", "502", "503", "reset"} <= set(first) | set(other)


def test_fault_shapes(fake: FakeGoogle, box: Mailbox):
    s = session()
    fake.faults = FaultPlan(sequence=["429_retry_after", "403_rate", "502", None, "timeout"],
                            timeout_s=0.2)  # fmt: skip
    r = s.get(api(fake, "profile"))
    assert r.status_code == 429 and r.headers["Retry-After"] == "1"
    assert r.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    r = s.get(api(fake, "profile"))
    err = r.json()["error"]
    assert r.status_code == 403 and err["errors"][0]["domain"] == "usageLimits"
    assert err["errors"][0]["reason"] == "rateLimitExceeded" and "Retry after 20" in err["message"]
    r = s.get(api(fake, "profile"))
    assert r.status_code == 502 and r.headers["Content-Type"].startswith("text/html")
    assert s.get(api(fake, "profile")).ok
    with pytest.raises(requests.Timeout):
        s.get(api(fake, "profile"), timeout=0.05)
    fake.faults = None
    assert s.get(api(fake, "profile")).ok
    # OAuth is not faulted unless asked for.
    fake.faults = FaultPlan(rate=1.0, kinds=("500",))
    assert http_post(f"{fake.base_url}/token", data={}).status_code == 400


def test_batch_part_faults(fake: FakeGoogle, box: Mailbox):
    ids = [box.add_message(simple(f"s{i}")) for i in range(10)]
    fake.faults = FaultPlan(rate=1.0, kinds=("batch_part",), seed=1)
    r = session().post(
        f"{fake.base_url}/batch/gmail/v1",
        data=batch_body(ids),
        headers={"Content-Type": "multipart/mixed; boundary====b==="},
    )
    assert r.status_code == 200
    statuses = [status for _, status, _ in parse_batch_response(r)]
    assert set(statuses) - {200} <= {429, 500, 503} and set(statuses) != {200}
    assert session().get(api(fake, "profile")).ok  # batch_part does not hit plain calls


# --- isolation, connections ----------------------------------------------------------------


def test_token_isolation(fake: FakeGoogle, box: Mailbox):
    box2 = fake.add_mailbox("tok-2", "two@example.com")
    mid1 = box.add_message(simple("for one"))
    mid2 = box2.add_message(simple("for two"))
    listed = session("tok-2").get(api(fake, "messages")).json()["messages"]
    assert [m["id"] for m in listed] == [mid2]
    assert session("tok-2").get(api(fake, f"messages/{mid1}")).status_code == 404
    assert session("tok-2").get(api(fake, "profile")).json()["emailAddress"] == "two@example.com"
    assert all(c.token == "tok-2" for c in fake.stats.calls)
    r = session("tok-2").get(f"{fake.base_url}/gmail/v1/users/me@example.com/profile")
    assert r.status_code == 403


def test_connections_and_latency():
    with FakeGoogle(rtt_ms=20, new_connection_ms=50) as f:
        f.add_mailbox("tok-1")
        s = session()
        t0 = time.monotonic()
        for _ in range(3):
            assert s.get(api(f, "profile")).ok
        elapsed = time.monotonic() - t0
        assert f.stats.connections == 1 and f.stats.http_requests == 3
        assert elapsed >= 0.11
        http_get(api(f, "profile"), headers={"Authorization": "Bearer tok-1"})
        assert f.stats.connections == 2
    # stop() with an idle keep-alive connection still open returns promptly
    s.close()


# --- drafts, labels, modify -------------------------------------------------------------


def test_drafts_lifecycle(fake: FakeGoogle, box: Mailbox):
    s = session()
    raw = simple("Draft one", to="erin@example.org")
    r = s.post(api(fake, "drafts"), json={"message": {"raw": base64.b64encode(raw).decode()}})
    draft = r.json()
    assert draft["id"].startswith("r") and draft["message"]["labelIds"] == ["DRAFT"]
    listed = s.get(api(fake, "drafts")).json()["drafts"]
    assert listed == [
        {
            "id": draft["id"],
            "message": {"id": draft["message"]["id"], "threadId": draft["message"]["threadId"]},
        }
    ]
    got = s.get(api(fake, f"drafts/{draft['id']}"), params={"format": "raw"}).json()
    assert b64url_decode(got["message"]["raw"]) == raw
    raw2 = simple("Draft two", to="erin@example.org")
    r = s.put(
        f"{fake.base_url}/upload/gmail/v1/users/me/drafts/{draft['id']}?uploadType=media",
        data=raw2,
        headers={"Content-Type": "message/rfc822"},
    )
    assert r.ok and r.json()["id"] == draft["id"]
    assert s.get(api(fake, "drafts"), params={"q": "subject:two"}).json()["resultSizeEstimate"] == 1
    fake.send_accept_then_drop = 1
    with pytest.raises(requests.ConnectionError):
        s.post(api(fake, "drafts/send"), json={"id": draft["id"]})
    assert box.sent == [raw2] and not box.drafts
    assert s.post(api(fake, "drafts/send"), json={"id": draft["id"]}).status_code == 404
    d2 = s.post(api(fake, "drafts"), json={"message": {"raw": base64.b64encode(raw).decode()}})
    assert s.delete(api(fake, f"drafts/{d2.json()['id']}")).status_code == 204
    assert s.get(api(fake, "drafts")).json() == {"resultSizeEstimate": 0}


def test_labels_modify_trash(fake: FakeGoogle, box: Mailbox):
    s = session()
    created = s.post(api(fake, "labels"), json={"name": "Receipts"}).json()
    assert created["id"].startswith("Label_") and created["type"] == "user"
    dup = s.post(api(fake, "labels"), json={"name": "receipts"})
    assert (
        dup.status_code == 409
        and dup.json()["error"]["message"] == "Label name exists or conflicts"
    )
    mid = box.add_message(simple("x"))
    r = s.post(api(fake, f"messages/{mid}/modify"),
               json={"addLabelIds": [created["id"]], "removeLabelIds": ["UNREAD"]})  # fmt: skip
    assert r.json()["labelIds"] == ["INBOX", created["id"]]
    label = s.get(api(fake, f"labels/{created['id']}")).json()
    assert (label["messagesTotal"], label["messagesUnread"], label["threadsTotal"]) == (1, 0, 1)
    assert (
        s.post(api(fake, f"messages/{mid}/modify"), json={"addLabelIds": ["Nope"]}).status_code
        == 400
    )
    assert "TRASH" in s.post(api(fake, f"messages/{mid}/trash")).json()["labelIds"]
    assert s.get(api(fake, "messages")).json() == {"resultSizeEstimate": 0}
    assert s.post(api(fake, f"messages/{mid}/untrash")).json()["labelIds"] == [
        "INBOX",
        created["id"],
    ]
    r = s.post(api(fake, "messages/batchModify"), json={"ids": [mid], "addLabelIds": ["STARRED"]})
    assert r.status_code == 204 and r.content == b""
    assert "STARRED" in box.messages[mid].label_ids


# --- OAuth -----------------------------------------------------------------------------


def test_oauth_code_exchange_refresh_and_errors(fake: FakeGoogle):
    fake.oauth.client_id, fake.oauth.client_secret = "cid", "secret"
    fake.oauth.redirect_uri = "https://app.example/cb"
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    fake.oauth.add_code("code-1", access_token="tok-a", refresh_token="rt-a",
                        code_challenge=challenge.decode())  # fmt: skip
    token_url = f"{fake.base_url}/token"
    form = {"grant_type": "authorization_code", "code": "code-1", "client_id": "cid",
            "client_secret": "secret", "redirect_uri": "https://app.example/cb",
            "code_verifier": verifier}  # fmt: skip
    assert http_post(token_url, data={**form, "client_secret": "bad"}).status_code == 401
    ok = http_post(token_url, data=form)
    assert ok.status_code == 200, ok.text
    tok = ok.json()
    assert tok["access_token"] == "tok-a" and tok["refresh_token"] == "rt-a"
    assert tok["token_type"] == "Bearer" and tok["scope"] == MODIFY
    reused = http_post(token_url, data=form)
    assert reused.status_code == 400 and reused.json() == {
        "error": "invalid_grant", "error_description": "Bad Request"}  # fmt: skip
    box = fake.mailbox_for_token("tok-a")
    assert box is not None
    mid = box.add_message(simple("hi"))

    refresh = {"grant_type": "refresh_token", "refresh_token": "rt-a", "client_id": "cid",
               "client_secret": "secret"}  # fmt: skip
    new = http_post(token_url, data=refresh).json()
    assert "refresh_token" not in new and new["access_token"] != "tok-a"
    assert session(new["access_token"]).get(api(fake, f"messages/{mid}")).ok  # shared mailbox

    fake.oauth.next_error = ("invalid_grant", "Token has been expired or revoked.", 400)
    r = http_post(token_url, data=refresh)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    assert http_post(token_url, data=refresh).ok  # one-shot

    fake.oauth.add_code("code-2")
    r = requests.post(
        timeout=T, url=token_url, data={**form, "code": "code-2", "redirect_uri": "https://x/cb"}
    )
    assert r.json()["error"] == "redirect_uri_mismatch"
    fake.oauth.add_code("code-3", code_verifier="exact")
    r = requests.post(
        timeout=T, url=token_url, data={**form, "code": "code-3", "code_verifier": "wrong"}
    )
    assert r.json()["error"] == "invalid_grant"
    r = http_post(token_url, data={**form, "code": ""})
    assert r.json()["error"] == "invalid_request"
    assert http_post(f"{fake.base_url}/revoke", data={"token": "rt-a"}).status_code == 200
    r = http_post(token_url, data=refresh)
    assert r.json()["error_description"] == "Token has been expired or revoked."
    assert session(new["access_token"]).get(api(fake, "profile")).status_code == 401
    assert fake.oauth.requests[0]["client_secret"] == "bad"


def test_oauth_consent_page_redirects_with_a_code_bound_to_the_challenge(fake: FakeGoogle):
    box = fake.add_mailbox("tok-owner", "sam@example.com", {READONLY})
    mid = box.add_message(simple("hello"))
    fake.oauth.client_id, fake.oauth.client_secret = "cid", "secret"
    fake.oauth.consent_mailbox = box
    verifier = "w" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    auth_url = fake.env()["GOOGLE_OAUTH_AUTH_URL"]
    query = {"client_id": "cid", "redirect_uri": "http://127.0.0.1:9/", "response_type": "code",
             "scope": READONLY, "state": "st-1", "code_challenge": challenge.decode(),
             "code_challenge_method": "S256"}  # fmt: skip

    r = http_get(auth_url, params=query, allow_redirects=False)
    assert r.status_code == 302
    location = r.headers["Location"]
    assert location.startswith("http://127.0.0.1:9/?state=st-1&code=4%2F0A")
    answer = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert answer["scope"] == READONLY
    token_url = fake.env()["GOOGLE_OAUTH_TOKEN_URL"]
    form = {"grant_type": "authorization_code", "code": answer["code"], "client_id": "cid",
            "client_secret": "secret", "redirect_uri": "http://127.0.0.1:9/"}  # fmt: skip
    assert http_post(token_url, data={**form, "code_verifier": "x" * 50}).status_code == 400
    r = http_get(auth_url, params=query, allow_redirects=False)  # a fresh code
    form["code"] = parse_qs(urlsplit(r.headers["Location"]).query)["code"][0]
    tokens = http_post(token_url, data={**form, "code_verifier": verifier}).json()
    assert tokens["access_token"].startswith("ya29.") and tokens["refresh_token"].startswith("1//")
    assert tokens["scope"] == READONLY
    assert session(tokens["access_token"]).get(api(fake, f"messages/{mid}")).ok  # the owner's box

    fake.oauth.consent_error = "access_denied"
    r = http_get(auth_url, params=query, allow_redirects=False)
    assert r.headers["Location"] == "http://127.0.0.1:9/?state=st-1&error=access_denied"
    r = http_get(auth_url, params={**query, "client_id": "other"}, allow_redirects=False)
    assert r.status_code == 401 and "invalid_client" in r.text  # Google's page, no redirect
    fake.oauth.redirect_uri = "http://127.0.0.1:9/"
    r = http_get(auth_url, params={**query, "redirect_uri": "http://127.0.0.1:8/"},
                 allow_redirects=False)  # fmt: skip
    assert r.status_code == 400 and "redirect_uri_mismatch" in r.text


# --- wire compatibility with Google's own client ---------------------------------------------


def test_google_api_python_client_batch_and_uploads(fake: FakeGoogle, box: Mailbox):
    discovery = pytest.importorskip("googleapiclient.discovery")
    gapi_http = pytest.importorskip("googleapiclient.http")
    credentials = pytest.importorskip("google.oauth2.credentials")
    import googleapiclient

    path = Path(googleapiclient.__file__).parent / "discovery_cache/documents/gmail.v1.json"
    doc = json.loads(path.read_text())
    doc["rootUrl"] = doc["mtlsRootUrl"] = fake.base_url + "/"
    svc = discovery.build_from_document(doc, credentials=credentials.Credentials("tok-1"))
    ids = [box.add_message(simple(f"s{i}")) for i in range(4)]

    got: dict[str, object] = {}
    batch = gapi_http.BatchHttpRequest(
        callback=lambda rid, resp, exc: got.__setitem__(rid, exc or resp["id"]),
        batch_uri=f"{fake.base_url}/batch/gmail/v1",
    )
    for mid in [*ids, "0123456789abcdef"]:
        batch.add(svc.users().messages().get(userId="me", id=mid, format="minimal"), request_id=mid)
    batch.execute()
    assert all(got[mid] == mid for mid in ids)
    assert getattr(got["0123456789abcdef"], "status_code", None) == 404

    raw = simple("big", to="z@example.org", body="x" * 600_000)
    media = gapi_http.MediaIoBaseUpload(
        io.BytesIO(raw), mimetype="message/rfc822", resumable=True, chunksize=256 * 1024
    )
    sent = svc.users().messages().send(userId="me", body={}, media_body=media).execute()
    assert sent["labelIds"] == ["SENT"] and box.sent == [raw]
    media = gapi_http.MediaIoBaseUpload(io.BytesIO(raw), mimetype="message/rfc822")
    draft = svc.users().drafts().create(userId="me", body={}, media_body=media).execute()
    assert draft["message"]["labelIds"] == ["DRAFT"]
    statuses = [c.query.get("uploadType") for c in fake.stats.calls if c.path.startswith("/upload")]
    assert statuses.count(["resumable"]) == 4 and ["multipart"] in statuses


def test_refresh_after_expiry_shares_mailbox_and_fake_errors_are_recorded(fake: FakeGoogle):
    box = fake.add_mailbox("tok-1")
    mid = box.add_message(simple("kept"))
    fake.oauth.add_refresh_token("rt-1", access_token="tok-1")
    fake.expire_token("tok-1")
    assert session().get(api(fake, "profile")).status_code == 401
    form = {"grant_type": "refresh_token", "refresh_token": "rt-1", "client_id": "any"}
    new = http_post(f"{fake.base_url}/token", data=form).json()["access_token"]
    assert session(new).get(api(fake, f"messages/{mid}")).ok
    assert fake.mailbox_for_token(new) is box
    assert fake.server_errors == []


# --- late sends and search-index lag (never-send-twice tests rely on both) --------------------
def test_late_send_lands_in_sent_after_the_client_gave_up(fake: FakeGoogle, box: Mailbox) -> None:
    fake.late_sends = [0.6]
    raw = simple("late", extra="Message-ID: <late-1@example.com>\r\n")
    s = session()
    with pytest.raises(requests.exceptions.ReadTimeout):
        s.post(
            f"{fake.base_url}/upload/gmail/v1/users/me/messages/send?uploadType=media",
            data=raw,
            headers={"Content-Type": "message/rfc822"},
            timeout=(5, 0.2),
        )
    assert box.sent == []  # accepted, not done yet
    deadline = time.monotonic() + 5
    while not box.sent and time.monotonic() < deadline:
        time.sleep(0.05)
    assert box.sent == [raw]
    listed = s.get(api(fake, "messages"), params={"labelIds": "SENT"}).json()
    assert len(listed["messages"]) == 1


def test_late_send_refuses_bad_requests_at_once(fake: FakeGoogle, box: Mailbox) -> None:
    fake.late_sends = [5.0]
    r = session().post(
        f"{fake.base_url}/upload/gmail/v1/users/me/messages/send?uploadType=media",
        data=b"Subject: nobody\r\n\r\nx\r\n",
        headers={"Content-Type": "message/rfc822"},
    )
    assert r.status_code == 400 and box.sent == []


def test_search_index_lag_hides_new_mail_from_q_only(fake: FakeGoogle) -> None:
    # A lag no pause of the test process outlasts; then the index catches up (the clock is
    # moved, not waited for).
    box = fake.add_mailbox("tok-lag", "lag@example.com", {MODIFY}, search_index_lag_s=30)
    s = session("tok-lag")
    sent = s.post(
        f"{fake.base_url}/upload/gmail/v1/users/me/messages/send?uploadType=media",
        data=simple("fresh", extra="Message-ID: <fresh@example.com>\r\n"),
        headers={"Content-Type": "message/rfc822"},
    ).json()
    q = {"q": "rfc822msgid:fresh@example.com"}
    assert "messages" not in s.get(api(fake, "messages"), params=q).json()
    assert s.get(api(fake, "messages"), params={"labelIds": "SENT"}).json()["messages"]
    assert s.get(api(fake, f"messages/{sent['id']}")).ok
    assert box.messages[sent["id"]].searchable_at > time.monotonic() + 25
    box.messages[sent["id"]].searchable_at = time.monotonic()
    assert s.get(api(fake, "messages"), params=q).json()["messages"][0]["id"] == sent["id"]


# --- send-as addresses ------------------------------------------------------------------


def test_send_as_list_and_get_look_like_gmail(fake: FakeGoogle, box: Mailbox) -> None:
    box.primary.display_name = "Me"
    box.primary.signature = "<b>Me</b>"
    box.add_alias("sales@example.com", display_name="Sales", reply_to="orders@example.com")
    box.add_alias("pending@example.org", verification="pending", default=False)
    s = session()
    listed = s.get(api(fake, "settings/sendAs")).json()["sendAs"]
    assert listed == [
        {"sendAsEmail": "me@example.com", "displayName": "Me", "signature": "<b>Me</b>",
         "isPrimary": True, "isDefault": True},
        {"sendAsEmail": "sales@example.com", "displayName": "Sales",
         "replyToAddress": "orders@example.com", "verificationStatus": "accepted",
         "treatAsAlias": True},
        {"sendAsEmail": "pending@example.org", "verificationStatus": "pending",
         "treatAsAlias": True},
    ]  # fmt: skip
    assert s.get(api(fake, "settings/sendAs/sales%40example.com")).json() == listed[1]
    assert s.get(api(fake, "settings/sendAs/nobody@example.com")).status_code == 404
    box.set_default("sales@example.com")
    flags = [(a["sendAsEmail"], a.get("isDefault", False)) for a in
             s.get(api(fake, "settings/sendAs")).json()["sendAs"]]  # fmt: skip
    assert flags == [("me@example.com", False), ("sales@example.com", True),
                     ("pending@example.org", False)]  # fmt: skip
    # compose alone does not read settings (as Gmail's discovery document says)
    fake.add_mailbox(
        "tok-compose", "c@example.com", {"https://www.googleapis.com/auth/gmail.compose"}
    )
    assert session("tok-compose").get(api(fake, "settings/sendAs")).status_code == 403


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("Sales <sales@example.com>", "Sales <sales@example.com>"),  # verified: kept
        ("me@example.com", "me@example.com"),
        ("Pending <pending@example.org>", "Me <me@example.com>"),  # unverified: rewritten
        ("Someone <ceo@example.com>", "Me <me@example.com>"),  # not an alias: rewritten
        (None, "Me <me@example.com>"),  # none: the default address
    ],
)
def test_a_send_from_an_address_that_is_not_a_verified_alias_goes_out_from_the_default(
    fake: FakeGoogle, box: Mailbox, given: str | None, sent: str
) -> None:
    box.primary.display_name = "Me"
    box.add_alias("sales@example.com", display_name="Sales")
    box.add_alias("pending@example.org", verification="pending")
    raw = simple("x", to="carol@example.org")
    raw = raw.replace(b"From: bob@example.org\r\n", f"From: {given}\r\n".encode() if given else b"")
    r = session().post(api(fake, "messages/send"), json={"raw": base64.b64encode(raw).decode()})
    assert r.status_code == 200  # no error: Gmail rewrites silently
    assert box.sent_from == [sent]
    stored = email.message_from_bytes(box.messages[r.json()["id"]].raw, policy=email.policy.default)
    assert stored["From"] == sent


def test_cached_listing_is_kept_until_the_mailbox_changes(fake: FakeGoogle) -> None:
    """A benchmark's mailbox (cache_answers) answers a repeated messages.list from what it
    kept, in the same order, and builds it again once a change was made."""
    box = fake.add_mailbox("tok-c", "me@example.com", {MODIFY}, cache_answers=True)
    for i in range(5):
        box.add_message(simple(f"m{i}"), label_ids=["INBOX"])
    s = session("tok-c")
    listing = api(fake, "messages")
    first = http_get(listing, headers=s.headers, params={"labelIds": "INBOX"}).json()
    again = http_get(listing, headers=s.headers, params={"labelIds": "INBOX"}).json()
    assert again == first and len(first["messages"]) == 5
    new = box.add_message(simple("new"), label_ids=["INBOX"])
    after = http_get(listing, headers=s.headers, params={"labelIds": "INBOX"}).json()
    assert new in {m["id"] for m in after["messages"]} and len(after["messages"]) == 6


def test_listing_is_not_kept_while_the_search_index_lags() -> None:
    with FakeGoogle(seed=3) as fake:
        box = fake.add_mailbox(
            "tok-l", "me@example.com", {MODIFY}, cache_answers=True, search_index_lag_s=30
        )
        s = session("tok-l")
        fresh = box.add_message(simple("fresh"), label_ids=["INBOX"])
        url = api(fake, "messages")
        assert (
            http_get(url, headers=s.headers, params={"q": "fresh"}).json().get("messages") is None
        )
        box.messages[fresh].searchable_at = time.monotonic()  # the index caught up
        assert len(http_get(url, headers=s.headers, params={"q": "fresh"}).json()["messages"]) == 1


def test_listing_relative_to_now_is_not_kept(fake: FakeGoogle) -> None:
    """newer_than: finds less as time passes, with no change to the mailbox."""
    box = fake.add_mailbox("tok-r", "me@example.com", {MODIFY}, cache_answers=True)
    box.add_message(simple("recent"), label_ids=["INBOX"], internal_date_ms=int(time.time() * 1000))
    s = session("tok-r")
    url = api(fake, "messages")
    assert (
        len(http_get(url, headers=s.headers, params={"q": "newer_than:1d"}).json()["messages"]) == 1
    )
    box.messages[next(iter(box.messages))].internal_date_ms -= 2 * 86_400_000  # time passes
    assert (
        http_get(url, headers=s.headers, params={"q": "newer_than:1d"}).json().get("messages")
        is None
    )
