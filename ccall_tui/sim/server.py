"""The simulated ccall PBX: a threaded HTTP server on 127.0.0.1 speaking the real wire format.

    with SimulatedPbx(seed=7) as pbx:
        httpx.post(pbx.base_url + "/ext_reg/json", json={"submission": {...}})
        pbx.faults.latency_s = 2.0          # flip faults while it runs
        pbx.tenant.force_offline("105")     # and steer the tenant

Nothing the server logs or answers ever contains the api key or secret it was sent.
"""

from __future__ import annotations

import collections
import hmac
import itertools
import socket
import threading
from typing import Any

from .arrivals import Arrivals
from .clock import Clock
from .faults import Faults
from .http_handler import RecordedRequest, SimRequestHandler, SimServer
from .page_cache import PageCache
from .reg_bodies import RegistrationBodies
from .tenant import Tenant

__all__ = ["LOOPBACK_HOSTS", "RecordedRequest", "SimulatedPbx"]

LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


class SimulatedPbx:
    """A whole simulated tenant behind an HTTP server. ``start()`` returns its base URL."""

    def __init__(
        self,
        *,
        seed: int = 7,
        extensions: int = 60,
        api_key: str = "demo",
        api_secret: str = "demo",
        clock: Clock | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        calls_per_day: int | None = None,
        domain: str = "demo.ccall.example",
        history_days: int = 7,
        precomputed_pages: bool = False,
    ) -> None:
        if host not in LOOPBACK_HOSTS:
            raise ValueError("The simulated PBX listens on 127.0.0.1 only.")
        self.tenant = Tenant(
            seed=seed, extensions=extensions, domain=domain, calls_per_day=calls_per_day,
            clock=clock, history_days=history_days,
        )
        self.faults = Faults()
        self.arrivals = Arrivals(self.tenant)
        # Plain answers written ahead as bytes: registrations always, call-record pages when
        # asked (each page written on its first request, then kept; sim/page_cache.py).
        self.registration_bodies = RegistrationBodies(self.tenant)
        self.pages: PageCache | None = PageCache() if precomputed_pages else None
        self.requests: collections.deque[RecordedRequest] = collections.deque(maxlen=1000)
        self.base_url = ""
        self._port = port
        self._key = api_key.encode("utf-8")
        self._secret = api_secret.encode("utf-8")
        self._stopping = threading.Event()
        self._httpd: SimServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._turns = itertools.count()

    def __repr__(self) -> str:  # never show the credentials
        return f"SimulatedPbx(base_url={self.base_url!r}, extensions={len(self.tenant.extensions)})"

    # ------------------------------------------------------------------ lifecycle

    def start(self, listening: socket.socket | None = None) -> str:
        """Serve in a thread; on ``listening`` (a bound, listening socket, e.g. one the demo's app
        made and handed over) instead of a new socket on ``port``."""
        if self._httpd is not None:
            return self.base_url
        self._stopping.clear()
        self._httpd = SimServer(("127.0.0.1", self._port), SimRequestHandler, self, listening)
        port = self._httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"simulated-pbx-{port}", daemon=True,
        )
        self._thread.start()
        # Write every device's row once now, not on the first poll (seconds at 50,000).
        threading.Thread(target=self._warm, name=f"simulated-pbx-warm-{port}", daemon=True).start()
        return self.base_url

    def _warm(self) -> None:
        try:
            self.registration_bodies.body(self.tenant.now(), self.faults)
        except Exception:  # noqa: BLE001 - only a head start; the first poll writes them anyway
            pass

    def stop(self) -> None:
        """Stop serving; wakes held requests and closes open connections at once."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.server_close()
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=2)

    def __enter__(self) -> "SimulatedPbx":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._httpd is not None

    # ------------------------------------------------------------------ helpers for handlers

    def credentials_ok(self, submission: dict[str, Any]) -> bool:
        key, secret = submission.get("api_key"), submission.get("api_secret")
        if not isinstance(key, str) or not isinstance(secret, str):
            return False
        key_ok = hmac.compare_digest(key.encode("utf-8"), self._key)
        secret_ok = hmac.compare_digest(secret.encode("utf-8"), self._secret)
        return key_ok and secret_ok and not self.faults.auth_failure

    def hold(self, seconds: float) -> bool:
        """Wait up to ``seconds``; True if the server is stopping meanwhile."""
        return self._stopping.wait(seconds) if seconds > 0 else self._stopping.is_set()

    def next_turn(self) -> int:
        return next(self._turns)

    def track(self, conn: socket.socket, add: bool) -> None:
        with self._connections_lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)
