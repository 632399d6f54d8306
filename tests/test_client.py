"""The client against the simulated PBX over real loopback HTTP."""

from __future__ import annotations

import logging
import socket
from datetime import datetime

import httpx
import pytest

from ccall_tui.api.client import CcallClient
from ccall_tui.api.errors import (
    AuthenticationError,
    CcallError,
    ProtocolError,
    ServerError,
    TransportError,
)
from ccall_tui.api.cdrs import CdrQuery
from ccall_tui.monitor.export import fetch_all

from conftest import VN, DemoCredentials

SECRET = "s3cr3t-Very-Private"
KEY = "0b98a1f7e3"


def client_for(sim, creds=None, timeout=2.0) -> CcallClient:
    return CcallClient(sim.base_url, creds or DemoCredentials(), timeout=timeout, tz=VN)


async def test_registrations_group_devices(sim):
    async with client_for(sim) as client:
        snap = await client.registrations()
    assert 20 < len(snap) <= 60
    assert any(len(regs) == 2 for regs in snap.extensions.values())
    for regs in snap.extensions.values():
        for reg in regs:
            assert reg.agent and reg.ip and reg.port and reg.transport


async def test_request_body_is_exactly_the_filters(sim):
    query = CdrQuery(
        date_from=datetime(2026, 11, 27, 8, 0, tzinfo=VN),
        date_to=datetime(2026, 11, 27, 10, 0, tzinfo=VN),
        hangup_causes=("NO_ANSWER", "USER_BUSY"),
        direction="inbound",
        page=1,
        limit=25,
    )
    async with client_for(sim) as client:
        page = await client.cdrs(query)
    path, full = sim.requests[-1]
    body = full["submission"]
    assert path == "/cdrs/json"
    assert body == {
        "date_range": {"from": "2026-11-27 08:00", "to": "2026-11-27 10:00"},
        "hangup_cause": "NO_ANSWER;USER_BUSY",
        "direction": "inbound",
        "page": 1,
        "limit": 25,
    }
    assert page.records and all(r.status in ("NO_ANSWER", "USER_BUSY") for r in page.records)
    assert all(r.direction == "inbound" for r in page.records)
    assert page.paging is not None and page.paging.limit == 25


async def test_call_id_round_trip_and_not_found(sim):
    async with client_for(sim) as client:
        page = await client.cdrs(CdrQuery(page=1, limit=5))
        wanted = page.records[0]
        found = await client.cdr(wanted.call_id)
        missing = await client.cdr("no-such-call")
    assert found is not None and found.call_id == wanted.call_id and found.start == wanted.start
    assert missing is None


async def test_all_pages_add_up_to_record_count(sim):
    query = CdrQuery(date_from=datetime(2026, 11, 26, 0, 0, tzinfo=VN), date_to=datetime(2026, 11, 26, 23, 59, tzinfo=VN))
    async with client_for(sim) as client:
        first = await client.cdrs(query.with_page(1, 500))
        records = await fetch_all(client, query, page_size=500, concurrency=4)
        sequential = await fetch_all(client, query, page_size=500, concurrency=1)
    assert first.paging.record_count >= 1000  # a busy weekday
    assert len(records) == first.paging.record_count
    assert len({r.call_id for r in records}) == len(records)
    assert [r.call_id for r in records] == [r.call_id for r in sequential]


async def test_wrong_secret_is_an_authentication_error_without_the_secret(sim, caplog):
    caplog.set_level(logging.DEBUG, logger="ccall_tui")
    with pytest.raises(AuthenticationError) as info:
        async with client_for(sim, DemoCredentials(KEY, SECRET)) as client:
            await client.registrations()
    assert info.value.exit_code == 3
    assert info.value.message.count("Authentication failed") == 1
    assert SECRET not in info.value.message and KEY not in info.value.message
    assert "/ext_reg/json" in caplog.text
    assert SECRET not in caplog.text and KEY not in caplog.text


async def test_auth_error_in_a_200_answer(sim):
    sim.faults.auth_failure = True
    sim.faults.auth_style = "200"
    with pytest.raises(AuthenticationError):
        async with client_for(sim) as client:
            await client.registrations()


