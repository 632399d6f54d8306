"""Recording downloads save a recording or nothing: redirects, web pages and huge bodies."""

from __future__ import annotations

import time
import wave

import httpx
import pytest

from ccall_tui.api.client import CcallClient
from ccall_tui.api.download import (
    NotARecording,
    RedirectElsewhere,
    TooLarge,
    audio_kind,
    looks_like_text,
    same_host,
)
from ccall_tui.api.errors import ServerError
from ccall_tui.api.cdrs import CdrQuery

from conftest import VN, DemoCredentials


async def recorded_url(client) -> str:
    page = await client.cdrs(CdrQuery(page=1, limit=50))
    return next(r.recording_url for r in page.records if r.recording_url)


def client_for(sim) -> CcallClient:
    return CcallClient(sim.base_url, DemoCredentials(), tz=VN, timeout=5.0)


def assert_wav(path) -> None:
    with wave.open(str(path)) as wav:
        assert wav.getnframes() > 0


async def test_a_same_host_redirect_is_followed_to_the_recording(sim, tmp_path):
    sim.faults.recording_redirect = "same"
    async with client_for(sim) as client:
        url = await recorded_url(client)
        target = await client.download(url, tmp_path / "a.wav")
    assert_wav(target)
    assert [p.name for p in tmp_path.iterdir()] == ["a.wav"]
    hops = [r.path for r in sim.requests if r.path.startswith("/recordings/")]
    assert len(hops) == 2  # the link, then where it pointed


async def test_a_redirect_to_another_host_stops_with_the_target_and_writes_nothing(sim, tmp_path):
    sim.faults.recording_redirect = "other"
    async with client_for(sim) as client:
        url = await recorded_url(client)
        with pytest.raises(RedirectElsewhere) as info:
            await client.download(url, tmp_path / "a.wav")
        error = info.value
        assert error.target.startswith("http://localhost:") and error.target.endswith("?moved=1")
        assert error.message == "The recording link redirects to another host: localhost"
        assert list(tmp_path.iterdir()) == []
        # once the user has seen the target and said yes, it downloads from there
        target = await client.download(error.target, tmp_path / "a.wav")
    assert_wav(target)


async def test_an_html_page_is_never_saved_as_a_recording(sim, tmp_path):
    sim.faults.recording_html = True
    async with client_for(sim) as client:
        url = await recorded_url(client)
        with pytest.raises(NotARecording) as info:
            await client.download(url, tmp_path / "a.wav")
    assert info.value.message == "The recording link answered with a web page, not a recording."
    assert list(tmp_path.iterdir()) == []


async def test_html_sent_as_audio_is_refused_by_its_first_bytes(tmp_path):
    def handler(request):
        return httpx.Response(200, content=b"  <!DOCTYPE html><html><title>Login</title></html>",
                              headers={"Content-Type": "audio/wav"})

    client = CcallClient("https://pbx.example", DemoCredentials(), transport=httpx.MockTransport(handler))
    async with client:
        with pytest.raises(NotARecording) as info:
            await client.download("https://pbx.example/r.wav", tmp_path / "r.wav")
    assert "a web page" in info.value.message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("body", "content_type", "what"),
    [
        (b'{"error": "expired"}', "application/json", "JSON"),
        (b"", "audio/wav", "empty"),
        (b"Moved permanently, see elsewhere", "application/octet-stream", "text"),
    ],
)
async def test_json_empty_and_plain_text_bodies_are_refused(tmp_path, body, content_type, what):
    def handler(request):
        return httpx.Response(200, content=body, headers={"Content-Type": content_type})

    client = CcallClient("https://pbx.example", DemoCredentials(), transport=httpx.MockTransport(handler))
    async with client:
        with pytest.raises(NotARecording) as info:
            await client.download("https://pbx.example/r.wav", tmp_path / "r.wav")
    assert what in info.value.message
    assert list(tmp_path.iterdir()) == []


async def test_a_10_gb_recording_is_refused_before_a_byte_is_written(sim, tmp_path):
    sim.faults.recording_huge = True
    async with client_for(sim) as client:
        url = await recorded_url(client)
        started = time.monotonic()
        with pytest.raises(TooLarge) as info:
            await client.download(url, tmp_path / "a.wav")
    assert time.monotonic() - started < 3
    assert info.value.size == 10 * 1024**3
    assert info.value.message == "The recording is 10.0 GB, more than the limit of 200.0 MB."
    assert list(tmp_path.iterdir()) == []


