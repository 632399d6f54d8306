"""Why didn't it ring? The card's engine against a morning recorded from the simulator (an
extension dropping during calls, sim/dropping.py) with the flight recorder on the manual
clock; and the card in the call browser."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta

import pytest

from ccall_tui.api.client import CcallClient
from ccall_tui.monitor import why, why_history
from ccall_tui.monitor.why_history import KNOWN, NO_HISTORY, NOT_RECORDING, POLLS_FAILING, read_registration
from ccall_tui.monitor.why_text import fact_lines
from ccall_tui.sim.dropping import DroppingExtension
from recorder_kit import start_recording

def changed(record, **changes):
    """A copy of a call record with some fields changed (whatever kind of record class)."""
    try:
        import msgspec
    except ImportError:  # pragma: no cover
        msgspec = None
    if msgspec is not None and isinstance(record, msgspec.Struct):
        return msgspec.structs.replace(record, **changes)
    return replace(record, **changes)


GAP = (65, 70)  # minutes after the start when the PBX answers polls with errors
RECORDED_MINUTES = 80


class Story:
    def __init__(self, scenario, recording, client, tz) -> None:
        self.scenario = scenario
        self.recording = recording
        self.client = client
        self.tz = tz

    @property
    def ext(self) -> str:
        return self.scenario.extension

    async def record(self, story: str):
        record = await self.client.cdr(self.scenario.call(story).call_id)
        assert record is not None, story
        return record

    async def explain(self, story: str, history="recorded", **kw) -> why.Why:
        record = await self.record(story)
        return await why.explain_call(
            record, history=self.recording.history if history == "recorded" else history,
            fetch=self.client.cdrs, tz=self.tz, now=self.recording.clock(), **kw)


async def record_story(sim, clock, profile, credentials) -> Story:
    """From 10:30 to 11:50 a poll a minute, the recorder on; the scenario from 10:30; the
    PBX failing the polls from 11:35 to 11:40."""
    scenario = DroppingExtension(sim.tenant, clock()).install()
    recording = start_recording(profile, clock, sim, credentials)
    start = clock()
    await recording.poll()
    while clock() < start + timedelta(minutes=RECORDED_MINUTES):
        at = clock.advance(60)
        minutes = (at - start).total_seconds() / 60
        sim.faults.status_5xx = 503 if GAP[0] <= minutes < GAP[1] else None
        await recording.poll()
    recording.flush()
    client = CcallClient(profile.base_url, credentials, timeout=5.0, tz=profile.timezone)
    return Story(scenario, recording, client, profile.timezone)


@pytest.fixture
async def story(sim, clock, profile, credentials):
    recorded = await record_story(sim, clock, profile, credentials)
    yield recorded
    await recorded.client.aclose()
    recorded.recording.close()


# ---------------------------------------------------------------------- the scenario itself


async def test_the_scenario_plays_what_it_says(story):
    """The simulator did what the card will be checked against: offline in the window (the
    board saw it), and each scripted call in the call records with its cause."""
    scenario = story.scenario
    down, up = scenario.offline
    truth = story.recording.truth
    assert [at for at, online in truth if story.ext not in online and down <= at < up]
    assert all(story.ext in online for at, online in truth if at < down or up <= at)
    assert (await story.record("offline")).status == "USER_NOT_REGISTERED"
    assert (await story.record("busy")).status == "USER_BUSY"
    assert (await story.record("no_answer")).status == "NO_ANSWER"


# ---------------------------------------------------------------------- verdict paths


async def test_offline_says_when_and_which_phone_stopped_refreshing(story):
    card = await story.explain("offline")
    down, up = story.scenario.offline
    assert card.kind == why.OFFLINE
    assert card.registration.coverage == KNOWN
    assert card.registration.since == down and card.registration.until == up
    model = " ".join(story.scenario.device.agent.split()[:2])
    assert card.verdict == (
        f"{story.ext} was offline {down:%H:%M}-{up:%H:%M} ({model} at {story.scenario.device.ip} stopped "
        f"refreshing); this call at {story.scenario.call('offline').start[11:16]} ended USER_NOT_REGISTERED"
    )


async def test_busy_names_the_call_it_was_on(story):
    card = await story.explain("busy")
    busy_with = story.scenario.call("busy_with")
    assert card.kind == why.BUSY
    assert [o.record.call_id for o in card.overlaps] == [busy_with.call_id]
    assert card.verdict.startswith(
        f"{story.ext} was on another call (a call from {story.scenario.colleague}, 11:10-11:14) when this one came at 11:12")
    assert card.verdict.endswith("it ended USER_BUSY")


async def test_nobody_answered_while_registered_and_free(story):
    card = await story.explain("no_answer")
    assert card.kind == why.NOBODY_ANSWERED
    assert card.registration.state.value == "online" and card.registration.device_count == 1
    assert not card.overlaps
    assert card.answered_sample > 0 and card.usual_answer_s is not None
    assert f"it usually answers in {card.usual_answer_s:.0f} s" in card.verdict
    assert card.verdict.startswith(f"{story.ext} was registered (1 phone) and on no other call: it rang and nobody answered")


async def test_unreachable_phone(story):
    card = await story.explain("unreachable")
    assert card.kind == why.UNREACHABLE
    since = story.scenario.unreachable[0]
    assert card.registration.devices[0].reachable is False
    assert f"did not answer the PBX's pings (since {since:%H:%M})" in card.verdict
    assert card.verdict.endswith("ended NO_USER_RESPONSE")


async def test_caller_hung_up_and_the_phone_declined(story):
    hung_up = await story.explain("hung_up")
    assert hung_up.kind == why.CALLER_HUNG_UP
    assert "the caller hung up at 11:17 before anyone answered" in hung_up.verdict
    rejected = await story.explain("rejected")
    assert rejected.kind == why.REGISTERED
    assert rejected.verdict.startswith(f"{story.ext} was registered (1 phone) and on no other call at 11:43; "
                                       "the PBX ended the call CALL_REJECTED:")


async def test_answered_call_has_nothing_to_explain(story):
    card = await story.explain("answered")
    assert card.kind == why.ANSWERED
    assert card.verdict == "This call was answered after 6 s: nothing kept it from ringing"


# ---------------------------------------------------------------------- no data: say so


async def test_before_the_first_record_the_card_says_it_cannot_tell(story):
    card = await story.explain("before")
    assert card.kind == why.NO_DATA
    assert card.registration.coverage == NOT_RECORDING
    assert card.verdict == (f"The history begins at 10:30, after this call, so the card cannot tell whether "
                            f"{story.ext} was registered at 10:10; this call ended NO_ANSWER")


async def test_during_failing_polls_the_card_says_it_cannot_tell(story):
    card = await story.explain("gap")
    assert card.kind == why.NO_DATA
    assert card.registration.coverage == POLLS_FAILING
    assert card.verdict.startswith("The board's polls were failing at 11:37 (")
    assert f"cannot tell whether {story.ext} was registered; this call ended NO_ANSWER" in card.verdict


async def test_without_a_history_the_card_says_so(story):
    card = await story.explain("offline", history=None)
    assert card.kind == why.NO_DATA
    assert card.registration.coverage == NO_HISTORY
    assert card.verdict.startswith("No history is kept here, so the card cannot tell whether")
    # the calls still count: a busy call is busy whatever the history knows
    busy = await story.explain("busy", history=None)
    assert busy.kind == why.BUSY


async def test_a_stretch_when_nothing_recorded(story, profile, credentials, sim, clock):
    """The recorder closed at 11:50 and opened again at 12:20: a call at 12:00 has no record."""
    story.recording.close()
    clock.advance(30 * 60)
    again = start_recording(profile, clock, sim, credentials)
    await again.poll()
    clock.advance(60)
    await again.poll()
    again.flush()
    try:
        back = clock() - timedelta(minutes=1)
        reg = read_registration(again.history, story.ext, back - timedelta(minutes=20), clock())
        assert reg.coverage == NOT_RECORDING
        assert (reg.gap_start, reg.gap_end) == (back - timedelta(minutes=30), back)
        record = await story.record("offline")
        card = why.judge(changed(record, start=back - timedelta(minutes=20)), story.ext, reg, (), (None, 0), story.tz)
        assert card.kind == why.NO_DATA
        assert card.verdict == (f"Nothing was recording 11:50-12:20, so the card cannot tell whether {story.ext} "
                                "was registered at 12:00; this call ended USER_NOT_REGISTERED")
    finally:
        again.close()


# ---------------------------------------------------------------------- other destinations


async def test_outbound_and_numbers_are_not_extensions(story, sim):
    start = story.recording.clock() - timedelta(minutes=RECORDED_MINUTES)
    page = await story.client.cdrs(why.CdrQuery(date_from=start, date_to=story.recording.clock(), page=1, limit=500))
    outbound = next(r for r in page.records if r.direction == "outbound" and not r.answered)
    card = await why.explain_call(outbound, history=story.recording.history, fetch=story.client.cdrs,
                                  tz=story.tz, now=story.recording.clock())
    assert card.kind == why.OUTBOUND and card.extension is None
    assert card.verdict.startswith(f"This call went out to {outbound.destination}:")
    did = changed(outbound, direction="inbound", destination="842873001234")
    card = await why.explain_call(did, history=story.recording.history, fetch=story.client.cdrs,
                                  tz=story.tz, now=story.recording.clock())
    assert card.kind == why.NOT_EXTENSION
    assert card.verdict.startswith("842873001234 is a number, not an extension")
    assert why.destination_extension(changed(outbound, direction="inbound", destination="sip:105@x")) == "105"
    assert why.destination_extension(changed(outbound, direction="inbound", destination="9001234"),
                                     known={"9001234"}) == "9001234"


async def test_never_registered_extension(story, sim):
    """A call at 11:00 to an extension that never registers (the recorded board knew it only
    as never seen)."""
    never = next(n for n in sim.tenant.numbers if sim.tenant.never_registers(n))
    record = changed(await story.record("offline"), destination=never, call_id="never-registered-call")
    card = await why.explain_call(record, history=story.recording.history, fetch=story.client.cdrs,
                                  tz=story.tz, now=story.recording.clock())
    assert card.kind == why.NEVER_REGISTERED
    assert card.verdict == (f"{never} had not registered a phone since the history began (10:30); "
                            f"this call at {record.start:%H:%M} ended USER_NOT_REGISTERED")


async def test_fetch_failure_keeps_what_the_history_knows(story):
    from ccall_tui.api.errors import CcallError

    async def broken(query):
        raise CcallError("The server answered 503")

    record = await story.record("offline")
    card = await why.explain_call(record, history=story.recording.history, fetch=broken, tz=story.tz,
                                  now=story.recording.clock())
    assert card.kind == why.OFFLINE
    assert ("Other calls", "The calls around it could not be fetched: The server answered 503") in fact_lines(card, story.tz)


# ---------------------------------------------------------------------- the card in the browser


async def _settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def _browser_on_the_story(app, pilot, story):
    """The call browser listing the calls to the story's extension over the recorded morning."""
    from ccall_tui.monitor.cdr_filter import CdrFilter
    from ccall_tui.ui.screens.cdrs import CdrBrowserScreen

    for _ in range(200):  # the app opens the profile's history in a thread as it starts
        if app.services.history is not None:
            break
        await pilot.pause(0.05)
    assert app.services.history is not None
    await app.switch_mode("cdrs")
    await _settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, CdrBrowserScreen)
    screen.show_filter(CdrFilter(date_from="2026-11-27 10:00", date_to="2026-11-27 12:00",
                                 destination=story.ext, limit=50))
    await _settle(app, pilot)
    return screen


