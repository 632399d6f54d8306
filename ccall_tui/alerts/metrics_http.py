"""The metrics endpoint: where it listens (loopback unless told otherwise), the HTTP server in a
daemon thread, and the wiring for the TUI (``--metrics`` on the board). ``prometheus_client`` is
imported only here, when an endpoint is asked for."""

from __future__ import annotations

import ipaddress
import logging
import threading
from collections.abc import Callable
from typing import Any

from ..api.text import clean_text
from ..errors import UsageError
from ..i18n import _
from .metrics import DEFAULT_HOST, BoardMetrics, alert_states

log = logging.getLogger("ccall_tui.metrics")


class MetricsUnavailable(UsageError):
    """The metrics port could not be opened."""


def parse_address(text: str) -> tuple[str, int]:
    """``HOST:PORT``, ``:PORT`` or ``PORT`` (host 127.0.0.1), ``[::1]:PORT``; a bad one is a
    usage error naming what is wrong."""
    text = text.strip()
    host, port_text = DEFAULT_HOST, text
    if text.startswith("["):
        end = text.find("]")
        if end < 0 or not text[end + 1:].startswith(":"):
            raise UsageError(_("--metrics: '{value}' is not HOST:PORT").format(value=clean_text(text, limit=80)))
        host, port_text = text[1:end], text[end + 2:]
    elif ":" in text:
        host, port_text = text.rsplit(":", 1)
        host = host or DEFAULT_HOST
    try:
        port = int(port_text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise UsageError(_("--metrics: '{value}' is not HOST:PORT").format(value=clean_text(text, limit=80)))
    return host, port


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class MetricsServer:
    """The running endpoint: ``address`` is where it listens; ``close()`` stops it."""

    def __init__(self, server: Any, thread: threading.Thread, metrics: BoardMetrics) -> None:
        self._server = server
        self._thread = thread
        self.metrics = metrics
        host, port = server.server_address[:2]
        self.address = (str(host), int(port))

    @property
    def url(self) -> str:
        host, port = self.address
        return f"http://{'[' + host + ']' if ':' in host else host}:{port}/metrics"

    def close(self) -> None:
        self.metrics.close()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def serve_metrics(metrics: BoardMetrics, address: str) -> MetricsServer:
    """Serve ``metrics`` on ``address`` (see :func:`parse_address`) in a daemon thread.
    Fails with one line when the port cannot be had."""
    from prometheus_client import CollectorRegistry, start_http_server

    host, port = parse_address(address)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(metrics)
    try:
        server, thread = start_http_server(port, addr=host, registry=registry)
    except OSError as exc:
        metrics.close()
        raise MetricsUnavailable(
            _("--metrics: cannot listen on {address}: {reason}").format(
                address=clean_text(address, limit=80), reason=exc.strerror or type(exc).__name__)
        ) from None
    served = MetricsServer(server, thread, metrics)
    if not is_loopback(host):
        log.warning("metrics listen on %s, beyond this machine", served.url)
    log.info("metrics at %s", served.url)
    return served


class AttachedMetrics:
    """The endpoint of a running board and the call follower feeding its call figures."""

    def __init__(self, server: MetricsServer, follower: Any) -> None:
        self.server = server
        self.follower = follower

    def close(self) -> None:
        self.follower.stop()
        self.server.close()


def attach_to_services(feed: Any, services: Any, client: Callable[[], Any],
                       on_problem: Callable[[str], object]) -> AttachedMetrics | None:
    """With ``services.metrics`` set: serve the board of ``feed`` there and follow the calls
    for the call figures (on the running event loop, with the follower the alerts share). A port that cannot be had is one line
    for ``on_problem``; the board goes on without metrics. The alert states come from
    ``services.alert_engine`` when the app runs one."""
    address = getattr(services, "metrics", None)
    if not address:
        return None
    from .follower import shared_follower

    clock = services.now
    metrics = BoardMetrics(feed, clock=clock,
                           alerts=lambda: alert_states(getattr(services, "alert_engine", None), clock()))
    try:
        server = serve_metrics(metrics, address)
    except UsageError as exc:
        on_problem(exc.message)
        return None
    # the alerts' follower when they follow the calls too: the PBX is asked once
    follower = shared_follower(services, client, clock=clock)
    follower.subscribe(metrics.add_calls)
    follower.start()
    return AttachedMetrics(server, follower)