async def test_cancelling_a_slow_download_leaves_no_part_file(sim, tmp_path):
    import asyncio

    sim.faults.recording_huge = True
    async with client_for(sim) as client:
        url = await recorded_url(client)
        arrived = asyncio.Event()

        def progress(received, total):
            if received > 64 * 1024:
                arrived.set()

        # the user said "download anyway" (no cap), then gave up while it trickled in
        task = asyncio.ensure_future(client.download(url, tmp_path / "a.wav", max_bytes=None, progress=progress))
        await asyncio.wait_for(arrived.wait(), 10)
        assert any(p.suffix == ".part" for p in tmp_path.iterdir())
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert list(tmp_path.iterdir()) == []


async def test_a_body_without_length_is_cut_at_the_cap(tmp_path):
    chunk = b"RIFF\x00\x00\x00\x00WAVE" + bytes(64 * 1024)

    async def stream():
        for _ in range(40):
            yield chunk

    def handler(request):
        return httpx.Response(200, content=stream(), headers={"Content-Type": "audio/wav"})

    client = CcallClient("https://pbx.example", DemoCredentials(), transport=httpx.MockTransport(handler))
    async with client:
        with pytest.raises(TooLarge) as info:
            await client.download("https://pbx.example/r.wav", tmp_path / "r.wav", max_bytes=1024 * 1024)
    assert info.value.size is None and "grew past the limit of 1.0 MB" in info.value.message
    assert list(tmp_path.iterdir()) == []


async def test_a_refusal_says_the_status_and_writes_nothing(sim, tmp_path):
    sim.faults.recordings_expired = True
    async with client_for(sim) as client:
        url = await recorded_url(client)
        with pytest.raises(ServerError) as info:
            await client.download(url, tmp_path / "a.wav")
    assert info.value.status_code == 403 and "links expire" in info.value.message
    assert list(tmp_path.iterdir()) == []


def test_audio_signatures_and_text_are_told_apart():
    assert audio_kind(b"RIFF\x24\x00\x00\x00WAVEfmt ") == "wav"
    assert audio_kind(b"ID3\x04\x00") == audio_kind(b"\xff\xfb\x90\x64") == "mp3"
    assert audio_kind(b"OggS\x00\x02") == "ogg" and audio_kind(b"fLaC\x00") == "flac"
    assert audio_kind(b"\x00\x00\x00\x20ftypM4A ") == "m4a"
    assert audio_kind(b"<html>Moved</html>") is None and audio_kind(b"RIFF\x00\x00\x00\x00AVI ") is None
    assert looks_like_text(b"<html>Moved</html>") and looks_like_text(b'\xef\xbb\xbf {"a": 1}')
    assert not looks_like_text(b"\x00\x01\x02\xfe binary")


def test_same_host_means_host_and_port_and_never_a_downgrade():
    assert same_host("http://127.0.0.1:8000/a.wav", "http://127.0.0.1:8000/b.wav?x=1")
    assert same_host("http://pbx.example/a.wav", "https://PBX.example/a.wav")
    assert not same_host("http://127.0.0.1:8000/a.wav", "http://localhost:8000/a.wav")
    assert not same_host("http://127.0.0.1:8000/a.wav", "http://127.0.0.1:9000/a.wav")
    assert not same_host("https://pbx.example/a.wav", "http://pbx.example/a.wav")
    assert not same_host("https://pbx.example/a.wav", "file:///etc/passwd")


# --------------------------------------------------------------------------- call browser


async def _download_dialog(app, pilot, folder):
    from textual.widgets import Input

    from ccall_tui.ui.widgets.cdr_dialogs import DownloadDialog
    from test_cdr_browser import open_browser, settle
    from test_cdr_files import _open_recorded_call

    screen = await open_browser(app, pilot)
    await _open_recorded_call(app, pilot, screen)
    await pilot.press("d")
    await pilot.pause()
    assert isinstance(app.screen, DownloadDialog)
    app.screen.query_one("#download-folder", Input).value = str(folder)
    await pilot.press("enter")
    await settle(app, pilot)
    return screen


async def test_browser_shows_a_redirect_to_another_host_and_follows_it_only_on_yes(make_services, sim, tmp_path):
    from ccall_tui.factory import build_app
    from ccall_tui.ui.widgets.confirm import ConfirmDialog
    from test_cdr_browser import SIZE, settle, status_of

    sim.faults.recording_redirect = "other"
    app = build_app(make_services())
    async with app.run_test(size=SIZE) as pilot:
        screen = await _download_dialog(app, pilot, tmp_path)
        question = app.screen
        assert isinstance(question, ConfirmDialog)
        shown = str(question.query_one("#confirm-detail").render())
        assert shown.startswith("http://localhost:") and "/recordings/" in shown
        assert list(tmp_path.iterdir()) == []
        await pilot.press("y")
        await settle(app, pilot)
        files = list(tmp_path.iterdir())
        assert len(files) == 1 and files[0].suffix == ".wav"
        assert_wav(files[0])
        assert "Saved" in status_of(screen)