def _row_of(screen, call_id: str) -> int:
    return next(i for i, r in enumerate(screen.table.records) if r.call_id == call_id)


def _card_text(screen) -> str:
    """What the card shows, as plain text (wide enough that no line wraps)."""
    from rich.console import Console
    from textual.widgets import Static

    console = Console(width=400, record=True, file=io.StringIO(), color_system=None)
    console.print(screen.query_one("#why-body", Static).content)
    return "\n".join(line.rstrip() for line in console.export_text().splitlines()).strip()


@pytest.fixture
def story_app(story, make_services, profile):
    from ccall_tui.factory import build_app

    story.recording.close()  # the app records into the same history from now on
    return build_app(make_services(profile=replace(profile, name="default")))


async def test_w_opens_the_card_and_enter_follows_the_selection(story, story_app):
    app = story_app
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await _browser_on_the_story(app, pilot, story)
        offline = story.scenario.call("offline")
        screen.table.move_cursor(row=_row_of(screen, offline.call_id))
        screen.table.focus()
        await pilot.press("w")
        await _settle(app, pilot)
        from textual.widgets import TabbedContent

        assert screen.query_one(TabbedContent).active == "tab-why"
        text = _card_text(screen)
        down, up = story.scenario.offline
        assert text.startswith(f"{story.ext} was offline {down:%H:%M}-{up:%H:%M} (")
        assert "stopped refreshing); this call at 10:52 ended USER_NOT_REGISTERED" in text
        assert "Went away" in text
        # enter on another call: the card stays open and follows it
        screen.table.move_cursor(row=_row_of(screen, story.scenario.call("busy").call_id))
        await pilot.press("enter")
        await _settle(app, pilot)
        assert screen.query_one(TabbedContent).active == "tab-why"
        text = _card_text(screen)
        assert text.startswith(f"{story.ext} was on another call (a call from {story.scenario.colleague}, 11:10-11:14)")
        assert "11:10-11:14 a call from" in text  # the facts list the call it was on