@pytest.mark.parametrize(
    "fault, value, error, words",
    [
        ("html_error", True, ServerError, "502"),
        ("status_5xx", 503, ServerError, "503"),
        ("malformed_json", True, ProtocolError, "JSON"),
        ("empty_body", True, ProtocolError, "empty"),
        ("no_response_key", True, ProtocolError, "response"),
    ],
)
async def test_faults_become_one_line(sim, fault, value, error, words):
    setattr(sim.faults, fault, value)
    with pytest.raises(error) as info:
        async with client_for(sim) as client:
            await client.registrations()
    message = info.value.message
    assert words in message and "\n" not in message and "<" not in message
    assert info.value.exit_code == 5


async def test_timeout(sim):
    sim.faults.timeout = True
    with pytest.raises(TransportError) as info:
        async with client_for(sim, timeout=0.5) as client:
            await client.registrations()
    assert "0.5 s" in info.value.message and info.value.exit_code == 4


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_connection_refused():
    client = CcallClient(f"http://127.0.0.1:{free_port()}", DemoCredentials(), timeout=2)
    with pytest.raises(TransportError) as info:
        async with client:
            await client.registrations()
    assert "refused" in info.value.message.lower()


async def test_dns_and_tls_errors_are_named():
    def handler(request):
        raise httpx.ConnectError("[Errno -2] Name or service not known")

    client = CcallClient("https://nowhere.invalid", DemoCredentials(), transport=httpx.MockTransport(handler))
    with pytest.raises(TransportError) as info:
        async with client:
            await client.registrations()
    assert "DNS" in info.value.message

    def tls(request):
        raise httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")

    client = CcallClient("https://bad.example", DemoCredentials(), transport=httpx.MockTransport(tls))
    with pytest.raises(TransportError) as info:
        async with client:
            await client.registrations()
    assert "TLS" in info.value.message


async def test_server_words_are_made_safe_and_secret_scrubbed():
    def handler(request):
        return httpx.Response(200, json={"error": f"bad key {SECRET}\x1b]52;c;aGk=\x07 [bold]x"})

    client = CcallClient("https://x.example", DemoCredentials(KEY, SECRET), transport=httpx.MockTransport(handler))
    with pytest.raises(CcallError) as info:
        async with client:
            await client.registrations()
    message = info.value.message
    assert SECRET not in message and "\x1b" not in message and "\x07" not in message
    assert "[bold]x" in message


async def test_recording_downloads_completely(sim, tmp_path):
    async with client_for(sim) as client:
        page = await client.cdrs(CdrQuery(page=1, limit=50))
        record = next(r for r in page.records if r.recording_url)
        seen = []
        target = await client.download(record.recording_url, tmp_path / "a.wav", progress=lambda n, t: seen.append((n, t)))
    import wave

    with wave.open(str(target)) as wav:
        assert wav.getnframes() > 0
    assert seen[-1][0] == seen[-1][1] == target.stat().st_size
    assert not list(tmp_path.glob("*.part"))


async def test_failed_download_leaves_nothing(sim, tmp_path):
    async with client_for(sim) as client:
        with pytest.raises(ServerError):
            await client.download(sim.base_url + "/recordings/nope.wav", tmp_path / "b.wav")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("body", "charset"),
    [
        ('{"response": {"cdrs": [{"call_id": 123456789012345678901234567890, "caller_id_name": "A"}]}}', None),
        ('{"response": {"cdrs": [{"call_id": "x", "mos": NaN, "billsec": 1e400}]}}', None),
        ('{"response": {"cdrs": [{"call_id": "y", "caller_id_name": "\\ud800 \\u00e9"}]}}', "utf-8"),
        ('{"response": {"cdrs": [{"call_id": "z", "caller_id_name": "Lê Thị Hà"}]}}', "iso-8859-1"),
        ('{"response": {"cdrs": [{"call_id": "w", "caller_id_name": "Lê Thị Hà", "duration": 18446744073709551615}]}}', None),
    ],
)
async def test_answers_read_as_the_standard_json_parser_reads_them(body, charset):
    """The fast JSON reader never changes what an answer says: a call id of 30 digits stays
    those digits, NaN and a lone surrogate still read, a declared charset is honoured (even
    when the bytes would also read as UTF-8)."""
    import json

    from ccall_tui.api.cdrs import parse_cdrs

    encoded = body.encode("utf-8")  # sent as UTF-8 bytes even where another charset is declared
    content_type = "application/json" + (f"; charset={charset}" if charset else "")

    def handler(request):
        return httpx.Response(200, content=encoded, headers={"Content-Type": content_type})

    async with CcallClient("https://x.example", DemoCredentials(), transport=httpx.MockTransport(handler), tz=VN) as client:
        page = await client.cdrs(CdrQuery(page=1, limit=50))
    expected = parse_cdrs(json.loads(encoded.decode(charset or "utf-8", errors="replace")), VN)
    assert repr(page.records) == repr(expected.records)
    assert page.records[0].call_id == expected.records[0].call_id


