"""``ccall-tui watch`` as a real process against the simulator: an extension forced offline over
the simulator's control endpoint fires the rule, its exec action writes the alert to a file, the
metrics page shows it, and SIGTERM stops the watcher cleanly (exit 0)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import httpx
import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from conftest import run_cli

OPENMETRICS = {"Accept": "application/openmetrics-text; version=1.0.0"}
WRITE_STDIN = "import sys; open(sys.argv[1], 'a', encoding='utf-8').write(sys.stdin.read() + '\\n')"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, seconds: float, what: str, proc=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"watch ended early ({proc.returncode}) while waiting for {what}")
        time.sleep(0.2)
    raise AssertionError(f"no {what} within {seconds} s")


@pytest.fixture
def watch_setup(env, isolated, monkeypatch, tmp_path):
    config = isolated / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[profiles.default]\nroster = ["100-159"]\npoll_interval = 1\n', encoding="utf-8")
    out = tmp_path / "alerts.jsonl"
    rules = isolated / "config" / "alerts.toml"
    rules.write_text(
        '[[profiles.default.rules]]\nname = "reception offline"\nkind = "offline"\nextensions = ["105"]\n'
        'minutes = 0\nseverity = "critical"\n\n'
        '[profiles.default.actions]\ngroup_window_s = 1\n\n'  # alerts of one rule told together within 1 s
        '[[profiles.default.actions.exec]]\n'
        f'command = [{json.dumps(sys.executable)}, "-c", {json.dumps(WRITE_STDIN)}, {json.dumps(str(out))}]\n'
        'timeout = 10\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("CCALL_ALERTS", str(rules))
    return out


def test_watch_fires_delivers_serves_metrics_and_stops_on_sigterm(watch_setup, sim, tmp_path):
    out = watch_setup
    sim.tenant.force_online("105")
    port = free_port()
    log = tmp_path / "watch.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "ccall_tui", "watch", "--metrics", f"127.0.0.1:{port}", "--log-file", str(log)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ),
    )
    try:
        url = f"http://127.0.0.1:{port}/metrics"

        def up_of_105():
            try:
                page = httpx.get(url, headers=OPENMETRICS, timeout=2).text
            except httpx.HTTPError:
                return None
            for family in text_string_to_metric_families(page):
                for s in family.samples:
                    if s.name == "ccall_extension_up" and s.labels.get("extension") == "105":
                        return ("up", s.value)
            return None

        assert wait_for(up_of_105, 30, "first answer on the metrics page", proc) == ("up", 1.0)
        answer = httpx.post(sim.base_url + "/_sim/extension", json={"extension": "105", "state": "offline"}, timeout=5)
        assert answer.status_code == 200
        lines = wait_for(lambda: out.exists() and out.read_text(encoding="utf-8").strip().splitlines(), 40,
                         "alert written by the exec action", proc)
        fired = json.loads(lines[0])
        assert fired["event"] == "fired" and fired["alert"]["rule"] == "reception offline"
        assert fired["alert"]["extension"] == "105" and fired["alert"]["severity"] == "critical"
        assert up_of_105() == ("up", 0.0)
        page = httpx.get(url, headers=OPENMETRICS, timeout=2).text
        assert 'ccall_alert_active{extension="105",rule="reception offline",severity="critical",state="firing"} 1.0' in page
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            stdout, stderr = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0, stderr.decode()
    assert b"Traceback" not in stderr
    text = log.read_text(encoding="utf-8")
    assert "alert 1 fired [critical] reception offline" in text
    assert "Stopping" in text
    assert len(out.read_text(encoding="utf-8").strip().splitlines()) == 1  # fired once


def test_watch_refuses_a_broken_rules_file_with_its_line(watch_setup, isolated, capsys):
    rules = isolated / "config" / "alerts.toml"
    rules.write_text('[[profiles.default.rules]]\nname = "x"\nkind = "ofline"\nminutes = 5\n', encoding="utf-8")
    code, out, err = run_cli(capsys, "watch")
    assert code == 2
    assert "alerts.toml, line 3: " in err and ".kind" in err and "did you mean \"offline\"" in err
    rules.write_text('[profiles.default.actions]\nretrys = 1\n', encoding="utf-8")
    code, out, err = run_cli(capsys, "watch")
    assert code == 2 and "line 2" in err and "retries" in err


def test_watch_refuses_a_bad_metrics_address(watch_setup, capsys):
    code, out, err = run_cli(capsys, "watch", "--metrics", "here")
    assert code == 2 and "--metrics: 'here' is not HOST:PORT" in err


def test_the_dashboard_command_prints_the_packaged_json(capsys):
    code, out, err = run_cli(capsys, "metrics", "dashboard")
    assert code == 0
    assert json.loads(out)["uid"] == "ccall-tui-overview"


def test_a_taken_metrics_port_stops_watch_with_one_line(watch_setup, capsys):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = run_cli(capsys, "watch", "--metrics", f"127.0.0.1:{port}")
    assert code == 2
    assert f"ccall-tui: --metrics: cannot listen on 127.0.0.1:{port}:" in err
    assert "Traceback" not in err