async def test_the_card_in_vietnamese(story, make_services, profile):
    from ccall_tui import i18n
    from ccall_tui.factory import build_app

    story.recording.close()
    i18n.set_language("vi", {})
    app = build_app(make_services(profile=replace(profile, name="default"), language="vi"))
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await _browser_on_the_story(app, pilot, story)
        screen.table.move_cursor(row=_row_of(screen, story.scenario.call("no_answer").call_id))
        screen.table.focus()
        await pilot.press("w")
        await _settle(app, pilot)
        text = _card_text(screen)
        assert text.startswith(f"{story.ext} đã đăng ký (1 máy)")
        assert "không ai nhấc máy" in text


async def test_untrusted_agent_is_shown_as_text(story, make_services, profile, sim):
    """A user agent carrying markup reaches the card as the characters it is."""
    from ccall_tui.factory import build_app

    story.recording.close()
    hostile = "[bold]Evil[/] [@click=app.quit]x[/]"
    card = why.judge(await story.record("no_answer"), story.ext, replace(
        read_registration(None, story.ext, story.recording.clock(), story.recording.clock()), coverage=KNOWN,
        state=why.ExtensionState.ONLINE, since=story.recording.clock(), device_count=1,
        devices=(why_history.DeviceAt(hostile, "203.0.113.7", 5060, "UDP", False, story.recording.clock()),)),
        (), (None, 0), story.tz)
    app = build_app(make_services(profile=replace(profile, name="default")))
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await _browser_on_the_story(app, pilot, story)
        from ccall_tui.ui.widgets.why_card import WhyCard, card_text

        screen.action_why()
        await _settle(app, pilot)
        screen.query_one(WhyCard)._say(card_text(card, story.tz))
        await _settle(app, pilot)
        assert hostile in _card_text(screen)
        assert "Evil" in _card_text(screen) and "[bold]" in _card_text(screen)
        assert app.is_running


