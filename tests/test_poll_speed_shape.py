"""The fast poll path shows exactly what the general one does.

A registrations answer in the usual shape is read straight from its bytes into compact rows
and compared with the answer before while it is read; anything else takes the general,
tolerant parser. These tests hold the two to the same result, and the board to reporting a
device change (and only a device change) whichever way the answer was read.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta

import httpx
import pytest

from ccall_tui.api.client import CcallClient
from ccall_tui.api.registrations import parse_registrations, read_registrations
from ccall_tui.clock import ManualClock
from ccall_tui.monitor.board import ExtensionBoard
from ccall_tui.monitor.events import SnapshotApplied
from ccall_tui.monitor.feed import BoardFeed
from ccall_tui.monitor.roster import seen_store_for
from ccall_tui.monitor.states import ExtensionState

from conftest import VN, DemoCredentials

START = datetime(2026, 11, 27, 10, 30, tzinfo=VN)



def row(ext: int, device: int = 0, serial: int = 0, **changes: object) -> dict[str, object]:
    """One row as the server sends it; ``serial`` moves the countdown and the ping time."""
    address = f"10.0.{ext % 250}.{device + 1}"
    out: dict[str, object] = {
        "call-id": f"{ext}-{device}@{address}",
        "user": f"{ext}@t.example",
        "contact": f'"{ext}" <sip:{ext}@{address}:5060;transport=udp;fs_nat=yes>',
        "agent": "Yealink SIP-T46S 66.86.0.15",
        "status": f"Registered(UDP-NAT)(unknown) exp(2026-11-27 18:29:38) expsecs({3600 - serial})",
        "ping-status": "Reachable",
        "ping-time": f"{12 + serial % 9}.{serial % 100:02d}",
        "host": "sbc-01",
        "network-ip": address,
        "network-port": "5060",
        "sip-auth-realm": "t.example",
    }
    out.update(changes)
    return out


def body(rows: list) -> bytes:
    return json.dumps({"response": {"registrations": rows}}).encode()


def registrations_of(snapshot) -> dict[str, list]:
    """What a user sees of a snapshot: every registration of every extension, in order."""
    return {ext: list(regs) for ext, regs in snapshot.extensions.items()}


# --------------------------------------------------------------------------- same result


def test_the_fast_reading_equals_the_general_one_on_varied_answers():
    rng = random.Random(5)
    values = [None, "", "null", "x\x1b[31my", "Nguyễn Văn Đức", "  spaced  ", "5060", "99999", "-1",
              "Unreachable", "Registered(TCP)(unknown) EXP(2026-11-27 18:29:38) EXPSECS(12)", "sip:1@[::1]:5080>"]
    for _ in range(40):
        rows = [row(100 + i, serial=rng.randrange(50)) for i in range(30)]
        for item in rng.sample(rows, 12):
            key = rng.choice(["agent", "contact", "status", "ping-status", "ping-time", "network-ip",
                              "network-port", "call-id"])
            item[key] = rng.choice(values)
        rows.append(dict(rows[0]))  # an identical row: one device
        rows.append(row(100, 1))  # a second phone on 100
        rows.append({**rows[3], "ping-time": "1.00"})  # same call-id and contact: one device
        rows.append({"user": "sip:300@t.example", "extra-key": {"nested": [1, 2]}})
        fast = read_registrations(body(rows), VN)
        assert fast is not None, "the usual shape is read the fast way"
        general = parse_registrations(json.loads(body(rows)), VN)
        assert list(fast.extensions) == list(general.extensions)
        assert registrations_of(fast) == registrations_of(general)
        assert [fast.device_count(ext) for ext in fast.extensions] == [
            general.device_count(ext) for ext in general.extensions
        ]


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (b'{"response": {"registrations": [{"user": "100@t", "network_ip": "10.0.0.9", "call_id": "c1"}]}}',
         "keys with _ instead of -"),
        (b'{"response": {"registrations": [{"user": "100@t", "agent": "bad \\ud800 surrogate"}]}}',
         "a lone surrogate"),
        (b'{"response": {"registrations": {"user": "100@t"}}}', "one registration as an object"),
        (b'{"response": {"registrations": {"registration": [{"user": "100@t"}]}}}', "XML-to-JSON nesting"),
        (b'{"response": {"registrations": [{"user": "100@t"}, {"agent": "no user"}, 7]}}', "rows without a user"),
        (b'{"response": {"registrations": [{"user": 100}]}}', "a user as a number"),
    ],
)
def test_other_shapes_are_left_to_the_general_reading(raw, why):
    assert read_registrations(raw, VN) is None, why


async def read_through_client(raw: bytes, **headers: str):
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=raw, headers={"Content-Type": "application/json", **headers})

    async with CcallClient("http://pbx.test", DemoCredentials(), tz=VN, transport=httpx.MockTransport(answer)) as client:
        return await client.registrations()


async def test_the_client_still_reads_every_quirk():
    snap = await read_through_client(
        b'{"response": {"registrations": [{"user": "100@t", "network_ip": "10.0.0.9", "network_port": "5070"},'
        b' {"user": "101@t", "agent": "bad \\ud800 surrogate"}, {"agent": "no user"}]}}'
    )
    assert list(snap.extensions) == ["100", "101"]
    (reg,) = snap.extensions["100"]
    assert (reg.ip, reg.port) == ("10.0.0.9", 5070)
    assert snap.extensions["101"][0].agent == "bad \ufffd surrogate"
    assert (snap.skipped, snap.skip_reason) == (1, "row 3 has no user")
    fast = await read_through_client(body([row(100), row(101, ping_status=None)]))
    assert [r.ip for regs in fast.extensions.values() for r in regs] == ["10.0.100.1", "10.0.101.1"]
    assert fast.extensions["100"][0].raw["call-id"] == "100-0@10.0.100.1"


# --------------------------------------------------------------------------- what counts as a change


def answers(*steps: list, general: bool | str = False) -> list:
    """Each step read as the feed reads it (fast, compared with the answer before), or the
    general way (as an answer of another shape is read), or ``"fresh"``: fast, while the
    answer before is still read elsewhere (its rows are left as they are)."""
    out, previous = [], {}
    for rows in steps:
        if general is True:
            snap = parse_registrations(json.loads(body(rows)), VN)
        else:
            snap = read_registrations(body(rows), VN, previous=previous, reuse_rows=general != "fresh")
        assert snap is not None
        out.append(snap)
        previous = snap.extensions
    return out


@pytest.mark.parametrize(
    ("change", "reported"),
    [
        ({"serial": 7}, False),  # countdown and ping time moved
        ({"ping-time": "350.00"}, False),
        ({"ping-status": "Unreachable"}, True),
        ({"agent": "Yealink SIP-T46S 66.86.0.20"}, True),  # firmware update
        ({"network-ip": "203.0.113.9"}, True),
        ({"network-port": "5071"}, True),
        ({"status": "Registered(TCP)(unknown) exp(2026-11-27 18:29:38) expsecs(3599)"}, True),
        ({"call-id": "re-registered@10.0.101.1"}, True),
    ],
)
@pytest.mark.parametrize("general", [False, True, "fresh"], ids=["fast", "general", "fresh rows"])
def test_only_a_device_change_is_a_change(change, reported, general):
    change = dict(change)
    serial = int(change.pop("serial", 1))  # type: ignore[call-overload]
    steps = ([row(100), row(101), row(102, 0), row(102, 1)],
             [row(100, serial=serial), row(101, serial=serial, **change), row(102, 0, serial), row(102, 1, serial)])
    first, second = answers(*steps, general=general)
    if general == "fresh":  # the first answer still says what it said
        assert [reg.expires_in_s for regs in first.extensions.values() for reg in regs] == [3600] * 4
    now = START
    board = ExtensionBoard(now=now)
    board.apply(first, now)
    changes = board.apply(second, now + timedelta(seconds=5))
    assert changes.registrations_changed == (["101"] if reported else [])
    assert changes.state_changed == []
    # Whatever was reported, the board shows the latest figures.
    (reg,) = board.registrations_of("101")
    assert reg.expires_in_s == 3600 - serial
    assert board.get("101").devices == 1


@pytest.mark.parametrize("general", [False, True], ids=["fast", "general"])
def test_devices_coming_and_going_are_reported_with_their_counts(general):
    now = START
    board = ExtensionBoard(now=now)
    steps = answers(
        [row(100), row(101), row(102, 0), row(102, 1)],
        [row(100, serial=1), row(100, 1, 1), row(101, serial=1), row(102, 0, 1)],  # 100 +1, 102 -1
        [row(100, serial=2), row(100, 1, 2), row(102, 0, 2), row(103, serial=2)],  # 101 gone, 103 new
        general=general,
    )
    board.apply(steps[0], now)
    changes = board.apply(steps[1], now + timedelta(seconds=5))
    assert changes.registrations_changed == ["100", "102"]
    assert [(e.extension, e.old_devices, e.devices) for e in changes.events] == [("100", 1, 2), ("102", 2, 1)]
    assert [len(board.registrations_of(ext)) for ext in ("100", "101", "102")] == [2, 1, 1]
    changes = board.apply(steps[2], now + timedelta(seconds=10))
    assert changes.went_offline == ["101"] and changes.added == ["103"]
    assert board.get("101").state is ExtensionState.OFFLINE and board.get("101").devices == 0
    assert board.get("103").state is ExtensionState.ONLINE
    assert list(board.registrations_of("101")) == []


# --------------------------------------------------------------------------- through the feed


class NoTimer:
    def __call__(self, delay, callback, name):
        return self

    def stop(self) -> None:
        pass


async def test_the_feed_reports_the_same_changes_as_a_board_fed_by_hand(profile, isolated):
    """Polls through the real client (answers read the fast way and compared while read)
    report exactly what a board given the generally parsed answers reports."""
    rng = random.Random(2)
    numbers = list(range(100, 400))
    online = set(numbers)
    steps = []
    for serial in range(12):
        for ext in rng.sample(numbers, 6):
            online ^= {ext}
        rows = [row(ext, 0, serial, **({"ping-status": "Unreachable"} if (ext + serial) % 37 == 0 else {}))
                for ext in numbers if ext in online]
        rows += [row(ext, 1, serial) for ext in numbers if ext in online and ext % 23 == serial % 3]
        steps.append(body(rows))
    served = iter(steps)

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=next(served), headers={"Content-Type": "application/json"})

    clock = ManualClock(START)
    client = CcallClient("http://pbx.test", DemoCredentials(), tz=VN, transport=httpx.MockTransport(answer))
    feed = BoardFeed(ExtensionBoard(now=clock()), seen_store_for(profile, isolated), interval=60,
                     clock=clock, client=lambda: client, timer=NoTimer())
    reported = []
    feed.subscribe(lambda event: reported.append(event.changes) if isinstance(event, SnapshotApplied) else None)
    by_hand = ExtensionBoard(now=clock())
    expected = []
    async with client:
        for raw in steps:
            clock.advance(5)
            feed.poll_now()
            await feed.idle()
            expected.append(by_hand.apply(parse_registrations(json.loads(raw), VN), clock()))
    assert len(reported) == len(steps)
    for got, want in zip(reported, expected):
        assert (got.state_changed, got.registrations_changed, got.went_offline) == (
            want.state_changed, want.registrations_changed, want.went_offline)
        assert sorted(got.registrations_changed) == sorted(want.registrations_changed)
    assert any(changes.registrations_changed for changes in reported[1:])
    for ext in feed.board.latest:
        assert list(feed.board.registrations_of(ext)) == list(by_hand.registrations_of(ext))
        assert feed.board.get(ext).devices == by_hand.get(ext).devices
