"""The simulated PBX's HTTP side: how each request is read, which faults it meets on the way,
and how the answer goes out (paths ``/cdrs/json``, ``/ext_reg/json``, ``/recordings/<id>.wav``
and the loopback switches under ``/_sim/``). What is answered comes from :mod:`.answers`; the
server's life (start, stop, credentials, held requests) from :class:`.server.SimulatedPbx`."""

from __future__ import annotations

import json
import re
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, NamedTuple

from . import hostile, variants, wire
from .answers import answer
from .control import play_scenario, status_report, steer_extension
from .recording_faults import serve_recording_fault
from .wav import recording_wav

if TYPE_CHECKING:  # pragma: no cover
    from .server import SimulatedPbx

AUTH_FAILED = "Authentication failed: invalid api_key or api_secret"
HTML_502 = (
    "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>"
    "</center><hr><center>nginx</center></body></html>"
)
EXPIRED_LINK = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    "<Message>Request has expired</Message></Error>"
)
MAX_BODY = 1 << 20
DOWNLOAD_CHUNKS = 20
_RECORDING = re.compile(r"^/recordings/([0-9A-Za-z-]{1,64})\.wav$")


class RecordedRequest(NamedTuple):
    """A request the simulator received, credentials removed."""

    path: str
    body: dict[str, Any]


class SimServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = False

    def __init__(self, address: tuple[str, int], handler: type, pbx: SimulatedPbx,
                 listening: socket.socket | None = None) -> None:
        self.pbx = pbx
        super().__init__(address, handler, bind_and_activate=listening is None)
        if listening is not None:
            self.socket.close()
            self.socket = listening
            host, port = listening.getsockname()[:2]
            self.server_address = (host, port)
            self.server_name, self.server_port = str(host), int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client hanging up mid-answer is normal here; print nothing


class SimRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    timeout = 75  # idle keep-alive connections close after this
    disable_nagle_algorithm = True  # answers go out at once, not after a delayed ACK
    server: SimServer

    # ------------------------------------------------------------------ plumbing

    def setup(self) -> None:
        super().setup()
        self.server.pbx.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.pbx.track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # no access log: nothing to leak

    @property
    def pbx(self) -> SimulatedPbx:
        return self.server.pbx

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, payload: Any) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self._send(status, body, "application/json; charset=utf-8")

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise wire.BadRequest("Request body too large")
        return self.rfile.read(length) if length > 0 else b""

    def _transport_faults(self) -> bool:
        """Faults that happen before the application sees the request; True if handled."""
        faults = self.pbx.faults
        if self.pbx.hold(faults.latency_s):
            self.close_connection = True
            return True
        if faults.timeout:
            self.pbx.hold(faults.timeout_hold_s)
            self.close_connection = True  # hang up without a word
            return True
        if hostile.refuse(self):
            return True
        if faults.status_5xx is not None:
            phrase = wire.status_phrase(faults.status_5xx)
            self._send(faults.status_5xx, f"{faults.status_5xx} {phrase}\n".encode(), "text/plain")
            return True
        if faults.html_error:
            self._send(502, HTML_502.encode(), "text/html")
            return True
        return False

    # ------------------------------------------------------------------ verbs

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/_sim/faults":
            self._json(200, self.pbx.faults.to_json())
            return
        if path == "/_sim/status":
            self._json(200, status_report(self.pbx.tenant, self.pbx.faults))
            return
        match = _RECORDING.match(path)
        if match:
            self.pbx.requests.append(RecordedRequest(path, {}))
            if self._transport_faults():
                return
            self._recording(match.group(1))
            return
        if path in ("/cdrs/json", "/ext_reg/json"):
            self._json(405, wire.error("Method not allowed: use POST"))
            return
        self._json(404, wire.error("Not found"))

    do_HEAD = do_GET

    def _recording(self, call_id: str) -> None:
        faults = self.pbx.faults
        if faults.recordings_expired:
            self._send(403, EXPIRED_LINK.encode(), "application/xml")
            return
        call = self.pbx.tenant.calls.find(call_id)
        if call is None or not call.recorded:
            self._json(404, wire.error("Recording not found"))
            return
        if serve_recording_fault(self, call.call_id):
            return
        body = recording_wav(call.call_id)
        if faults.download_s <= 0 or self.command == "HEAD":
            self._send(200, body, "audio/wav")
            return
        # A slow link: the length is known up front, the bytes trickle in.
        self.send_response(200)
        self.send_header("Content-Type", "audio/wav")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        size = -(-len(body) // DOWNLOAD_CHUNKS)
        for offset in range(0, len(body), size):
            if offset and self.pbx.hold(faults.download_s / DOWNLOAD_CHUNKS):
                self.close_connection = True
                return
            self.wfile.write(body[offset: offset + size])
            self.wfile.flush()

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0]
        try:
            raw = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self._json(400, wire.error("Invalid request body"))
            return
        if path.startswith("/_sim/"):
            self._control(path, raw)
            return
        if path not in ("/cdrs/json", "/ext_reg/json"):
            self._json(404, wire.error("Not found"))
            return
        try:
            body = wire.decode_body(raw, self.headers.get("Content-Type", ""))
            problem = None
        except (wire.BadRequest, UnicodeDecodeError) as exc:
            body, problem = {}, str(exc) if isinstance(exc, wire.BadRequest) else "Invalid request body"
        if variants.json_refused(self.pbx.faults, self.headers.get("Content-Type", ""), raw):
            body, problem = {}, None
        self.pbx.requests.append(RecordedRequest(path, wire.without_credentials(body)))
        if self._transport_faults() or hostile.echo_request(self, raw):
            return
        submission = wire.submission_of(body)
        if not self.pbx.credentials_ok(submission):
            status = 200 if self.pbx.faults.auth_style == "200" else 401
            self._json(status, wire.error(AUTH_FAILED))
            return
        if problem is not None:
            self._json(400, wire.error(problem))
            return
        try:
            status, payload = self._answer(path, submission)
        except wire.BadRequest as exc:
            self._json(400, wire.error(str(exc)))
            return
        except Exception:  # noqa: BLE001 - a simulator bug: answer like a broken server, never hang up silently
            self._json(500, wire.error("Internal server error"))
            return
        self._deliver(status, hostile.reshape(path, payload, self.pbx.faults, self.pbx.tenant.domain))

    # ------------------------------------------------------------------ application

    def _answer(self, path: str, submission: dict[str, Any]) -> tuple[int, Any]:
        return answer(self.pbx, path, submission)

    def _deliver(self, status: int, payload: Any) -> None:
        faults = self.pbx.faults
        if isinstance(payload, wire.Encoded):  # a plain answer, written ahead (sim/answers.py)
            self._send(status, payload.body, "application/json; charset=utf-8")
            return
        if hostile.deliver(self, status, payload):
            return
        if faults.empty_body:
            self._send(200, b"", "application/json")
        elif faults.no_response_key:
            self._json(200, {"status": "ok"})
        elif faults.malformed_json:
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self._send(200, body[: max(1, len(body) * 2 // 3)], "application/json; charset=utf-8")
        else:
            self._json(status, payload)

    def _control(self, path: str, raw: bytes) -> None:
        """Loopback switches for a simulator running in another process."""
        try:
            values = json.loads(raw or b"{}")
            if not isinstance(values, dict):
                raise ValueError("expected a JSON object")
            if path == "/_sim/faults":
                self.pbx.faults.update(values)
                self._json(200, self.pbx.faults.to_json())
            elif path == "/_sim/extension":
                self._json(200, steer_extension(self.pbx.tenant, values))
            elif path == "/_sim/scenario":
                self._json(200, play_scenario(self.pbx.tenant, values))
            else:
                self._json(404, wire.error("Not found"))
        except (ValueError, KeyError) as exc:
            message = exc.args[0] if exc.args else "invalid request"
            self._json(400, wire.error(str(message)))