# ---------------------------------------------------------------------- the card's look


def _recorded_app(sim, clock, profile, credentials, make_services):
    """The morning recorded (and the recorder closed), then the app on that history."""
    import asyncio

    from ccall_tui.factory import build_app

    async def record():
        recorded = await record_story(sim, clock, profile, credentials)
        await recorded.client.aclose()
        recorded.recording.close()
        return recorded

    recorded = asyncio.run(record())
    return recorded, build_app(make_services(profile=replace(profile, name="default")))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_card_snapshot(snap_compare, sim, clock, profile, credentials, make_services, size):
    recorded, app = _recorded_app(sim, clock, profile, credentials, make_services)

    async def open_card(pilot) -> None:
        pilot.app.animation_level = "none"  # the tab's underline jumps instead of sliding
        screen = await _browser_on_the_story(pilot.app, pilot, recorded)
        screen.table.move_cursor(row=_row_of(screen, recorded.scenario.call("offline").call_id))
        screen.table.focus()
        await pilot.press("w")
        await _settle(pilot.app, pilot)
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        assert "USER_NOT_REGISTERED" in _card_text(screen)

    assert snap_compare(app, terminal_size=size, run_before=open_card)


async def test_the_demo_plays_the_story_faster(sim, clock, profile, credentials):
    """Ten times faster (as in the demo), polled every 6 seconds: the card still finds the
    extension offline when the call to it ended USER_NOT_REGISTERED, and busy for the busy one."""
    from ccall_tui.sim.dropping import for_demo

    scenario = for_demo(sim.tenant)
    recording = start_recording(profile, clock, sim, credentials)
    client = CcallClient(profile.base_url, credentials, timeout=5.0, tz=profile.timezone)
    try:
        await recording.poll()
        for _ in range(80):
            clock.advance(6)
            await recording.poll()
        recording.flush()
        down, up = scenario.offline
        assert (up - down).total_seconds() == 96  # 16 minutes, ten times faster
        story = Story(scenario, recording, client, profile.timezone)
        offline = await story.explain("offline")
        assert offline.kind == why.OFFLINE
        assert (offline.registration.since, offline.registration.until) == (down, up)
        busy = await story.explain("busy")
        assert busy.kind == why.BUSY
        unreachable = await story.explain("unreachable")
        assert unreachable.kind == why.UNREACHABLE
    finally:
        await client.aclose()
        recording.close()


