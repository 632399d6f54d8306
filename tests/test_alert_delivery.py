"""Delivery: alerts reach a command (JSON on stdin, CCALL_ALERT_* in its environment), a local
HTTP receiver standing in for a webhook, and the terminal (OSC 9 / 777); failures are retried
with backoff and never block the caller."""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ccall_tui.alerts.actions import Delivery, DeliverySettings, Target, parse_actions
from ccall_tui.alerts.model import Alert, AlertAcknowledged, AlertFired, AlertResolved
from ccall_tui.alerts.osc import osc_notification
from ccall_tui.config import ConfigError

from conftest import FROZEN_NOW

WRITE_STDIN = (
    "import json, os, sys; data = json.load(sys.stdin); "
    "data['env'] = {k: v for k, v in os.environ.items() if k.startswith('CCALL_')}; "
    "open(sys.argv[1], 'a', encoding='utf-8').write(json.dumps(data) + '\\n')"
)


def alert(**overrides) -> Alert:
    values = dict(id="a1", rule="reception offline", kind="offline", severity="critical", key="105",
                  message="Máy lẻ 105 (Lễ tân) mất đăng ký hơn 5 phút.", fired_at=FROZEN_NOW, extension="105")
    values.update(overrides)
    return Alert(**values)


def exec_target(*argv, **kwargs) -> Target:
    return Target("exec", 0, command=(sys.executable, *argv), **kwargs)


def read_lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_exec_gets_the_alert_as_json_and_environment_without_the_credentials(tmp_path, monkeypatch):
    monkeypatch.setenv("CCALL_API_KEY", "key-that-must-not-leak")
    monkeypatch.setenv("CCALL_API_SECRET", "secret-that-must-not-leak")
    out = tmp_path / "alerts.jsonl"
    delivery = Delivery(DeliverySettings((exec_target("-c", WRITE_STDIN, str(out)),)), profile="main")
    try:
        delivery(AlertFired(alert(), FROZEN_NOW))
        fixed = alert(resolved_at=FROZEN_NOW.replace(minute=40))
        delivery(AlertResolved(fixed, fixed.resolved_at))
        delivery(AlertAcknowledged(alert(), FROZEN_NOW))  # not among the default events
        assert delivery.wait_idle(20)
    finally:
        delivery.close()
    fired, resolved = read_lines(out)
    assert fired["event"] == "fired" and fired["profile"] == "main"
    assert fired["alert"]["id"] == "a1" and fired["alert"]["extension"] == "105"
    assert fired["message"] == "Máy lẻ 105 (Lễ tân) mất đăng ký hơn 5 phút."
    assert fired["title"] == "CRITICAL: reception offline"
    env = fired["env"]
    assert env["CCALL_ALERT_ID"] == "a1" and env["CCALL_ALERT_SEVERITY"] == "critical"
    assert env["CCALL_ALERT_EVENT"] == "fired" and env["CCALL_ALERT_EXTENSION"] == "105"
    assert env["CCALL_ALERT_MESSAGE"] == fired["message"]
    assert "CCALL_API_KEY" not in env and "CCALL_API_SECRET" not in env
    assert resolved["event"] == "resolved" and resolved["alert"]["resolved_at"].startswith("2026-11-27T10:40")
    assert delivery.delivered == 2 and delivery.failed == 0


def test_the_command_never_goes_through_a_shell(tmp_path):
    out = tmp_path / "out.jsonl"
    marker = tmp_path / "pwned"
    hostile = alert(message=f"x; touch {marker}", rule="$(touch " + str(marker) + ")")
    delivery = Delivery(DeliverySettings((exec_target("-c", WRITE_STDIN, str(out)),)), profile="main")
    try:
        delivery(AlertFired(hostile, FROZEN_NOW))
        assert delivery.wait_idle(20)
    finally:
        delivery.close()
    assert not marker.exists()
    assert read_lines(out)[0]["alert"]["rule"].startswith("$(touch")


def test_a_failing_command_is_retried_with_backoff_then_succeeds(tmp_path, caplog):
    tries = tmp_path / "tries"
    out = tmp_path / "out.jsonl"
    # Fails the first two times, succeeds the third.
    script = (
        "import sys, pathlib; p = pathlib.Path(sys.argv[1]); n = int(p.read_text() or 0) if p.exists() else 0; "
        "p.write_text(str(n + 1)); sys.stderr.write('busy'); "
        "sys.exit(3) if n < 2 else open(sys.argv[2], 'w').write(sys.stdin.read())"
    )
    delivery = Delivery(DeliverySettings((exec_target("-c", script, str(tries), str(out)),), retries=3),
                        profile="main", backoff=0.05)
    started = time.monotonic()
    try:
        caplog.set_level("INFO", logger="ccall_tui.alerts.delivery")
        delivery(AlertFired(alert(), FROZEN_NOW))
        assert time.monotonic() - started < 0.5  # the caller never waits for the command
        assert delivery.wait_idle(30)
    finally:
        delivery.close()
    assert tries.read_text() == "3"
    assert json.loads(out.read_text())["alert"]["id"] == "a1"
    retries = [r.getMessage() for r in caplog.records if "retry" in r.getMessage()]
    assert len(retries) == 2 and "exit status 3: busy" in retries[0] and "retry 1 of 3" in retries[0]
    assert delivery.delivered == 1


