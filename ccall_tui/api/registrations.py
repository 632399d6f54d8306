"""Parsing the registered-extensions answer (``/ext_reg/json``) into a RegistrationsSnapshot.

Only the documented empty shapes (``[]``, ``{}``, ``null``, ``""``, no key) mean "nobody is
online". Any other answer that yields no usable row is a :class:`ProtocolError` that says what
was wrong; rows that cannot be read are counted, with the first one's reason. Identical rows
are one device.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from ..i18n import _
from .errors import ProtocolError
from .online import (
    OnlineRegistrations,
    Registrations,
    RegistrationsSnapshot,
    device_signature,
    slow_mask,
)
from .registration import (
    MAX_PING_MS,
    Registration,
    other_user,
    plausible_user,
    row_user,
    parse_registration,
    registration_extension,
)
from .registrations_fast import (
    Row,
    TooManyRows,
    carry_over,
    cut_slices,
    decode_slices,
    group_signature,
    kept,
    same_device,
    same_head,
    share,
    sign,
)
from .values import PBX_TIMEZONE, kind_of, response_of

__all__ = [
    "MAX_PING_MS",
    "MAX_REGISTRATION_ROWS",
    "OnlineRegistrations",
    "Registration",
    "Registrations",
    "RegistrationsSnapshot",
    "device_signature",
    "parse_registration",
    "parse_registrations",
    "read_registrations",
    "registration_extension",
]

# More rows than this is not a tenant but a runaway answer: refused before any row is read.
MAX_REGISTRATION_ROWS = 100_000

def parse_registrations(
    payload: Any, tz: ZoneInfo | None = None, *, max_rows: int = MAX_REGISTRATION_ROWS
) -> RegistrationsSnapshot:
    """The whole ``/ext_reg/json`` answer -> RegistrationsSnapshot.

    Only each row's ``user`` is read here; the rest of a row when its extension's
    registrations are first used (see :class:`Registrations`), so a poll of a thousand
    devices costs little more than finding their extensions.
    """
    tz = tz or ZoneInfo(PBX_TIMEZONE)
    rows = _registration_rows(response_of(payload))
    if len(rows) > max_rows:
        raise ProtocolError(
            _("The answer lists {count} registrations, more than the {limit} this program reads.").format(
                count=f"{len(rows):,}", limit=f"{max_rows:,}"
            )
        )
    grouped: dict[str, list[Any]] = {}
    skipped = 0
    first_bad: Any = _NO_ROW
    extension_of = _EXTENSIONS.get
    for row in rows:
        if type(row) is dict:
            user = row.get("user")
            if user is None:
                user = other_user(row)
        elif type(row) is str:
            user = row if plausible_user(row) else None
        elif isinstance(row, Mapping):
            user = row_user(row)
        else:
            skipped += 1
            if first_bad is _NO_ROW:
                first_bad = row
            continue
        extension = extension_of(user) if type(user) is str else None
        if extension is None:
            extension = registration_extension(user)
            if extension is None:
                skipped += 1
                if first_bad is _NO_ROW:
                    first_bad = row
                continue
            if type(user) is str:
                if len(_EXTENSIONS) > _EXTENSIONS_KEPT:
                    _EXTENSIONS.clear()
                _EXTENSIONS[user] = extension
        group = grouped.get(extension)
        if group is None:
            grouped[extension] = [row]
        else:
            for other in group:
                if same_device(row, other):
                    break
            else:
                group.append(row)
    reason = _skip_reason(rows, first_bad) if skipped else None
    if skipped and not grouped:
        if all(isinstance(row, (Mapping, str)) for row in rows):
            detail = _("none of the {count} rows has a user").format(count=len(rows))
        else:
            detail = _("none of the {count} rows is a registration ({reason})").format(
                count=len(rows), reason=reason
            )
        raise ProtocolError(_("Registrations not understood: {detail}.").format(detail=detail))
    rows_of = {ext: group[0] if len(group) == 1 else tuple(group) for ext, group in grouped.items()}
    return RegistrationsSnapshot(
        extensions=OnlineRegistrations(rows_of, tz, {ext: _flat_signature(one) for ext, one in rows_of.items()}),
        skipped=skipped,
        skip_reason=reason,
    )


def read_registrations(
    content: bytes,
    tz: ZoneInfo | None = None,
    *,
    max_rows: int = MAX_REGISTRATION_ROWS,
    previous: Mapping[str, Sequence[Registration]] | None = None,
    slow_ms: float | None = None,
    reuse_rows: bool = True,
) -> RegistrationsSnapshot | None:
    """A whole answer's body in the usual shape -> RegistrationsSnapshot, the fast way (see
    :mod:`.registrations_fast`); None for any other body, which :func:`parse_registrations`
    reads after the general checks of the answer.

    ``previous``: the answer before (its ``extensions``). Then the comparison a board makes
    is made here, in the same pass (see :meth:`OnlineRegistrations.changes_since`), and the
    row of a device shown the same way as before is the previous answer's row, given the
    fresh countdown and ping time (so ``previous`` shows them too from then on: it is the
    answer being replaced); other rows keep the strings that did not change (see
    :func:`carry_over`). Few objects live on from one answer to the next.

    ``slow_ms``: the threshold over which a ping counts as too slow; which rows are over it
    is found in the same pass (see :meth:`OnlineRegistrations.slow_pings`), so a board learns
    of a ping crossing it without reading every extension's pings again.

    ``reuse_rows``: False when someone may still be reading ``previous`` (the history's writer
    had not caught up): its rows are then left as they were, and a device shown the same way
    gets a fresh row (with the old one's strings) instead of the old row rewritten.
    """
    compared = isinstance(previous, OnlineRegistrations) or (previous is not None and not previous)
    before: Mapping[str, Any] = previous.rows if isinstance(previous, OnlineRegistrations) else {}
    for cut in (True, False):
        slices = cut_slices(content, max_rows) if cut else decode_slices(content, max_rows)
        if slices is None:
            continue
        try:
            found = _read_rows(slices, before, slow_ms, reuse_rows)
        except TooManyRows:
            return None
        except msgspec.ValidationError:
            return None  # a row not in the usual shape: the general way reads the whole answer
        except (msgspec.DecodeError, ValueError, TypeError, RecursionError):
            if cut:
                continue  # a cut between two rows fell inside one (see cut_slices)
            return None
        if found is None:
            return None
        grouped, moved, slow = found
        online = OnlineRegistrations(grouped, tz or ZoneInfo(PBX_TIMEZONE), slow=slow, slow_ms=slow_ms)
        if compared:
            online.prepared_against(previous, list(before.keys() - grouped.keys()), moved)
        return RegistrationsSnapshot(extensions=online)
    return None


def _read_rows(
    slices: Iterator[list[Row]], before: Mapping[str, Any], slow_ms: float | None, reuse: bool = True
) -> tuple[dict[str, Any], list[str], dict[str, int] | None] | None:
    """(extension -> its rows, the extensions new or moved since ``before``, the rows of
    each extension over ``slow_ms``) of one answer's rows, in one pass; None when a row has
    no usable user (the general way counts it and says why). This loop is the per-answer
    cost of a large tenant: the usual row (a device shown as before) is decided inline."""
    grouped: dict[str, Any] = {}
    moved: list[str] = []
    recheck: list[str] = []  # several rows on one side: decided row by row at the end
    maybe_slow: list[str] = []  # a row's ping may be over slow_ms: decided exactly at the end
    pings = slow_ms is not None
    limit = slow_ms if slow_ms is not None else 0.0
    extension_of = _EXTENSIONS.get
    earlier = before.get
    for rows in slices:
        for row in rows:
            extension = extension_of(row.user)  # a user that is a list or an object: TypeError
            if extension is None:
                user = row.user
                if type(user) is not str:
                    return None  # no user, or not as text
                extension = registration_extension(user)
                if extension is None:
                    return None
                if len(_EXTENSIONS) > _EXTENSIONS_KEPT:
                    _EXTENSIONS.clear()
                _EXTENSIONS[user] = extension
            if pings:
                # Over the threshold or not is what reachability reads of a ping time. A
                # number float() reads is the number the general reading finds (a longer text
                # than it reads is refused by the decoder); anything else, and any number over
                # the threshold, is decided exactly at the end. None and "" are no ping.
                ping = row.ping_time
                if ping:
                    try:
                        if float(ping) > limit:  # type: ignore[arg-type]
                            maybe_slow.append(extension)
                    except (ValueError, TypeError, OverflowError):
                        maybe_slow.append(extension)
            other = grouped.get(extension)
            if other is None:
                old = earlier(extension)
                if type(old) is not Row:
                    grouped[extension] = row
                    sign(row)
                    share(row)
                    moved.append(extension)
                    if old is not None:
                        recheck.append(extension)
                elif (
                    row.call_id == old.call_id and row.contact == old.contact and row.agent == old.agent
                    and row.ping_status == old.ping_status and row.network_ip == old.network_ip
                    and row.network_port == old.network_port and row.user == old.user
                ):
                    status = row.status
                    head = old.head_
                    if status.startswith(head) if head is not None and type(status) is str else (
                        same_head(status, old.status)
                    ):
                        # The same device the same way: its row lives on with the fresh
                        # countdown and ping time (the new copy and its strings die now).
                        if reuse:
                            old.status, old.ping_time = status, row.ping_time
                            grouped[extension] = old
                        else:
                            carry_over(row, old)
                            sign(row)
                            grouped[extension] = row
                    else:
                        carry_over(row, old)
                        sign(row)
                        grouped[extension] = row
                        moved.append(extension)
                else:
                    carry_over(row, old)
                    sign(row)
                    share(row)
                    grouped[extension] = row
                    moved.append(extension)
            elif type(other) is tuple:
                if not any(same_device(row, one) for one in other):
                    grouped[extension] = (*other, row)
            elif not same_device(row, other):
                grouped[extension] = (other, row)
                recheck.append(extension)
    if recheck:
        moved = _decided(moved, dict.fromkeys(recheck), before, grouped, reuse)
    slow: dict[str, int] | None = None
    if slow_ms is not None:
        slow = {}
        for extension in dict.fromkeys(maybe_slow):
            mask = slow_mask(grouped[extension], slow_ms)
            if mask:
                slow[extension] = mask
    return grouped, moved, slow


def _decided(moved: list[str], recheck: Iterable[str], before: Mapping[str, Any], grouped: dict[str, Any],
             reuse: bool = True) -> list[str]:
    """``moved`` with the extensions that have several rows on either side decided row by
    row (the rows of a group shown the same way live on, as a lone row does), in the
    answer's order."""
    listed = set(moved)
    changed = set()
    for extension in recheck:
        old = before.get(extension)
        rows = None if old is None else kept(grouped[extension], old, reuse)
        if rows is None:
            changed.add(extension)
        else:
            grouped[extension] = rows
    still = set(recheck) - changed
    if changed <= listed:
        return [ext for ext in moved if ext not in still] if still & listed else moved
    keep = (listed - still) | changed
    return [ext for ext in grouped if ext in keep]


_NO_ROW = object()


def _flat_signature(rows: Any) -> str:
    """A group signature as one string (exact: the values' reprs), so that comparing two
    answers costs one string comparison per extension."""
    return repr(group_signature(rows))


def _registration_rows(response: Any) -> list[Any]:
    """The rows of an answer. Only the documented empty shapes are an empty list; a string,
    a number or true/false where rows belong is a ProtocolError naming it."""
    if _empty(response):
        return []
    if isinstance(response, list):
        return response
    if not isinstance(response, Mapping):
        raise ProtocolError(
            _("Registrations not understood: 'response' is {kind}.").format(kind=kind_of(response))
        )
    rows = response.get("registrations")
    if isinstance(rows, Mapping) and "registration" in rows:
        rows = rows["registration"]  # XML-to-JSON nesting: {"registrations": {"registration": [...]}}
    if _empty(rows):
        return []
    if isinstance(rows, list):
        return rows
    if isinstance(rows, Mapping):
        return [rows]  # XML-to-JSON: one registration as an object
    raise ProtocolError(
        _("Registrations not understood: registrations is {kind}.").format(kind=kind_of(rows))
    )


def _empty(value: Any) -> bool:
    return value is None or (type(value) in (str, list, dict) and not value)


def _skip_reason(rows: list[Any], bad: Any) -> str:
    """Why the first unreadable row was left out, with its place in the answer (from 1)."""
    number = next((index for index, row in enumerate(rows, 1) if row is bad), 0)
    if isinstance(bad, (Mapping, str)):
        return _("row {number} has no user").format(number=number)
    return _("row {number} is {kind}").format(number=number, kind=kind_of(bad))


# ``user`` text -> its extension, for the strings that come back poll after poll.
_EXTENSIONS: dict[str, str] = {}
# Enough for the largest answer read, so a big tenant's users stay known from poll to poll.
_EXTENSIONS_KEPT = 2 * MAX_REGISTRATION_ROWS