def test_only_calls_on_that_very_extension_overlap():
    """A server matching numbers as substrings sends calls to 1005 when asked for 100: they
    do not make 100 busy."""
    from datetime import datetime

    from ccall_tui.api.cdrs import CallRecord
    from conftest import VN

    def call(call_id, minute, destination, *, tta=None, talk=0.0, source="0903123456"):
        return CallRecord(call_id=call_id, start=datetime(2026, 11, 27, 10, minute, tzinfo=VN), direction="inbound",
                          source=source, cid_name=None, destination=destination, status="NORMAL_CLEARING",
                          tta_s=tta, duration_s=talk, pdd_s=None, mos=None, recording_url=None)

    failed = call("f", 42, "100")
    other_ext = call("a", 40, "1005", tta=3.0, talk=600.0)
    same_ext = call("b", 41, "100", tta=3.0, talk=600.0)
    made_by_it = call("c", 39, "0281234567", tta=3.0, talk=600.0, source="100")
    ended_before = call("d", 30, "100", tta=3.0, talk=60.0)
    found = why.overlapping(failed, "100", [other_ext, same_ext, ended_before], [made_by_it, other_ext])
    assert [(o.record.call_id, o.incoming) for o in found] == [("c", False), ("b", True)]
    assert found[0].other == "0281234567"
    assert why.usual_answer(failed, "100", [other_ext, same_ext, ended_before]) == (3.0, 2)


async def test_an_app_without_history_says_so_and_names_its_problem(story, make_services, profile):
    """No state kept (so no history): the card says it cannot tell, and why when the
    history has a problem to report."""
    from ccall_tui.factory import build_app
    from ccall_tui.ui.screens.cdrs import CdrBrowserScreen
    from ccall_tui.ui.widgets.why_card import WhyCard
    from ccall_tui.monitor.cdr_filter import CdrFilter

    app = build_app(make_services(profile=replace(profile, name="default"), state_dir=None))
    async with app.run_test(size=(160, 48)) as pilot:
        await app.switch_mode("cdrs")
        await _settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, CdrBrowserScreen) and app.services.history is None
        screen.show_filter(CdrFilter(date_from="2026-11-27 10:00", date_to="2026-11-27 12:00",
                                     destination=story.ext, limit=50))
        await _settle(app, pilot)
        screen.table.move_cursor(row=_row_of(screen, story.scenario.call("offline").call_id))
        screen.table.focus()
        await pilot.press("w")
        await _settle(app, pilot)
        text = _card_text(screen)
        assert text.startswith(f"No history is kept here, so the card cannot tell whether {story.ext} was "
                               "registered at 10:52; this call ended USER_NOT_REGISTERED")
        assert "History:" not in text
        app.services.history_problem = "History stopped: the disk is full (/tmp/x/history.sqlite)"
        await pilot.press("w")  # again: the card is worked out anew
        await _settle(app, pilot)
        assert "History: History stopped: the disk is full (/tmp/x/history.sqlite)" in _card_text(screen)
        assert screen.query_one(WhyCard).why.kind == why.NO_DATA


