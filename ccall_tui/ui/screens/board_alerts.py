"""The board's alerts: the profile's rules (the demo's example with ``--demo``) evaluated by the
engine beside the board feed, the banner above the board, the bell, and delivery of the
profile's actions. The rules file is read in a thread after the first paint."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from ...alerts.model import AlertEvent, AlertFired, AlertSnoozeEnded
from ...config import ConfigError
from ..widgets.alert_banner import AlertBanner

log = logging.getLogger("ccall_tui.alerts")
BELL_GAP_S = 2.0


def _load(profile_name: str, demo: bool) -> tuple[Any, Any]:
    """(the enabled rules, the delivery settings) of the profile; ConfigError when broken."""
    from ...alerts.rules_file import demo_rules, load_rules

    if demo:
        rules = demo_rules(profile_name)
        return rules.enabled, None
    rule_file = load_rules()
    rules = rule_file.for_profile(profile_name)
    settings = None
    if rules.actions is not None:
        from ...alerts.actions import parse_actions

        settings = parse_actions(rules.actions, profile_name, rule_file.line_of, rule_file.path)
    return rules.enabled, settings


class BoardAlerts:
    """Owned by the monitor screen: ``start()`` on mount, ``stop()`` on unmount."""

    def __init__(self, screen: Any) -> None:
        self.screen = screen
        self.engine: Any = None
        self.follower: Any = None
        self.delivery: Any = None
        self._unsubscribe: Any = None
        self._refresh_pending = False
        self._last_bell = 0.0

    def start(self) -> None:
        self.screen.run_worker(self._start(), name="alerts", group="alerts", exit_on_error=False)

    async def _start(self) -> None:
        screen = self.screen
        services = screen.services
        profile = services.profile
        try:
            rules, settings = await asyncio.to_thread(_load, profile.name, services.sim is not None)
        except ConfigError as error:
            screen.notify(str(error), title="alerts.toml", severity="error", markup=False, timeout=20)
            return
        if not rules or screen.feed.stopped:
            return
        from ...alerts.engine import AlertEngine
        from ...alerts.follower import shared_follower

        def timer(delay: float, callback: Any, name: str) -> Any:
            return screen.set_timer(delay, callback, name=name)

        def spawn(work: Any, name: str) -> Any:
            return screen.run_worker(work(), name=name, group=name, exit_on_error=False)

        # one follower for the alerts and --metrics: the calls are asked for once
        self.follower = shared_follower(services, lambda: screen.app.client, clock=services.now, timer=timer,
                                        spawn=spawn)
        self.engine = AlertEngine(
            rules, screen.feed, clock=services.now, follower=self.follower,
            watched=frozenset(getattr(profile, "watched", ()) or ()), timer=timer, record=self._record,
        )
        services.alert_engine = self.engine  # for --metrics
        self._unsubscribe = self.engine.subscribe(self._on_event)
        if settings is not None:
            from ...alerts.actions import Delivery

            self.delivery = Delivery(settings, profile=profile.name, terminal=self._write_terminal, rules=rules)
            self.engine.subscribe(self.delivery)
        self.engine.start()
        screen.set_interval(5, self.refresh, name="alert-banner")  # the ages it shows

    def stop(self) -> None:
        if self.engine is not None:
            self.engine.stop()
        if self.delivery is not None:
            self.delivery.close(timeout=2.0)

    def _record(self, kind: str, at: Any, extension: str | None, payload: dict[str, Any]) -> None:
        history = getattr(self.screen.services, "history", None)
        if history is not None:
            history.record_event(kind, at, extension, payload)

    def _write_terminal(self, sequence: str) -> None:
        driver = getattr(self.screen.app, "_driver", None)
        if driver is not None:
            driver.write(sequence)
            driver.flush()

    # ------------------------------------------------------------------ drawing

    def _on_event(self, event: AlertEvent) -> None:
        """One tick may fire thousands of alerts (a whole site offline): one bell, one redraw."""
        if isinstance(event, (AlertFired, AlertSnoozeEnded)) and not event.alert.snoozed(event.at):
            now = time.monotonic()
            if now - self._last_bell >= BELL_GAP_S:
                self._last_bell = now
                self.screen.app.bell()
        if not self._refresh_pending:
            self._refresh_pending = True
            self.screen.call_later(self.refresh)

    def refresh(self) -> None:
        """Redraw the banner (after an event, an acknowledgement, or as time passes)."""
        self._refresh_pending = False
        if self.engine is None:
            return
        try:
            banner = self.screen.query_one("#mon-alerts", AlertBanner)
        except Exception:  # the screen is being torn down: nothing to draw on (logged)
            log.debug("no alert banner to draw on", exc_info=True)
            return
        now = self.screen.services.now()
        banner.show_alerts(self.engine.needing_attention(now), now, wall=self.screen.wall)

    def open_list(self) -> None:
        from .alerts import AlertListScreen

        if self.engine is None:
            from ...i18n import _

            self.screen.notify(_("No alert rules for this profile: see alerts.toml in the README"),
                               markup=False)
            return
        self.screen.app.push_screen(AlertListScreen(self.engine, self.screen.services.now),
                                    lambda _result: self.refresh())
