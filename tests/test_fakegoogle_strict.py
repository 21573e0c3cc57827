"""The fake refuses what Google refuses: field masks (applied, and checked against the
discovery document's schemas), multipart/related uploads, the label colour palette; and it
counts requests in flight per token."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
import requests

from devkit.fakegoogle import GMAIL_MODIFY, FakeGoogle, Mailbox
from devkit.fakegoogle import discovery as fake_discovery
from gmail_core import labels
from gmail_core.messages import STRUCTURE_FIELDS
from tests.test_fakegoogle import NESTED, api, parse_batch_response, related, session
from tests.test_fakegoogle import simple as simple_message


@pytest.fixture
def fake() -> Iterator[FakeGoogle]:
    with FakeGoogle(seed=5) as f:
        yield f


@pytest.fixture
def box(fake: FakeGoogle) -> Mailbox:
    return fake.add_mailbox("tok-1", "me@example.com", {GMAIL_MODIFY})


# -- partial responses ------------------------------------------------------------------------
def test_fields_mask_keeps_only_what_was_asked(fake: FakeGoogle, box: Mailbox) -> None:
    mid = box.add_message(NESTED)
    s = session()
    listing = s.get(api(fake, "messages"), params={"fields": "messages(id)"}).json()
    assert listing == {"messages": [{"id": mid}]}  # no threadId, no resultSizeEstimate
    got = s.get(api(fake, f"messages/{mid}"), params={"fields": "id,payload/parts(partId)"})
    assert got.json() == {"id": mid, "payload": {"parts": [{"partId": "0"}, {"partId": "1"}]}}
    # the search mask: headers and the attachment list, no body bytes
    full = s.get(api(fake, f"messages/{mid}"), params={"fields": STRUCTURE_FIELDS}).json()
    assert set(full) == {"id", "threadId", "labelIds", "snippet", "internalDate", "sizeEstimate",
                         "payload"}  # fmt: skip
    assert "data" not in json.dumps(full)
    pdf = full["payload"]["parts"][1]["body"]
    assert set(pdf) == {"size", "attachmentId"}
    assert s.get(api(fake, "profile"), params={"fields": "*"}).json()["emailAddress"]


@pytest.mark.parametrize(
    ("path", "fields", "bad"),
    [
        ("messages", "mesages(id)", "mesages"),
        ("messages", "messages(id,thredId)", "thredId"),
        ("messages/{mid}", "id,payload(partId,body(size,atachmentId))", "atachmentId"),
        ("messages/{mid}", "id(x)", "id"),  # sub-selection of a string
        ("messages/{mid}", "payload/parts/nope", "nope"),
        ("labels", "labels(id,name,colour)", "colour"),
        ("messages/{mid}", "id,(", "id,("),  # malformed
    ],
)
def test_unknown_field_names_are_a_400(
    fake: FakeGoogle, box: Mailbox, path: str, fields: str, bad: str
) -> None:
    mid = box.add_message(NESTED)
    r = session().get(api(fake, path.format(mid=mid)), params={"fields": fields})
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["message"] == f"Invalid field selection {bad}"
    assert err["errors"][0]["reason"] == "invalidParameter"
    assert err["errors"][0]["location"] == "fields"


def test_fields_apply_inside_a_batch_and_a_bad_mask_sends_nothing(
    fake: FakeGoogle, box: Mailbox
) -> None:
    mid = box.add_message(NESTED)
    body = (
        "--b\r\nContent-Type: application/http\r\nContent-ID: <one>\r\n\r\n"
        f"GET /gmail/v1/users/me/messages/{mid}?fields=id,labelIds HTTP/1.1\r\n\r\n--b--\r\n"
    ).encode()
    r = session().post(f"{fake.base_url}/batch/gmail/v1", data=body,
                       headers={"Content-Type": "multipart/mixed; boundary=b"})  # fmt: skip
    [(_, status, msg)] = parse_batch_response(r)
    assert (status, msg) == (200, {"id": mid, "labelIds": ["INBOX", "UNREAD"]})
    raw = simple_message("x", to="a@example.org")
    sent = session().post(
        f"{fake.base_url}/upload/gmail/v1/users/me/messages/send",
        params={"uploadType": "media", "fields": "id,threadid"},
        data=raw,
        headers={"Content-Type": "message/rfc822"},
    )
    assert sent.status_code == 400 and box.sent == []


def test_every_handler_names_a_discovery_method() -> None:
    from devkit.fakegoogle.api import GmailApi

    api_ = GmailApi(lambda _t: None, lambda: None, lambda: False, lambda: None)
    handlers = {h.__name__ for _, _, _, h in api_._routes}
    assert handlers == set(fake_discovery.METHOD_OF_HANDLER)
    assert fake_discovery.response_schema("messages_get") == "Message"
    assert fake_discovery.response_schema("messages_delete") is None


# -- uploads ------------------------------------------------------------------------------------
@pytest.mark.parametrize("ctype", ["multipart/mixed", "multipart/form-data", "message/rfc822"])
def test_multipart_upload_must_be_multipart_related(
    fake: FakeGoogle, box: Mailbox, ctype: str
) -> None:
    body, related_type = related({}, simple_message("x", to="a@example.org"))
    r = session().post(
        f"{fake.base_url}/upload/gmail/v1/users/me/messages/send?uploadType=multipart",
        data=body,
        headers={"Content-Type": related_type.replace("multipart/related", ctype)},
    )
    assert r.status_code == 400 and "multipart/related" in r.json()["error"]["message"]
    assert box.sent == []


# -- label colours ----------------------------------------------------------------------------
def test_label_palette_comes_from_the_discovery_document() -> None:
    background = fake_discovery.label_palette("backgroundColor")
    assert len(background) > 100 and "#4a86e8" in background
    assert fake_discovery.label_palette("textColor") == background
    # the plugin refuses exactly what Gmail refuses
    assert background == labels.PALETTE


@pytest.mark.parametrize(
    "color",
    [
        {"backgroundColor": "#123456", "textColor": "#000000"},
        {"backgroundColor": "#4a86e8", "textColor": "#fefefe"},
        {"backgroundColor": "#4a86e8"},
        {"textColor": "#ffffff"},
        {"backgroundColor": "blue", "textColor": "#ffffff"},
    ],
)
def test_label_colour_outside_the_palette_is_a_400(
    fake: FakeGoogle, box: Mailbox, color: dict[str, str]
) -> None:
    s = session()
    r = s.post(api(fake, "labels"), json={"name": "Painted", "color": color})
    assert r.status_code == 400, r.text
    assert box.label_by_name("Painted") is None
    ok = s.post(
        api(fake, "labels"),
        json={"name": "Painted", "color": {"backgroundColor": "#4a86e8", "textColor": "#ffffff"}},
    )
    assert ok.status_code == 200
    assert s.patch(api(fake, f"labels/{ok.json()['id']}"), json={"color": color}).status_code == 400


# -- concurrency statistics -------------------------------------------------------------------
def test_requests_in_flight_are_counted_per_token() -> None:
    # Every request is in flight for a second: all five overlap even on a busy machine.
    with FakeGoogle(rtt_ms=1000, seed=6) as fake:
        tokens = ["tok-a", "tok-a", "tok-b", "tok-c", "tok-c"]
        for tok in set(tokens):
            fake.add_mailbox(tok, f"{tok}@example.com")
        barrier = threading.Barrier(len(tokens))

        def call(tok: str) -> None:
            barrier.wait()
            assert requests.get(api(fake, "profile"), timeout=10,
                                headers={"Authorization": f"Bearer {tok}"}).ok  # fmt: skip

        threads = [threading.Thread(target=call, args=(t,)) for t in tokens]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stats = fake.stats
        assert stats.peak_in_flight == 5
        assert stats.peak_tokens_in_flight == 3
        assert stats.peak_in_flight_by_token == {"tok-a": 2, "tok-b": 1, "tok-c": 2}
        # sequential requests never overlap
        fake.rtt_ms = 100
        stats.reset()
        for tok in tokens:
            requests.get(api(fake, "profile"), timeout=10,
                         headers={"Authorization": f"Bearer {tok}"})  # fmt: skip
        assert (stats.peak_in_flight, stats.peak_tokens_in_flight) == (1, 1)