# ---------------------------------------------------------------------- every wording


def _record(**changes):
    from datetime import datetime

    from ccall_tui.api.cdrs import CallRecord
    from conftest import VN

    values = dict(call_id="x", start=datetime(2026, 11, 27, 10, 52, tzinfo=VN), direction="inbound",
                  source="0903123456", cid_name=None, destination="105", status="USER_NOT_REGISTERED",
                  tta_s=None, duration_s=0.0, pdd_s=None, mos=None, recording_url=None)
    values.update(changes)
    return CallRecord(**values)


def _at(hour, minute):
    from datetime import datetime

    from conftest import VN

    return datetime(2026, 11, 27, hour, minute, tzinfo=VN)


def test_the_wording_of_each_remaining_path():
    from ccall_tui.monitor.states import ExtensionState
    from ccall_tui.monitor.why_history import UNKNOWN_EXTENSION, Departure, DeviceAt, RegistrationAt
    from conftest import VN

    record = _record()
    phone = DeviceAt("Grandstream GXP2170 1.0.11.23", "198.51.100.9", 5060, "UDP")
    still = RegistrationAt(KNOWN, record.start, ExtensionState.OFFLINE, _at(10, 45), True, None,
                           departures=(Departure(phone, expired=False),))
    assert why.judge(record, "105", still, (), (None, 0), VN).verdict == (
        "105 was offline from 10:45 on (Grandstream GXP2170 at 198.51.100.9 unregistered before its expiry); "
        "this call at 10:52 ended USER_NOT_REGISTERED")
    at_least = RegistrationAt(KNOWN, record.start, ExtensionState.OFFLINE, _at(10, 30), False, _at(11, 1))
    assert why.judge(record, "105", at_least, (), (None, 0), VN).verdict == (
        "105 was offline from at least 10:30 until 11:01; this call at 10:52 ended USER_NOT_REGISTERED")
    assert why.judge(record, "105", replace(at_least, until=None), (), (None, 0), VN).verdict.startswith(
        "105 was offline from at least 10:30 on;")
    # two calls going on
    first = why.Overlap(_record(call_id="a", start=_at(10, 40)), _at(10, 40), _at(10, 55), True)
    second = why.Overlap(_record(call_id="b", start=_at(10, 50), destination="0281234567", source="105"),
                         _at(10, 50), _at(10, 58), False)
    busy = why.judge(_record(status="USER_BUSY"), "105", RegistrationAt(NO_HISTORY, record.start), (first, second),
                     (None, 0), VN)
    assert busy.verdict == ("105 was on 2 other calls (the first a call from 0903123456, 10:40-10:55) when this one "
                            "came at 10:52; it ended USER_BUSY")
    assert ("Other calls", "10:40-10:55 a call from 0903123456; 10:50-10:58 a call to 0281234567") in fact_lines(busy, VN)
    # an extension the history never had on its board
    unknown = RegistrationAt(UNKNOWN_EXTENSION, record.start, first_record=_at(9, 0))
    assert why.judge(record, "105", unknown, (), (None, 0), VN).verdict == (
        "The history has no record of 105 at 10:52 (it was not on the board), so the card cannot tell whether it was "
        "registered; this call ended USER_NOT_REGISTERED")
    # nothing recorded at all yet
    empty = RegistrationAt(NOT_RECORDING, record.start)
    assert why.judge(record, "105", empty, (), (None, 0), VN).verdict == (
        "The history has no record of 10:52, so the card cannot tell whether 105 was registered; this call ended "
        "USER_NOT_REGISTERED")
    # records that cannot be placed
    assert why.judge(_record(destination=""), None, None, (), (None, 0), VN).verdict == (
        "This record names no destination; this call ended USER_NOT_REGISTERED")
    no_start = why.judge(_record(start=None), "105", None, (), (None, 0), VN)
    assert no_start.kind == why.NO_START
    assert no_start.verdict == ("This record has no start time, so the card cannot place it in the history; it "
                                "ended USER_NOT_REGISTERED")
    assert why.judge(_record(status=None), None, None, (), (None, 0), VN).verdict.endswith("ended no hangup cause")
    # answered without a time to answer (talk time only)
    assert why.judge(_record(duration_s=30.0, status="NORMAL_CLEARING"), "105", None, (), (None, 0), VN).verdict == (
        "This call was answered: nothing kept it from ringing")


