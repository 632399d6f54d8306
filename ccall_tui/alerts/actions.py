"""Delivery: alerts that reach people. Subscribes to the alert engine's events.

Configured per profile in the rules file::

    [profiles.main.actions]
    events = ["fired", "resolved"]   # which events are delivered (default: fired, resolved,
                                     # snooze_ended)
    retries = 3                      # more attempts after a failure, with backoff
    terminal = true                  # desktop notifications through the terminal (the TUI)
    osc = "both"                     # "9", "777" or "both"

    [[profiles.main.actions.exec]]
    command = ["/usr/local/bin/page-oncall", "--team", "voice"]
    timeout = 10                     # seconds; the command is killed after it
    severity = "critical"            # only these (default: every severity)

    [[profiles.main.actions.apprise]]
    urls = ["tgram://BOT_TOKEN/CHAT_ID"]   # needs pip install 'ccall-tui[notify]'

``exec`` runs the command itself, never through a shell, with the alert as JSON on stdin and as
``CCALL_ALERT_*`` environment variables (the API credentials are taken out of its environment).
Deliveries run on one worker thread from a bounded queue: polling never waits for them. A
failure is logged and tried again after 2, 4, 8 … seconds (capped), ``retries`` times.
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..api.text import clean_text
from ..i18n import _
from .delivery_settings import EVENT_WORDS as EVENT_WORDS  # the settings are imported from here too
from .delivery_settings import DeliverySettings as DeliverySettings
from .delivery_settings import Target as Target
from .delivery_settings import parse_actions as parse_actions
from ..monitor.feed import Timer
from .grouping import EventGroups, group_message
from .model import AlertEvent
from .osc import osc_notification

log = logging.getLogger("ccall_tui.alerts.delivery")

QUEUE_LIMIT = 1000
BACKOFF_BASE_S = 2.0
BACKOFF_CAP_S = 300.0
# Never handed to a command: the API credentials of the environment.
SECRET_ENV = ("CCALL_API_KEY", "CCALL_API_SECRET")
INSTALL_HINT = "pip install 'ccall-tui[notify]'"
# Alerts listed in one grouped message's JSON (its count says how many there were).
PAYLOAD_ALERTS = 1000


# ---------------------------------------------------------------------- what is sent


def alert_title(event: str, alert: Any) -> str:
    """A short title in the current (the profile's) language."""
    severity = {"critical": _("CRITICAL"), "warning": _("WARNING")}.get(alert.severity, alert.severity.upper())
    words = {
        "fired": _("{severity}: {rule}"),
        "resolved": _("Resolved: {rule}"),
        "acknowledged": _("Acknowledged: {rule}"),
        "snoozed": _("Snoozed: {rule}"),
        "snooze_ended": _("Still {severity}: {rule}"),
    }
    return clean_text(words.get(event, "{rule}").format(severity=severity, rule=alert.rule), limit=120)


def alert_payload(event: str, alert: Any, profile: str) -> dict[str, Any]:
    return group_payload(event, [alert], profile)


def group_payload(event: str, alerts: Sequence[Any], profile: str) -> dict[str, Any]:
    """What is sent for one alert, or for several of one rule told together: ``alert`` is the
    first of them, ``alerts`` all of them (the first :data:`PAYLOAD_ALERTS`), ``count`` how
    many, and the message says them all in one sentence."""
    first = alerts[0]
    return {"event": event, "profile": profile, "title": alert_title(event, first),
            "message": clean_text(group_message(event, alerts), limit=1000), "alert": first.to_json(),
            "count": len(alerts), "alerts": [a.to_json() for a in alerts[:PAYLOAD_ALERTS]]}


def alert_environment(payload: Mapping[str, Any], base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The command's environment: ours without the credentials, plus ``CCALL_ALERT_*``."""
    env = {k: v for k, v in (os.environ if base is None else base).items() if k not in SECRET_ENV}
    alert = payload["alert"]
    fields = {
        "EVENT": payload["event"], "PROFILE": payload["profile"], "TITLE": payload["title"],
        "MESSAGE": payload["message"], "ID": alert.get("id"), "RULE": alert.get("rule"),
        "KIND": alert.get("kind"), "SEVERITY": alert.get("severity"), "KEY": alert.get("key"),
        "EXTENSION": alert.get("extension"), "NUMBER": alert.get("number"), "VALUE": alert.get("value"),
        "FIRED_AT": alert.get("fired_at"), "RESOLVED_AT": alert.get("resolved_at"),
        "COUNT": payload.get("count", 1),
        "KEYS": ",".join(a.get("number") or a.get("extension") or a.get("key") or ""
                         for a in payload.get("alerts", (alert,))),
    }
    for name, value in fields.items():
        env["CCALL_ALERT_" + name] = "" if value is None else clean_text(value, limit=1000)
    return env


# ---------------------------------------------------------------------- the worker


class DeliveryFailed(Exception):
    """One attempt failed; ``permanent`` when trying again cannot help."""

    def __init__(self, reason: str, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


@dataclass
class _Job:
    target: Target
    payload: dict[str, Any]
    attempt: int = 0


class Delivery:
    """Subscribe it to the engine (``engine.subscribe(delivery)``); ``close()`` when done.

    ``terminal``: writes a string to the user's terminal (the TUI passes one that goes through
    its driver); None without a terminal (``watch``). ``backoff`` is the first wait before a
    retry (doubled each time, capped). Events of one rule are told together when they come
    within the settings' ``group_window_s`` or the rule's own (``rules``: see
    :mod:`.grouping`), held on ``timer`` (the running loop's unless given).
    """

    def __init__(self, settings: DeliverySettings, *, profile: str,
                 terminal: Callable[[str], object] | None = None,
                 backoff: float = BACKOFF_BASE_S,
                 monotonic: Callable[[], float] = time.monotonic,
                 timer: Timer | None = None, rules: Iterable[Any] = ()) -> None:
        self.settings = settings
        windows = {rule.name: rule.group_window_s for rule in rules if rule.group_window_s is not None}
        self._groups = EventGroups(self._send, window_s=settings.group_window_s, windows=windows, timer=timer)
        self.backoff = backoff
        self.profile = profile
        self.terminal = terminal
        self._monotonic = monotonic
        self._heap: list[tuple[float, int, _Job | None]] = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._closed = False
        self._busy = False
        self.delivered = 0
        self.failed = 0
        self.dropped = 0
        self._apprise_missing_said = False
        self._thread: threading.Thread | None = None
        if settings.targets:
            self._thread = threading.Thread(target=self._work, name="ccall-alert-delivery", daemon=True)
            self._thread.start()

    def __call__(self, event: AlertEvent) -> None:
        """The engine's subscriber: queue the deliveries, write the terminal notice; never waits."""
        word = EVENT_WORDS.get(type(event))
        if word is None:
            return
        alert = event.alert
        if word == "fired" and alert.snoozed(event.at):
            return  # a snoozed key: recorded by the engine, asks for nobody
        if not self._to_terminal(word) and not any(
                target.wants(word, alert.severity, self.settings.events) for target in self.settings.targets):
            return  # nobody wants it
        self._groups.add(word, alert)

    def _to_terminal(self, word: str) -> bool:
        return self.terminal is not None and self.settings.terminal and word in self.settings.events

    def _send(self, word: str, alerts: list[Any]) -> None:
        """Queue one message for ``alerts`` (one, or several of one rule told together)."""
        payload = group_payload(word, alerts, self.profile)
        if self._to_terminal(word):
            try:
                self.terminal(osc_notification(payload["title"], payload["message"], self.settings.osc))  # type: ignore[misc]
            except Exception:  # the terminal may be gone; delivery elsewhere goes on (logged)
                log.exception("terminal notification failed")
        for target in self.settings.targets:
            if target.wants(word, alerts[0].severity, self.settings.events):
                self._push(0.0, _Job(target, payload))

    def flush(self) -> None:
        """Send the events held for grouping now, without waiting for their window."""
        self._groups.flush_all()

    @property
    def held(self) -> int:
        """Events held for grouping, not yet queued."""
        return self._groups.held

    def _push(self, delay: float, job: _Job | None) -> None:
        with self._cond:
            if self._closed and job is not None:
                return
            if job is not None and len(self._heap) >= QUEUE_LIMIT:
                self.dropped += 1
                log.warning("alert delivery queue full (%d): %s dropped", QUEUE_LIMIT, job.target.name)
                return
            heapq.heappush(self._heap, (self._monotonic() + delay, next(self._order), job))
            self._cond.notify_all()

    def close(self, timeout: float = 5.0) -> None:
        """Stop: what is held for grouping and what is due now are still tried (within
        ``timeout``), pending retries are not."""
        self.flush()
        with self._cond:
            if self._closed:
                return
            self._closed = True
            heapq.heappush(self._heap, (self._monotonic(), next(self._order), None))
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
        with self._cond:
            left = sum(1 for _due, _n, job in self._heap if job is not None)
        if left:
            log.warning("alert delivery stopped with %d deliveries not done", left)

    def _work(self) -> None:
        while True:
            with self._cond:
                while True:
                    if self._heap:
                        due = self._heap[0][0] - self._monotonic()
                        if due <= 0:
                            break
                        self._cond.wait(due)
                    else:
                        self._cond.wait()
                _due, _n, job = heapq.heappop(self._heap)
                self._busy = job is not None
            if job is None:
                return
            try:
                self._attempt(job)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Send what is held for grouping, then wait until nothing is queued or running
        (retries included); False on timeout."""
        self.flush()
        deadline = self._monotonic() + timeout
        with self._cond:
            while self._busy or any(job is not None for _due, _n, job in self._heap):
                left = deadline - self._monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def _attempt(self, job: _Job) -> None:
        job.attempt += 1
        try:
            if job.target.kind == "exec":
                run_command(job.target, job.payload)
            else:
                self._apprise(job.target, job.payload)
        except DeliveryFailed as exc:
            if exc.permanent or job.attempt > self.settings.retries:
                self.failed += 1
                log.error("alert %s not delivered by %s: %s (gave up after %d attempts)",
                          job.payload["alert"].get("id"), job.target.name, exc.reason, job.attempt)
                return
            delay = min(BACKOFF_CAP_S, self.backoff * 2 ** (job.attempt - 1))
            log.warning("alert %s: %s failed: %s; retry %d of %d in %.0f s", job.payload["alert"].get("id"),
                        job.target.name, exc.reason, job.attempt, self.settings.retries, delay)
            self._push(delay, job)
            return
        except Exception:  # a bug in one delivery must not stop the others (logged)
            self.failed += 1
            log.exception("alert delivery by %s failed", job.target.name)
            return
        self.delivered += 1
        log.info("alert %s (%s) delivered by %s", job.payload["alert"].get("id"), job.payload["event"],
                 job.target.name)

    def _apprise(self, target: Target, payload: Mapping[str, Any]) -> None:
        try:
            import apprise
        except ImportError:
            if not self._apprise_missing_said:
                self._apprise_missing_said = True
                log.error("%s", apprise_missing())
            raise DeliveryFailed(apprise_missing(), permanent=True) from None
        sender = apprise.Apprise()
        for url in target.urls:
            if not sender.add(url):
                raise DeliveryFailed(_("an Apprise URL was not understood"), permanent=True)
        if not sender.notify(body=payload["message"], title=payload["title"]):
            raise DeliveryFailed(_("Apprise could not send the notification"))


def apprise_missing() -> str:
    return _("apprise URLs are set but Apprise is not installed: {hint}").format(hint=INSTALL_HINT)


def run_command(target: Target, payload: Mapping[str, Any]) -> None:
    """Run the command once: JSON on stdin, ``CCALL_ALERT_*`` in the environment, no shell."""
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    try:
        done = subprocess.run(  # argv from the user's own rules file, no shell
            list(target.command), input=data, env=alert_environment(payload), capture_output=True,
            timeout=target.timeout, shell=False, check=False,
        )
    except FileNotFoundError:
        raise DeliveryFailed(_("no such program"), permanent=True) from None
    except PermissionError:
        raise DeliveryFailed(_("the program may not be run (permission denied)"), permanent=True) from None
    except subprocess.TimeoutExpired:
        raise DeliveryFailed(_("no answer within {seconds:g} s (stopped)").format(seconds=target.timeout)) from None
    except OSError as exc:
        raise DeliveryFailed(exc.strerror or type(exc).__name__) from None
    if done.returncode != 0:
        said = clean_text(done.stderr.decode("utf-8", "replace"), limit=200)
        raise DeliveryFailed(_("exit status {code}").format(code=done.returncode) + (f": {said}" if said else ""))