async def test_browser_refuses_a_web_page_as_a_recording(make_services, sim, tmp_path):
    from ccall_tui.factory import build_app
    from test_cdr_browser import SIZE, status_of

    sim.faults.recording_html = True
    app = build_app(make_services())
    async with app.run_test(size=SIZE) as pilot:
        screen = await _download_dialog(app, pilot, tmp_path)
        assert status_of(screen) == (
            "Download failed: The recording link answered with a web page, not a recording."
        )
        assert list(tmp_path.iterdir()) == []


async def test_browser_asks_before_a_huge_recording_and_no_keeps_the_folder_empty(make_services, sim, tmp_path):
    from ccall_tui.factory import build_app
    from ccall_tui.ui.widgets.confirm import ConfirmDialog
    from test_cdr_browser import SIZE, settle, status_of

    sim.faults.recording_huge = True
    app = build_app(make_services())
    async with app.run_test(size=SIZE) as pilot:
        screen = await _download_dialog(app, pilot, tmp_path)
        assert isinstance(app.screen, ConfirmDialog)
        assert "10.0 GB, more than the limit of 200.0 MB" in str(app.screen.query_one("#confirm-question").render())
        await pilot.press("n")
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmDialog)
        assert "10.0 GB" in status_of(screen)
        assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- never hang, never leak


async def test_a_recording_that_trickles_forever_ends_at_the_deadline_and_leaves_nothing(sim, tmp_path):
    from ccall_tui.api.errors import TimeoutError_

    sim.faults.recording_trickle_ms = 50  # every byte in time for any per-read timeout
    async with client_for(sim) as client:
        url = await recorded_url(client)
        started = time.monotonic()
        with pytest.raises(TimeoutError_) as info:
            await client.download(url, tmp_path / "a.wav", deadline_s=1.0)
    assert time.monotonic() - started < 4
    host = url.split("/")[2]
    assert info.value.message == f"No answer from {host} within 1 s."
    assert list(tmp_path.iterdir()) == []


def test_a_large_announced_recording_gets_a_longer_budget_a_small_one_does_not():
    import asyncio

    from ccall_tui.api.download import DOWNLOAD_DEADLINE_S, SLOWEST_RATE, _widen

    async def budget_for(size):
        async with asyncio.timeout(DOWNLOAD_DEADLINE_S) as deadline:
            before = deadline.when()
            _widen(deadline, DOWNLOAD_DEADLINE_S, size)
            return deadline.when() - before + DOWNLOAD_DEADLINE_S

    assert asyncio.run(budget_for(None)) == DOWNLOAD_DEADLINE_S
    assert asyncio.run(budget_for(1024 * 1024)) == DOWNLOAD_DEADLINE_S
    big = 200 * 1024 * 1024
    assert asyncio.run(budget_for(big)) == pytest.approx(big / SLOWEST_RATE)


async def test_a_rate_limited_recording_says_how_long_to_wait(sim, tmp_path):
    async with client_for(sim) as client:
        url = await recorded_url(client)
        sim.faults.rate_limited = True
        sim.faults.retry_after = "45"
        with pytest.raises(ServerError) as info:
            await client.download(url, tmp_path / "a.wav")
    assert info.value.status_code == 429 and info.value.retry_after == 45
    assert info.value.message == "HTTP 429 from the server: busy; try again in 45 s. (Too Many Requests)"
    assert list(tmp_path.iterdir()) == []


async def test_an_error_that_echoes_the_secret_is_scrubbed_in_the_message_and_the_log(clock, tmp_path, caplog):
    import logging

    from ccall_tui.sim.server import SimulatedPbx

    key, secret = "k3y-Recording-41c0", "s3cr3t-Recording-e9d2"
    pbx = SimulatedPbx(seed=7, extensions=20, clock=clock, api_key=key, api_secret=secret)
    pbx.start()
    try:
        client = CcallClient(pbx.base_url, DemoCredentials(key, secret), tz=VN, timeout=5.0)
        async with client:
            url = await recorded_url(client)
            pbx.faults.recording_echo_secret = True
            with caplog.at_level(logging.DEBUG, logger="ccall_tui"):
                with pytest.raises(ServerError) as info:
                    await client.download(url, tmp_path / "a.wav")
    finally:
        pbx.stop()
    message = info.value.message
    assert message.startswith("HTTP 500 from the server. (Storage token rejected for api_key=**** api_secret=****")
    logged = caplog.text
    assert "Storage token rejected" in logged
    for value in (key, secret):
        assert value.lower() not in message.lower() and value.lower() not in logged.lower()
    assert list(tmp_path.iterdir()) == []