def test_a_registered_phone_rebuilt_from_its_changes():
    """The history keeps changes, not lists: a phone that moved, changed firmware and became
    unreachable is one phone with its latest address, agent and reachability."""
    from ccall_tui.monitor.why_history import replay
    from ccall_tui.recorder.model import DeviceChange

    def change(minute, kind, agent, ip, port, detail=None, transport="UDP"):
        return DeviceChange(_at(10, minute), "105", kind, agent, ip, port, transport, detail)

    phones = replay([
        change(0, "appeared", "Yealink SIP-T46S 66.86", "203.0.113.7", 5060),
        change(1, "appeared", "Zoiper 5", "198.51.100.3", 40000),
        change(2, "address", "Yealink SIP-T46S 66.86", "203.0.113.8", 5062, "203.0.113.7:5060"),
        change(3, "agent", "Yealink SIP-T46S 66.87", "203.0.113.8", 5062, "Yealink SIP-T46S 66.86"),
        change(4, "unreachable", "Yealink SIP-T46S 66.87", "203.0.113.8", 5062, "Reachable"),
        change(5, "left", "Zoiper 5", "198.51.100.3", 40000),
    ])
    assert [(p.agent, p.address, p.reachable, p.reachable_since) for p in phones] == [
        ("Yealink SIP-T46S 66.87", "203.0.113.8:5062", False, _at(10, 4))]


def test_reachability_read_from_a_later_ping_change():
    """A phone that registered already unreachable has no ping change before the call; the
    change noted later (unreachable -> reachable) tells what held at the call. A phone that
    left in between tells nothing."""
    from ccall_tui.monitor.states import ExtensionState
    from ccall_tui.monitor.why_history import DeviceAt, RegistrationAt, settle_reachability
    from ccall_tui.recorder.model import DeviceChange
    from conftest import VN

    def change(minute, kind, agent, ip, detail=None):
        return DeviceChange(_at(11, minute), "105", kind, agent, ip, 5060, "UDP", detail)

    desk = DeviceAt("Yealink SIP-T46S 66.86", "203.0.113.7", 5060, "UDP")
    soft = DeviceAt("Zoiper 5", "198.51.100.3", 5060, "UDP")
    settled = settle_reachability([desk, soft], [
        change(0, "left", "Zoiper 5", "198.51.100.3"),
        change(1, "appeared", "Zoiper 5", "198.51.100.3"),
        change(2, "unreachable", "Zoiper 5", "198.51.100.3", "Reachable"),
        change(5, "reachable", "Yealink SIP-T46S 66.86", "203.0.113.7", "Unreachable"),
    ])
    assert [(d.agent, d.reachable) for d in settled] == [("Yealink SIP-T46S 66.86", False), ("Zoiper 5", None)]
    reg = RegistrationAt(KNOWN, _at(10, 52), ExtensionState.ONLINE, _at(10, 0), True, None, 1, (settled[0],))
    card = why.judge(_record(status="NO_USER_RESPONSE"), "105", reg, (), (None, 0), VN)
    assert card.kind == why.UNREACHABLE
    assert card.verdict == ("105 was registered but Yealink SIP-T46S at 203.0.113.7 did not answer the PBX's pings; "
                            "this call at 10:52 ended NO_USER_RESPONSE")
    assert ("Phone", "Yealink SIP-T46S 66.86 · 203.0.113.7:5060 UDP · unreachable then (a later ping change says so)") \
        in fact_lines(card, VN)
