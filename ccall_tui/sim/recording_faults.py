"""Recording links that misbehave the way storage and proxies do.

* ``recording_redirect = "same"``: 302 to the same link on the same host (followable).
* ``recording_redirect = "other"``: 302 to the same link on another host name
  (``localhost`` instead of ``127.0.0.1``: the same simulator, a different host to a client).
* ``recording_html``: 200 with an 18-byte HTML page as ``text/html``.
* ``recording_huge``: 200 ``audio/wav`` announcing 10 GB, then a WAV header and slow silence.
* ``recording_trickle_ms``: 200 ``audio/wav`` announcing the recording's true size, then its
  bytes one every N ms: a link that never quite stops and never finishes.
* ``recording_echo_secret``: 500 whose JSON message names the tenant's api_key and api_secret,
  as sent and upper-cased, the way a careless storage proxy reports a bad token.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .wav import recording_wav

MOVED_HTML = b"<html>Moved</html>"
HUGE_BYTES = 10 * 1024**3
HUGE_CHUNK = 64 * 1024
HUGE_PAUSE_S = 0.05
HUGE_MAX_S = 120.0  # the trickle ends by itself even if a client keeps reading
MOVED_FLAG = "moved"


def serve_recording_fault(handler: Any, call_id: str) -> bool:
    """Answer a recording request the faulty way, if a switch says so; True if answered."""
    pbx = handler.pbx
    faults = pbx.faults
    query = parse_qs(urlsplit(handler.path).query)
    if faults.recording_redirect and MOVED_FLAG not in query:
        host = "127.0.0.1" if faults.recording_redirect == "same" else "localhost"
        port = handler.server.server_address[1]
        handler.send_response(302)
        handler.send_header("Location", f"http://{host}:{port}/recordings/{call_id}.wav?{MOVED_FLAG}=1")
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", str(len(MOVED_HTML)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(MOVED_HTML)
        return True
    if faults.recording_html:
        handler._send(200, MOVED_HTML, "text/html; charset=utf-8")
        return True
    if faults.recording_echo_secret:
        key, secret = pbx._key.decode("utf-8"), pbx._secret.decode("utf-8")  # the tenant's own
        words = f"Storage token rejected for api_key={key} api_secret={secret} (API_SECRET={secret.upper()})"
        handler._send(500, json.dumps({"status": "error", "message": words}).encode(), "application/json")
        return True
    if faults.recording_trickle_ms:
        _trickle(handler, recording_wav(call_id), faults.recording_trickle_ms / 1000)
        return True
    if faults.recording_huge:
        handler.send_response(200)
        handler.send_header("Content-Type", "audio/wav")
        handler.send_header("Content-Length", str(HUGE_BYTES))
        handler.end_headers()
        if handler.command == "HEAD":
            return True
        head = recording_wav(call_id)[:44]
        handler.wfile.write(head)
        silence = bytes(HUGE_CHUNK)
        waited = 0.0
        try:
            while waited < HUGE_MAX_S:
                if pbx.hold(HUGE_PAUSE_S):
                    break
                waited += HUGE_PAUSE_S
                handler.wfile.write(silence)
                handler.wfile.flush()
        except OSError:
            pass  # the client hung up: that is the point
        handler.close_connection = True
        return True
    return False


def _trickle(handler: Any, body: bytes, pause_s: float) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "audio/wav")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if handler.command == "HEAD":
        return
    waited = 0.0
    try:
        handler.wfile.write(body[:44])  # the header at once: it looks like a recording
        handler.wfile.flush()
        for offset in range(44, len(body)):
            if waited >= HUGE_MAX_S or handler.pbx.hold(pause_s):
                break
            waited += pause_s
            handler.wfile.write(body[offset: offset + 1])
            handler.wfile.flush()
    except OSError:
        pass  # the client gave up: that is the point
    handler.close_connection = True