async def test_an_answer_nested_too_deep_is_one_line_not_a_crash():
    def handler(request):
        return httpx.Response(200, content=b"[" * 100_000 + b"]" * 100_000, headers={"Content-Type": "application/json"})

    async with CcallClient("https://x.example", DemoCredentials(), transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(ProtocolError) as info:
            await client.registrations()
    assert info.value.message == "The server's answer is not valid JSON."


@pytest.mark.parametrize(
    "echo",
    [
        lambda s: s.upper(),
        lambda s: __import__("urllib.parse").parse.quote(s, safe=""),
        lambda s: __import__("urllib.parse").parse.quote_plus(s),
        lambda s: __import__("json").dumps(s)[1:-1],
        lambda s: __import__("json").dumps(s, ensure_ascii=False)[1:-1].swapcase(),
    ],
    ids=["upper", "url", "form", "json", "json-swapcase"],
)
async def test_a_secret_echoed_in_any_form_is_scrubbed_before_the_cut(echo):
    secret = 'pä/ss "wörd"+Zq9 long enough'
    padding = "x" * 140  # the echo straddles the cut of the server's words

    def handler(request):
        return httpx.Response(500, json={"message": f"{padding} got {echo(secret)} from you"})

    client = CcallClient("https://x.example", DemoCredentials(KEY, secret), transport=httpx.MockTransport(handler))
    with pytest.raises(ServerError) as info:
        async with client:
            await client.registrations()
    message = info.value.message.lower()
    assert message.startswith("http 500 from the server: xxxx")
    for form in (secret, echo(secret)):
        for i in range(len(form) - 3):
            piece = form[i: i + 4].lower()
            if piece.strip("x "):
                assert piece not in message, piece


def test_scrub_and_masks():
    from ccall_tui.api.errors import Secrets, scrub
    from ccall_tui.api.text import mask_url, url_host

    assert scrub("key ABCDEF and abcdef and AbCdEf", ("abcdef",)) == "key **** and **** and ****"
    assert scrub("nothing", ()) == "nothing" and scrub("a", ("a",)) == "a"  # one letter is never scrubbed
    assert repr(Secrets(["s3cr3t"])) == "Secrets(<1 hidden>)" and "s3cr3t" not in str(Secrets(["s3cr3t"]))
    assert mask_url("https://user:pw@api.example:8443/x") == "https://****@api.example:8443/x"
    assert mask_url("https://api.example") == "https://api.example"
    assert url_host("https://user:pw@api.example:8443/x") == "api.example:8443"


def test_retry_after_reads_seconds_and_dates():
    from datetime import datetime, timezone

    from ccall_tui.api.answers import retry_after

    now = datetime(2026, 12, 1, 10, 0, 0, tzinfo=timezone.utc)

    def answer(status, value):
        return httpx.Response(status, headers={"Retry-After": value} if value is not None else {})

    assert retry_after(answer(429, "12"), now) == 12
    assert retry_after(answer(503, "Tue, 01 Dec 2026 10:01:30 GMT"), now) == 90
    assert retry_after(answer(429, "Tue, 01 Dec 2026 09:00:00 GMT"), now) == 0
    assert retry_after(answer(429, "999999"), now) == 3600
    assert retry_after(answer(429, "soon"), now) is None
    assert retry_after(answer(429, None), now) is None
    assert retry_after(answer(500, "12"), now) is None
