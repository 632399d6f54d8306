"""A ping crossing the unreachable threshold is seen within one answer, at any tenant size.

A ping time moves on every answer without changing which device a row is, so it is not part
of a device's signature; whether it is over ``unreachable_ping_ms`` is found while the answer
is read, and the board judges again only the extensions whose rows crossed it. These tests
hold the board to: the tile turns unreachable (and back) in the very answer that crossed,
wherever it sits in a large tenant, whichever way the answer was read; a ping moving below
the threshold is no change at all. And the reader's slicing of a large body never changes
what it reads.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from ccall_tui.api import registrations_fast
from ccall_tui.api.registrations import parse_registrations, read_registrations
from ccall_tui.monitor.board import ExtensionBoard

from conftest import VN

START = datetime(2026, 11, 27, 10, 30, tzinfo=VN)
TENANT = 2000  # four times what the board used to look at per answer


def row(ext: int, device: int = 0, serial: int = 0, ping: str | None = None) -> dict[str, object]:
    address = f"10.1.{ext % 250}.{device + 1}"
    return {
        "call-id": f"{ext}-{device}@{address}",
        "user": f"{ext}@t.example",
        "contact": f'"{ext}" <sip:{ext}@{address}:{5060 + device};transport=udp>',
        "agent": "Yealink SIP-T46S 66.86.0.15",
        "status": f"Registered(UDP)(unknown) exp(2026-11-27 18:29:38) expsecs({3600 - serial})",
        "ping-status": "Reachable",
        "ping-time": ping if ping is not None else f"{20 + serial % 7}.{serial % 100:02d}",
        "network-ip": address,
        "network-port": str(5060 + device),
    }


def body(rows: list, spaced: bool = False) -> bytes:
    separators = (", ", ": ") if spaced else (",", ":")
    return json.dumps({"response": {"registrations": rows}}, separators=separators).encode()


class Poller:
    """Answers applied to a board as the feed applies them: read fast (compared with the
    answer before, the board's threshold given), or the general way."""

    def __init__(self, general: bool = False, slow_ms: float = 1000.0) -> None:
        self.board = ExtensionBoard([], {}, START, unreachable_ping_ms=slow_ms)
        self.general = general
        self.now = START

    def answer(self, rows: list):
        self.now += timedelta(seconds=5)
        board = self.board
        if self.general:
            snapshot = parse_registrations(json.loads(body(rows)), VN)
        else:
            snapshot = read_registrations(body(rows), VN, previous=board.latest, slow_ms=board.unreachable_ping_ms)
            assert snapshot is not None
        if board.needs_comparing(snapshot):
            board.prepare(snapshot)
        return board.apply(snapshot, self.now)


def tenant(serial: int, **pings: str) -> list:
    return [row(100_000 + i, serial=serial, ping=pings.get(str(100_000 + i))) for i in range(TENANT)]


@pytest.mark.parametrize("general", [False, True], ids=["fast", "general"])
def test_a_ping_growing_slow_turns_the_tile_unreachable_in_that_answer(general):
    poller = Poller(general)
    poller.answer(tenant(0))
    far = str(100_000 + TENANT - 7)  # late in the answer: no slice of the board reaches it soon
    tile = poller.board.tiles[far]
    for serial in range(1, 4):  # pings moving under the threshold: no change at all
        changes = poller.answer(tenant(serial))
        assert not changes.registrations_changed and not changes.reachability_changed
    changes = poller.answer(tenant(4, **{far: "1500.00"}))
    assert tile.unreachable and tile.shown.value == "unreachable"
    assert changes.registrations_changed == [far] and changes.reachability_changed == [far]
    assert poller.board.unreachable_extensions() == [far]
    changes = poller.answer(tenant(5, **{far: "1800.50"}))  # slower still: no news
    assert not changes.registrations_changed and tile.unreachable
    changes = poller.answer(tenant(6))  # back under the threshold: reachable in that answer
    assert not tile.unreachable and changes.registrations_changed == [far]
    assert poller.board.unreachable_extensions() == []


def test_one_of_two_slow_phones_speeding_up_makes_the_extension_reachable():
    poller = Poller()

    def answer(first: str, second: str):
        rows = tenant(0)
        rows[1500:1501] = [row(101_500, 0, ping=first), row(101_500, 1, ping=second)]
        return poller.answer(rows)

    answer("20.00", "21.00")
    tile = poller.board.tiles["101500"]
    assert tile.devices == 2 and not tile.unreachable
    changes = answer("1500.00", "1600.00")  # both too slow: no phone rings reliably
    assert tile.unreachable and changes.reachability_changed == ["101500"]
    changes = answer("1500.00", "22.00")  # the second answers again: it still rings
    assert not tile.unreachable and changes.reachability_changed == ["101500"]


def test_the_threshold_the_board_holds_is_the_one_read():
    # A reader given another threshold (or none) leaves the board to find its own.
    poller = Poller(slow_ms=100.0)
    board = poller.board
    poller.answer(tenant(0))
    snapshot = read_registrations(body(tenant(1, **{"101999": "150.00"})), VN, previous=board.latest)
    assert snapshot is not None and board.needs_comparing(snapshot)
    board.prepare(snapshot)
    changes = board.apply(snapshot, START + timedelta(minutes=1))
    assert board.tiles["101999"].unreachable and changes.reachability_changed == ["101999"]


def test_ping_samples_are_taken_once_per_30_s_for_every_extension():
    poller = Poller()
    for serial in range(13):  # a minute: samples at 0, 30 and 60 s
        poller.answer(tenant(serial))
    samples = poller.board.ping_samples
    assert len(samples) == TENANT
    assert [ms for _at, ms in samples["101999"]] == [20.0, 26.06, 25.12]  # its pings at serials 0, 6 and 12
    assert [at - START for at, _ms in samples["100000"]] == [timedelta(seconds=s) for s in (5, 35, 65)]


# --------------------------------------------------------------------------- slices of a body


@pytest.mark.parametrize("spaced", [False, True], ids=["compact", "spaced"])
def test_cutting_a_body_between_rows_reads_what_the_general_way_reads(monkeypatch, spaced):
    monkeypatch.setattr(registrations_fast, "SLICE_BYTES", 700)  # a cut every few rows
    rows = [row(200 + i, serial=i) for i in range(60)]
    # separators inside texts and nested objects: a cut there must never be read as rows
    rows[7]["contact"] = '"x"},{"user":"999@t.example"}'
    rows[8]["agent"] = "a},{b}, {c"
    rows[20]["extra"] = [{"a": 1}, {"b": 2}]
    rows.append(row(200, 1))  # a second phone on 200
    raw = body(rows, spaced)
    fast = read_registrations(raw, VN)
    general = parse_registrations(json.loads(raw), VN)
    assert fast is not None
    assert list(fast.extensions) == list(general.extensions) and "999" not in fast.extensions
    assert {ext: list(regs) for ext, regs in fast.extensions.items()} == {
        ext: list(regs) for ext, regs in general.extensions.items()
    }
    assert fast.extensions["207"][0].contact == '"x"},{"user":"999@t.example"}'


def test_a_body_cut_in_slices_still_refuses_more_rows_than_read(monkeypatch):
    monkeypatch.setattr(registrations_fast, "SLICE_BYTES", 700)
    raw = body([row(300 + i) for i in range(50)])
    assert read_registrations(raw, VN, max_rows=49) is None  # the general way says why
    assert read_registrations(raw, VN, max_rows=50) is not None


@pytest.mark.parametrize("general", [False, True], ids=["fast", "general"])
@pytest.mark.parametrize("said", ["null", "N/A", " none ", "-"])
def test_a_ping_status_that_says_nothing_is_not_unreachable(general, said):
    # The details read such a status as none given; the tile must not call the phone
    # unreachable where the details say nothing of pings.
    poller = Poller(general)
    rows = tenant(0)
    rows[10]["ping-status"] = said
    poller.answer(rows)
    tile = poller.board.tiles["100010"]
    assert not tile.unreachable and poller.board.unreachable_extensions() == []
    assert poller.board.registrations_of("100010")[0].ping_status is None
    rows = tenant(1)
    rows[10]["ping-status"] = "Unreachable"  # and a status that does say it still counts
    poller.answer(rows)
    assert tile.unreachable
