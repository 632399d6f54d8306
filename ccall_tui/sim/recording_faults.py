"""Recording links that misbehave the way storage and proxies do.

* ``recording_redirect = "same"``: 302 to the same link on the same host (followable).
* ``recording_redirect = "other"``: 302 to the same link on another host name
  (``localhost`` instead of ``127.0.0.1``: the same simulator, a different host to a client).
* ``recording_html``: 200 with an 18-byte HTML page as ``text/html``.
* ``recording_huge``: 200 ``audio/wav`` announcing 10 GB, then a WAV header and slow silence.
"""

from __future__ import annotations

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
