"""``ccall-tui watch``: the engine, the flight recorder, the alert rules and their delivery, and
optionally the metrics endpoint, without a terminal, until SIGTERM or SIGINT (exit 0).
``ccall-tui metrics dashboard``: print the Grafana dashboard shipped with the package.

Built on :func:`ccall_tui.headless.run_headless` (the same runner as ``record``): this module
adds one plugin that starts the alert engine (with the call follower when a rule needs calls),
subscribes the delivery, and serves the metrics. Heavy imports happen inside the handlers.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from ..i18n import _
from . import add_profile_option

log = logging.getLogger("ccall_tui.watch")
DASHBOARD = "data/grafana-dashboard.json"


def add_parser(subparsers: Any) -> None:
    watch = subparsers.add_parser(
        "watch",
        help=_("run the monitor, the history and the alert rules without a terminal"),
        description=_(
            "Polls the registrations, records them into the profile's history, evaluates the "
            "profile's alert rules (alerts.toml) and delivers alerts with its actions; with "
            "--metrics it serves OpenMetrics for Prometheus. Logs go to stderr or --log-file. "
            "Stops cleanly on SIGTERM or Ctrl-C (exit 0)."
        ),
    )
    add_profile_option(watch)
    watch.add_argument("--base-url", default=argparse.SUPPRESS, help=_("API base URL (env CCALL_BASE_URL)"))
    watch.add_argument("--log-file", default=argparse.SUPPRESS, metavar="PATH", help=_("write a debug log here"))
    watch.add_argument("--metrics", metavar="HOST:PORT", default=argparse.SUPPRESS,
                       help=_("serve OpenMetrics here, e.g. 127.0.0.1:9464 (the host defaults to 127.0.0.1)"))
    watch.set_defaults(func=run_watch)

    metrics = subparsers.add_parser("metrics", help=_("the Grafana dashboard for --metrics"))
    what = metrics.add_subparsers(dest="metrics_command", metavar="WHAT", required=True)
    dashboard = what.add_parser("dashboard", help=_("print the Grafana dashboard JSON (import it in Grafana)"))
    dashboard.set_defaults(func=run_dashboard, without_config=True)


def run_dashboard(args: argparse.Namespace, ctx: Any) -> int:
    from importlib import resources

    sys.stdout.write(resources.files("ccall_tui").joinpath(DASHBOARD).read_text(encoding="utf-8"))
    return 0


def run_watch(args: argparse.Namespace, ctx: Any) -> int:
    from ..alerts.metrics_http import parse_address
    from ..headless import run_headless

    address = getattr(args, "metrics", None)
    if address:
        parse_address(address)  # a bad address is a usage error before anything starts
    profile_rules, settings = load_watch_rules(ctx)
    life = None
    if ctx.sim is not None:  # the demo moves: phones drop and return, calls finish
        from ..sim.life import DemoLife

        life = DemoLife(ctx.sim.tenant).start()
    try:
        return run_headless(ctx, plugins=[AlertsPlugin(ctx, profile_rules.enabled, settings, address)])
    finally:
        if life is not None:
            life.stop()


def load_watch_rules(ctx: Any) -> tuple[Any, Any]:
    """The profile's rules and delivery settings (the demo's example rules with ``--demo``);
    a broken file is a located one-line error (exit 2)."""
    from ..alerts.actions import parse_actions
    from ..alerts.rules_file import demo_rules, load_rules

    if ctx.sim is not None:
        profile_rules = demo_rules(ctx.profile.name)
        return profile_rules, parse_actions(profile_rules.actions, ctx.profile.name)
    rule_file = load_rules()
    profile_rules = rule_file.for_profile(ctx.profile.name)
    settings = parse_actions(profile_rules.actions, ctx.profile.name, rule_file.line_of, rule_file.path)
    return profile_rules, settings


class AlertsPlugin:
    """The headless runner's plugin: ``plugin(feed, history)`` starts the alerts (and the
    metrics) and returns what ``close()`` stops."""

    def __init__(self, ctx: Any, rules: Any, settings: Any, metrics: str | None) -> None:
        self.ctx = ctx
        self.rules = tuple(rules)
        self.settings = settings
        self.metrics_address = metrics

    def __call__(self, feed: Any, history: Any) -> Running:
        return Running(self, feed, history)


class Running:
    def __init__(self, plugin: AlertsPlugin, feed: Any, history: Any) -> None:
        import asyncio
        import importlib.util
        from datetime import datetime

        from ..alerts.actions import Delivery, apprise_missing
        from ..alerts.engine import AlertEngine
        from ..alerts.follower import CallFollower

        ctx, profile = plugin.ctx, plugin.ctx.profile
        tz = profile.timezone

        def clock() -> datetime:
            return datetime.now(tz)

        self._ctx = ctx
        self._loop = asyncio.get_running_loop()
        self._client: Any = None
        self.follower = CallFollower(self._api, clock=clock)
        record = getattr(history, "record_event", None) if history is not None else None
        self.engine = AlertEngine(plugin.rules, feed, clock=clock, follower=self.follower,
                                  watched=profile.watched, record=record)
        self.metrics_server = None
        if plugin.metrics_address:  # first: a port that cannot be had stops watch before anything runs
            from ..alerts.metrics import BoardMetrics, alert_states
            from ..alerts.metrics_http import serve_metrics

            metrics = BoardMetrics(feed, clock=clock, alerts=lambda: alert_states(self.engine, clock()))
            self.metrics_server = serve_metrics(metrics, plugin.metrics_address)
            self.follower.subscribe(metrics.add_calls)
            self.follower.start()  # the call figures need the calls, rules or not
        self.delivery = Delivery(plugin.settings, profile=profile.name, rules=plugin.rules)
        self.engine.subscribe(self.delivery)
        self.engine.subscribe(_log_alert)
        if any(t.kind == "apprise" for t in plugin.settings.targets) and importlib.util.find_spec("apprise") is None:
            log.error("%s", apprise_missing())
        if not plugin.rules:
            log.warning("%s", _("No alert rules for profile {profile}: watching without alerts").format(
                profile=profile.name))
        self.engine.start()
        log.info("%s", _("Watching {count} alert rules; {targets} delivery targets").format(
            count=len(plugin.rules), targets=len(plugin.settings.targets)))

    def _api(self) -> Any:
        """The follower's own API client (made when it first reads, closed with the plugin)."""
        if self._client is None:
            self._client = self._ctx.client()
        return self._client

    def close(self) -> None:
        self.engine.stop()
        self.follower.stop()
        if self.metrics_server is not None:
            self.metrics_server.close()
        if not self.delivery.wait_idle(10.0):
            log.warning("%s", _("Some alerts were still being delivered when watch stopped"))
        self.delivery.close()
        if self._client is not None:
            self._loop.create_task(self._client.aclose())


def _log_alert(event: Any) -> None:
    from ..alerts.actions import EVENT_WORDS

    word = EVENT_WORDS.get(type(event), "?")
    alert = event.alert
    log.warning("alert %s %s [%s] %s: %s", alert.id, word, alert.severity, alert.rule, alert.message)
