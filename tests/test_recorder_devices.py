"""Device timelines: phones appearing and leaving, a new agent, a new address, ping status
and a registration still listed after its expiry."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from recorder_kit import start_recording

from ccall_tui.api.registrations import Registration
from ccall_tui.recorder.history import History
from ccall_tui.recorder.writer import HistoryWriter, PollItem


async def test_devices_appearing_leaving_and_changing_agent_are_on_the_timeline(profile, clock, sim, credentials):
    tenant = sim.tenant
    tenant.force_online("100", 2)
    rec = start_recording(profile, clock, sim, credentials)
    start = clock()
    await rec.poll()
    agent = rec.feed.board.registrations_of("100")[0].agent
    tenant.force_online("100", 1)
    await rec.run(2)
    left_at = start + timedelta(minutes=1)
    tenant.set_agent("100", "Softphone [bold]X[/] 1.0")
    await rec.run(2)
    rec.flush()
    timeline = rec.history.timeline("100", start, clock())
    kinds = [(d.at, d.kind) for d in timeline]
    assert kinds[:3] == [(start, "appeared"), (start, "appeared"), (left_at, "left")]
    changed = [d for d in timeline if d.kind == "agent"]
    assert len(changed) == 1 and changed[0].agent == "Softphone [bold]X[/] 1.0" and changed[0].detail == agent
    assert changed[0].at <= start + timedelta(minutes=4)
    rec.close()


def _reg(ext: str, at, *, ping: str = "Reachable", ip: str = "203.0.113.5", expires_in: float = 3600) -> Registration:
    return Registration(extension=ext, user=f"{ext}@t", agent="Yealink T46S", ip=ip, port=5060, transport="UDP",
                        expires_at=at + timedelta(seconds=expires_in), ping_status=ping, call_id=f"{ext}-call")


def test_ping_status_address_and_expiry_anomalies_are_recorded(tmp_path, clock):
    writer = HistoryWriter(tmp_path / "h.sqlite", wall_clock=lambda: clock().timestamp())
    writer.start()
    history = History(writer.path, clock().tzinfo, writer=writer)
    t0 = clock()

    def poll(minute: int, reg: Registration, changed: bool = False) -> None:
        at = t0 + timedelta(minutes=minute)
        regs = (reg,)
        writer.submit(PollItem(at.timestamp(), [("100", 1, 1, regs)] if changed else [], (1, 1), {"100": regs}))

    # a new ping status or address moves the device's signature: the board reports the
    # extension as changed; a renewal (or a missed one) only moves the expiry, which it does not
    poll(0, _reg("100", t0), changed=True)
    poll(1, _reg("100", t0, ping="Unreachable"), changed=True)
    poll(2, _reg("100", t0, ping="Reachable"), changed=True)
    poll(3, _reg("100", t0, ip="198.51.100.9"), changed=True)
    poll(4, _reg("100", t0 + timedelta(minutes=4), ip="198.51.100.9", expires_in=-30))  # listed, expired
    poll(5, _reg("100", t0 + timedelta(minutes=5), ip="198.51.100.9", expires_in=-30))
    assert history.flush()
    timeline = history.timeline("100", t0, t0 + timedelta(minutes=10))
    assert [(d.at - t0, d.kind) for d in timeline] == [
        (timedelta(0), "appeared"), (timedelta(minutes=1), "unreachable"), (timedelta(minutes=2), "reachable"),
        (timedelta(minutes=3), "address"), (timedelta(minutes=4), "expired")]
    assert timeline[3].ip == "198.51.100.9" and timeline[3].detail == "203.0.113.5:5060"
    assert timeline[4].detail == (t0 + timedelta(minutes=4) - timedelta(seconds=30)).strftime("%Y-%m-%d %H:%M:%S")
    history.close()


def test_a_device_that_leaves_after_its_expiry_is_marked_expired(tmp_path, clock):
    writer = HistoryWriter(tmp_path / "h.sqlite", wall_clock=lambda: clock().timestamp())
    writer.start()
    history = History(writer.path, clock().tzinfo, writer=writer)
    t0 = clock()
    reg = replace(_reg("100", t0, expires_in=60))
    writer.submit(PollItem(t0.timestamp(), [("100", 1, 1, (reg,))]))
    gone = t0 + timedelta(minutes=3)
    writer.submit(PollItem(gone.timestamp(), [("100", 2, 0, ())]))
    assert history.flush()
    assert [d.kind for d in history.timeline("100", t0, gone)] == ["appeared", "left", "expired"]
    history.close()


def test_a_device_that_renewed_and_then_left_is_not_marked_expired(tmp_path, clock):
    """The board does not report a renewal (only the expiry moves): the minute's look at the
    answer finds the device whose known expiry passed and keeps its new one."""
    writer = HistoryWriter(tmp_path / "h.sqlite", wall_clock=lambda: clock().timestamp())
    writer.start()
    history = History(writer.path, clock().tzinfo, writer=writer)
    t0 = clock()
    writer.submit(PollItem(t0.timestamp(), [("100", 1, 1, (_reg("100", t0, expires_in=60),))]))
    renewed = t0 + timedelta(minutes=2)
    regs = (_reg("100", renewed, expires_in=3600),)
    writer.submit(PollItem(renewed.timestamp(), [], (1, 1), {"100": regs}))
    gone = t0 + timedelta(minutes=3)
    writer.submit(PollItem(gone.timestamp(), [("100", 2, 0, ())]))
    assert history.flush()
    assert [d.kind for d in history.timeline("100", t0, gone)] == ["appeared", "left"]
    history.close()


def _answer(statuses: dict[str, str]):
    """An answer as the client reads it (compact rows), one device per extension."""
    import json

    from ccall_tui.api.registrations import read_registrations

    rows = [{"call-id": f"{ext}-call", "user": f"{ext}@t", "contact": f"<sip:{ext}@203.0.113.5:5060>",
             "agent": "Yealink T46S", "status": status, "ping-status": "Reachable", "ping-time": "12.00",
             "network-ip": "203.0.113.5", "network-port": "5060"} for ext, status in statuses.items()]
    snapshot = read_registrations(json.dumps({"response": {"registrations": rows}}).encode())
    assert snapshot is not None
    return snapshot.extensions


def test_a_pbx_whose_clock_is_behind_is_read_in_full_once_not_every_minute(tmp_path, clock, monkeypatch):
    """Every device listed with an expiry already past (the PBX's clock hours behind): the
    minute's look writes each down once, notices a renewal, and does not read again what
    did not renew (that would be a full reading of the tenant every minute)."""
    from ccall_tui.recorder import poll_rows

    read: list[str] = []
    counting = poll_rows.devices_of

    def devices_of(regs):
        read.extend(reg.extension for reg in regs)
        return counting(regs)

    monkeypatch.setattr(poll_rows, "devices_of", devices_of)
    writer = HistoryWriter(tmp_path / "h.sqlite", wall_clock=lambda: clock().timestamp())
    writer.start()
    history = History(writer.path, clock().tzinfo, writer=writer)
    t0 = clock()
    behind = (t0 - timedelta(hours=7)).strftime("%Y-%m-%d %H:%M:%S")
    later = (t0 - timedelta(hours=7) + timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S")
    first = _answer({ext: f"Registered(UDP)(unknown) exp({behind}) expsecs(-25200)" for ext in ("100", "101")})
    writer.submit(PollItem(t0.timestamp(), [(ext, 1, 1, first.get(ext)) for ext in ("100", "101")], (2, 2), first))
    assert history.flush()
    read.clear()
    for minute, statuses in ((1, {"100": behind, "101": later}), (2, {"100": behind, "101": later})):
        answer = _answer({ext: f"Registered(UDP)(unknown) exp({exp}) expsecs(-25100)" for ext, exp in statuses.items()})
        writer.submit(PollItem((t0 + timedelta(minutes=minute)).timestamp(), [], (2, 2), answer))
        assert history.flush()
        if minute == 1:
            assert read == ["101"]  # the one that renewed; 100 was read and written down at minute 0
            read.clear()
    assert read == []
    for ext in ("100", "101"):
        kinds = [d.kind for d in history.timeline(ext, t0, t0 + timedelta(minutes=3))]
        assert kinds == ["appeared", "expired"], (ext, kinds)
    # the renewal is known: its new expiry is the one kept
    assert [d.expires for d in writer.live["101"]] == [
        datetime.strptime(later, "%Y-%m-%d %H:%M:%S").replace(tzinfo=clock().tzinfo).timestamp()]
    # a device that leaves is forgotten by what was written down of expiries
    writer.submit(PollItem((t0 + timedelta(minutes=3)).timestamp(), [("100", 2, 0, ())]))
    assert history.flush()
    assert "100" not in writer._expired and "101" in writer._expired
    history.close()