def test_gives_up_after_the_retries_and_stops_a_hung_command(tmp_path, caplog):
    tries = tmp_path / "tries"
    script = "import sys, time; open(sys.argv[1], 'a').write('x'); time.sleep(30)"
    delivery = Delivery(DeliverySettings((exec_target("-c", script, str(tries), timeout=0.3),), retries=1),
                        profile="main", backoff=0.05)
    try:
        delivery(AlertFired(alert(), FROZEN_NOW))
        assert delivery.wait_idle(30)
    finally:
        delivery.close()
    assert tries.read_text() == "xx"
    assert delivery.failed == 1
    assert any("gave up after 2 attempts" in r.getMessage() for r in caplog.records)


def test_a_missing_program_is_not_retried(caplog):
    delivery = Delivery(DeliverySettings((Target("exec", 0, command=("/nonexistent/notify",)),), retries=5),
                        profile="main", backoff=0.05)
    try:
        delivery(AlertFired(alert(), FROZEN_NOW))
        assert delivery.wait_idle(10)
    finally:
        delivery.close()
    assert delivery.failed == 1
    assert any("no such program" in r.getMessage() and "exec[0] notify" in r.getMessage() for r in caplog.records)


class _Receiver(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    _Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, _Receiver.received
    server.shutdown()
    server.server_close()


POST_STDIN = (
    "import sys, urllib.request; "
    "urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.stdin.buffer.read(), "
    "headers={'Content-Type': 'application/json'}), timeout=5)"
)


def test_a_webhook_through_exec(receiver):
    server, received = receiver
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    delivery = Delivery(DeliverySettings((exec_target("-c", POST_STDIN, url),)), profile="main")
    try:
        delivery(AlertFired(alert(), FROZEN_NOW))
        assert delivery.wait_idle(20)
    finally:
        delivery.close()
    assert len(received) == 1 and received[0]["alert"]["rule"] == "reception offline"


def test_apprise_json_to_a_local_receiver(receiver):
    pytest.importorskip("apprise")
    server, received = receiver
    target = Target("apprise", 0, urls=(f"json://127.0.0.1:{server.server_address[1]}/",))
    delivery = Delivery(DeliverySettings((target,)), profile="main")
    try:
        delivery(AlertFired(alert(), FROZEN_NOW))
        assert delivery.wait_idle(20)
    finally:
        delivery.close()
    assert delivery.delivered == 1
    assert received[0]["title"] == "CRITICAL: reception offline"
    assert received[0]["message"] == "Máy lẻ 105 (Lễ tân) mất đăng ký hơn 5 phút."


def test_without_apprise_one_line_says_how_to_install(monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "apprise", None)  # import apprise -> ImportError
    delivery = Delivery(DeliverySettings((Target("apprise", 0, urls=("tgram://token/chat",)),)),
                        profile="main", backoff=0.01)
    try:
        delivery(AlertFired(alert(), FROZEN_NOW))
        assert delivery.wait_idle(10)
    finally:
        delivery.close()
    lines = [r.getMessage() for r in caplog.records]
    assert any("pip install 'ccall-tui[notify]'" in line for line in lines)
    assert not any("token" in line for line in lines)  # the URL (its token) is never logged
    assert delivery.failed == 1


def test_terminal_notifications_and_filters():
    written: list[str] = []
    settings = DeliverySettings(osc="both")
    delivery = Delivery(settings, profile="main", terminal=written.append)
    delivery(AlertFired(alert(), FROZEN_NOW))
    snoozed = alert(snoozed_until=FROZEN_NOW.replace(hour=11))
    delivery(AlertFired(snoozed, FROZEN_NOW))  # its key is snoozed: recorded, asks for nobody
    delivery.close()
    assert len(written) == 1
    assert "\x1b]9;CRITICAL: reception offline: Máy lẻ 105" in written[0]
    assert "\x1b]777;notify;CRITICAL: reception offline;Máy lẻ 105" in written[0]
    only_warning = Target("exec", 0, command=("true",), severities=frozenset({"warning"}))
    assert not only_warning.wants("fired", "critical", settings.events)
    assert only_warning.wants("fired", "warning", settings.events)


def test_osc_text_cannot_break_out_of_the_sequence():
    text = osc_notification("a;b\x07\x1b]52;c;aGk=\x07", "body\x1b[31m", "777", env={})
    assert text.count("\x1b") == 1 and text.count("\x07") == 1
    assert text.startswith("\x1b]777;notify;a,b")
    wrapped = osc_notification("t", "b", "9", env={"TMUX": "/tmp/tmux-0/default,1,0"})
    assert wrapped == "\x1bPtmux;\x1b\x1b]9;t: b\x07\x1b\\"


def _rules_text(actions: str) -> str:
    return "[[profiles.main.rules]]\nname = \"x\"\nkind = \"offline\"\nminutes = 5\n\n" + actions


def test_actions_from_the_rules_file(tmp_path):
    from ccall_tui.alerts.rules_file import parse_rule_text

    text = _rules_text(
        "[profiles.main.actions]\nevents = [\"fired\"]\nretries = 2\nosc = \"9\"\n\n"
        "[[profiles.main.actions.exec]]\ncommand = [\"/bin/echo\", \"hi\"]\ntimeout = 3\nseverity = \"critical\"\n\n"
        "[[profiles.main.actions.apprise]]\nurls = [\"json://localhost/\"]\n"
    )
    rule_file = parse_rule_text(text, tmp_path / "alerts.toml")
    settings = parse_actions(rule_file.for_profile("main").actions, "main", rule_file.line_of, rule_file.path)
    assert settings.events == frozenset({"fired"}) and settings.retries == 2 and settings.osc == "9"
    exec_, apprise = settings.targets
    assert exec_.command == ("/bin/echo", "hi") and exec_.timeout == 3 and exec_.severities == frozenset({"critical"})
    assert apprise.urls == ("json://localhost/",) and apprise.name == "apprise[1] json"


@pytest.mark.parametrize("actions, line, key, words", [
    ("[profiles.main.actions]\nretrys = 2\n", 7, "profiles.main.actions.retrys", "did you mean \"retries\""),
    ("[profiles.main.actions]\nevents = [\"fire\"]\n", 7, "profiles.main.actions.events", "event names"),
    ("[[profiles.main.actions.exec]]\ncommand = \"notify-send hi\"\n", 7, "profiles.main.actions.exec.command", "no shell"),
    ("[[profiles.main.actions.exec]]\ncommand = [\"x\"]\n\n[[profiles.main.actions.exec]]\ncommand = [\"y\"]\ntimeout = 0\n",
     11, "profiles.main.actions.exec.timeout", "above 0"),
    ("[[profiles.main.actions.apprise]]\nurls = \"tgram-secret-token\"\n", 7, "profiles.main.actions.apprise.urls", "Apprise URLs"),
])
def test_action_errors_name_the_line_and_key(tmp_path, actions, line, key, words):
    from ccall_tui.alerts.rules_file import parse_rule_text

    rule_file = parse_rule_text(_rules_text(actions), tmp_path / "alerts.toml")
    with pytest.raises(ConfigError) as caught:
        parse_actions(rule_file.for_profile("main").actions, "main", rule_file.line_of, rule_file.path)
    message = caught.value.message
    assert f"line {line}" in message and key in message and words in message
    assert "secret-token" not in message


def test_titles_speak_the_profile_language(tmp_path):
    from ccall_tui import i18n

    out = tmp_path / "out.jsonl"
    i18n.set_language("vi", {})
    try:
        delivery = Delivery(DeliverySettings((exec_target("-c", WRITE_STDIN, str(out)),)), profile="main")
        try:
            delivery(AlertFired(alert(), FROZEN_NOW))
            fixed = alert(resolved_at=FROZEN_NOW)
            delivery(AlertResolved(fixed, FROZEN_NOW))
            assert delivery.wait_idle(20)
        finally:
            delivery.close()
    finally:
        i18n.set_language("en", {})
    fired, resolved = read_lines(out)
    assert fired["title"] == "NGHIÊM TRỌNG: reception offline"
    assert resolved["title"] == "Đã hết: reception offline"


def test_the_queue_is_bounded(monkeypatch, tmp_path, caplog):
    from ccall_tui.alerts import actions

    monkeypatch.setattr(actions, "QUEUE_LIMIT", 3)
    slow = exec_target("-c", "import time; time.sleep(0.3)")
    delivery = Delivery(DeliverySettings((slow,)), profile="main")
    try:
        for number in range(6):
            delivery(AlertFired(alert(id=str(number)), FROZEN_NOW))
        assert delivery.dropped in (2, 3)  # 3 wait (a 4th may already be running)
        assert delivery.wait_idle(20)
    finally:
        delivery.close()
    assert delivery.delivered + delivery.dropped == 6
    assert any("queue full" in r.getMessage() for r in caplog.records)
