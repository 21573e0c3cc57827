"""The file-link guard: Dify's own signed file links (also on a Docker network's private
address) are fetched; links to cloud metadata, loopback, link-local and other internal
addresses are refused with the reason, unless GMAIL_DIFY_FILE_HOSTS names the host."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

import pytest
import requests

from gmail_core import dify, file_urls, transport
from gmail_core.errors import InvalidInputError
from tests.reliability import FileServer

UUID = "3f2b6c1e-8d4a-4b7e-9c0f-1a2b3c4d5e6f"
SIGNED = "timestamp=1764600000&nonce=9f1c2e3d4b5a69788796a5b4c3d2e1f0&sign=q2Xv-abc_def%3D"

DNS = {
    "api": ["172.18.0.6"],  # docker compose's Dify API container
    "dify.example.com": ["93.184.216.34"],
    "files.example.com": ["93.184.216.34", "10.0.0.7"],  # one answer internal
    "metadata.google.internal": ["169.254.169.254"],
    "localhost": ["127.0.0.1", "::1"],
    "intranet": ["10.1.2.3"],
}


def fake_dns(host: str, port: int) -> Sequence[str]:
    if host in DNS:
        return DNS[host]
    try:
        file_urls.kind_of(host)
    except ValueError:
        raise OSError("no such host") from None
    return [host]


def check(url: str, hosts: frozenset[str] = frozenset()) -> None:
    file_urls.check(url, name="a.pdf", allowed_hosts=hosts, resolver=fake_dns)


@pytest.mark.parametrize(
    "url",
    [
        f"http://api:5001/files/{UUID}/file-preview?{SIGNED}",  # Docker Dify, out of the box
        f"http://api:5001/files/tools/{UUID}.pdf?{SIGNED}",  # a tool's output file
        f"http://10.1.2.3/dify/files/{UUID}/image-preview?{SIGNED}",  # behind a path prefix
        f"https://dify.example.com/files/{UUID}/file-preview?{SIGNED}",
        "https://dify.example.com/any/public/file.pdf",  # public: a file added by URL
    ],
)
def test_dify_links_and_public_files_are_fetched(url: str) -> None:
    check(url)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://169.254.169.254/latest/meta-data/iam/", "link-local address (169.254.169.254)"),
        ("http://metadata.google.internal/computeMetadata/v1/", "cloud metadata"),
        (f"http://169.254.169.254/files/{UUID}/file-preview?{SIGNED}", "link-local"),
        ("http://[::ffff:169.254.169.254]/", "link-local"),
        ("http://127.0.0.1:8080/admin", "loopback address (127.0.0.1)"),
        (f"http://localhost:5001/files/{UUID}/file-preview?{SIGNED}", "loopback"),
        ("http://[::1]/", "loopback"),
        ("http://intranet/hr/salaries.xlsx", "private-network address (10.1.2.3)"),
        (f"http://intranet/files/{UUID}/file-preview", "private-network"),  # unsigned
        ("http://[fd00:ec2::254]/latest/meta-data/", "private-network"),
        ("https://files.example.com/a.pdf", "private-network address (10.0.0.7)"),
        ("http://0.0.0.0:5001/", "reserved"),
        # IPv6 forms of internal IPv4 addresses, and IPv6's own internal ranges
        ("http://[::ffff:7f00:1]/", "loopback"),
        ("http://[2002:a9fe:a9fe::1]/latest/meta-data/", "link-local"),
        ("http://[2002:7f00:1::]/", "loopback"),
        ("http://[fec0::1]/", "private-network"),
    ],
)
def test_internal_addresses_are_refused_with_the_reason(url: str, why: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        check(url)
    text = str(info.value)
    assert why in text and "GMAIL_DIFY_FILE_HOSTS" in text and "'a.pdf'" in text
    assert len(text) < 400


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://dify.example.com/a", "a.pdf"])
def test_non_web_links_are_refused(url: str) -> None:
    with pytest.raises(InvalidInputError, match="no web link"):
        check(url)


def test_unknown_host_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="Could not find the host"):
        check("http://no-such-host.invalid/a.pdf")


def test_configured_hosts_replace_the_shape_rule() -> None:
    hosts = frozenset({"127.0.0.1", "files.internal:8080"})
    check("http://127.0.0.1:45123/files/7?timestamp=1&sign=x", hosts)  # the tests' file server
    DNS["files.internal"] = ["10.9.9.9"]
    check("http://files.internal:8080/whatever", hosts)
    with pytest.raises(InvalidInputError):
        check("http://files.internal:9090/whatever", hosts)  # another port
    with pytest.raises(InvalidInputError):  # with a list, only the hosts listed
        check(f"http://api:5001/files/{UUID}/file-preview?{SIGNED}", hosts)


def test_the_hosts_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GMAIL_DIFY_FILE_HOSTS", " API:5001 ; [::1]:8080 ,files ")
    from gmail_core import config

    assert config.dify_file_hosts() == frozenset({"api:5001", "::1:8080", "files"})


def test_a_dify_file_on_loopback_is_refused_before_any_download(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GMAIL_DIFY_FILE_HOSTS", raising=False)
    server = FileServer().start()
    try:
        param = server.file_param("/files/1", b"%PDF-1.4 secret")
        item = dify.dify_files([param])
        with pytest.raises(InvalidInputError, match="loopback"):
            dify.attachments_from_files(item)
        assert server.requests == []  # nothing was fetched
        monkeypatch.setenv("GMAIL_DIFY_FILE_HOSTS", "127.0.0.1")
        (att,) = dify.attachments_from_files(item).fetch(transport.Deadline())
        assert att.data == b"%PDF-1.4 secret"
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("url", "why"),
    [
        # The standard library reads the host after the "@"; requests (urllib3) ends the
        # host at the backslash and connects to the address before it.
        ("http://127.0.0.1\\@dify.example.com/a.pdf", "loopback"),
        ("http://169.254.169.254\\@dify.example.com/latest/meta-data/", "link-local"),
        ("http://intranet:8080\\@dify.example.com/hr.xlsx", "private-network"),
    ],
)
def test_the_host_checked_is_the_host_requests_connects_to(url: str, why: str) -> None:
    with pytest.raises(InvalidInputError, match=why):
        check(url)


def test_every_link_is_checked_in_the_form_requests_sends() -> None:
    asked: list[str] = []

    def recording_dns(host: str, port: int) -> Sequence[str]:
        asked.append(host)
        return ["93.184.216.34"]

    for url in (
        "http://a.example\\@b.example/x",
        "http://a.example%2f@b.example/x",
        "http://b\u00fccher.example/x",
        "HTTP://Files.Example:8080/x",
    ):
        asked.clear()
        file_urls.check(url, name="a.pdf", allowed_hosts=frozenset(), resolver=recording_dns)
        sent = requests.Request("GET", url).prepare().url or ""
        assert asked == [urlsplit(sent).hostname], url


def test_files_that_understate_their_size_stop_at_gmails_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A file added by URL declares what its server said: the download, not the declared
    size, decides when the total passes Gmail's limit, and nothing more is fetched then."""
    monkeypatch.setenv("GMAIL_DIFY_FILE_HOSTS", "127.0.0.1")
    server = FileServer().start()
    try:
        big = b"x" * (13 * 1024 * 1024)
        items = [
            server.file_param("/files/1", big, filename="1.pdf", size=1),
            server.file_param("/files/2", big, filename="2.pdf", size=1),
            server.file_param("/files/3", b"x", filename="3.pdf", size=1),
        ]
        files = dify.attachments_from_files(dify.dify_files(items))
        with pytest.raises(InvalidInputError, match=r"over Gmail's 25 MB limit.*1\.pdf"):
            files.fetch(transport.Deadline())
        assert server.requests == ["/files/1", "/files/2"]  # stopped inside the second
    finally:
        server.stop()
