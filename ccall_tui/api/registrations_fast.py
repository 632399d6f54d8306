"""The registrations answer in its usual shape, read fast, and rows compared by device.

Nearly every answer is ``{"response": {"registrations": [{...}, ...]}}`` with the documented
keys (API.md). Such a body is decoded straight into compact :class:`Row` structs (no dict per
row, only the keys a registration is made of), in slices of :data:`SLICE_ROWS` rows so
that a thread decoding it never holds the interpreter for long: the event loop keeps running.
Any other body (another nesting, a ``_`` instead of a ``-``, a lone surrogate, a row without
a usable user...) is not read here (:func:`decode_rows` returns None) and takes
the general, tolerant way in :mod:`.registrations`, which reads every quirk.

A row is either a :class:`Row` or what the general way found (a dict, a bare ``"100@domain"``
string). :func:`row_signature` says which device a row is and how it is reachable, without
its expiry countdown or ping time: two answers whose rows have equal signatures show the same
devices the same way.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping
from operator import attrgetter
from typing import Annotated, Any, Literal

import msgspec


# A key written with ``_`` instead of ``-`` (an XML-to-JSON quirk) must not go unread: such a
# row fails the fast decode (no text equals this) and the whole answer takes the general way.
_NOT_HERE = Literal["\x00 read the general way"] | None
# A ping time's text longer than this is cut when read (values.clean): the number read then
# is not the text's, so such a row is read the general way. Any other value is kept as it is.
PING_TEXT_MAX = 500
_PING = Annotated[str, msgspec.Meta(max_length=PING_TEXT_MAX)] | int | float | bool | dict[str, Any] | list[Any] | None


class Row(msgspec.Struct, gc=False):
    """What the board reads of one registration row (``sofia xmlstatus ... reg``): the keys
    :class:`~ccall_tui.api.registrations.Registration` is made of. Other keys (``host``,
    ``sip-auth-realm``...) are not kept: 50,000 rows of them are megabytes nobody reads."""

    call_id: Any = msgspec.field(default=None, name="call-id")
    user: Any = None
    contact: Any = None
    agent: Any = None
    ping_status: Any = msgspec.field(default=None, name="ping-status")
    network_ip: Any = msgspec.field(default=None, name="network-ip")
    network_port: Any = msgspec.field(default=None, name="network-port")
    status: Any = None
    ping_time: _PING = msgspec.field(default=None, name="ping-time")
    call_id_: _NOT_HERE = msgspec.field(default=None, name="call_id")
    ping_status_: _NOT_HERE = msgspec.field(default=None, name="ping_status")
    network_ip_: _NOT_HERE = msgspec.field(default=None, name="network_ip")
    network_port_: _NOT_HERE = msgspec.field(default=None, name="network_port")
    ping_time_: _NOT_HERE = msgspec.field(default=None, name="ping_time")
    # Not on the wire: the first STATUS_HEAD characters of ``status``, kept by a row that
    # lives on from answer to answer, so the next answer's status is compared with it at
    # once (None: compare the whole way, see same_head). Set by ``sign``.
    head_: _NOT_HERE = msgspec.field(default=None, name=" status head, not on the wire")


# (attribute, key on the wire) of every Row field, in the order of the struct.
_WIRE = tuple(
    (field.name, field.encode_name) for field in msgspec.structs.fields(Row) if not field.name.endswith("_")
)
# What tells a device and how it is reached (not the countdown, the ping time, the host...).
_DEVICE_ATTRS = ("call_id", "contact", "agent", "ping_status", "network_ip", "network_port", "user")
_DEVICE_KEYS = ("call-id", "contact", "agent", "ping-status", "network-ip", "network-port", "user")
_device_fields = attrgetter(*_DEVICE_ATTRS)
_wire_fields = attrgetter(*(attr for attr, _key in _WIRE))


class _Answer(msgspec.Struct):
    registrations: list[msgspec.Raw]


class _Envelope(msgspec.Struct):
    response: _Answer


_ENVELOPE = msgspec.json.Decoder(_Envelope)
_ROWS = msgspec.json.Decoder(list[Row])
# Rows decoded per call: ~1 ms each, so the loop waits at most that long for the interpreter.
SLICE_ROWS = 1000
# The same in bytes, for slices cut from the body (~1,000 rows of the usual ~400 bytes).
SLICE_BYTES = 400_000


class TooManyRows(Exception):
    """More rows than the caller reads: the general way refuses the answer with its message."""


# The usual answer opens and closes so; its rows are objects between separators like "},{".
_OPEN = re.compile(rb'\s*\{\s*"response"\s*:\s*\{\s*"registrations"\s*:\s*\[\s*')
_CLOSE = re.compile(rb'\s*\]\s*\}\s*\}\s*\Z')
_BETWEEN = re.compile(rb"\}\s*,\s*\{")


def cut_slices(content: bytes, max_rows: int) -> Iterator[list[Row]] | None:
    """The rows of a body that opens and closes exactly as the usual shape does, cut into
    slices of about :data:`SLICE_BYTES` between two rows and decoded one at a time: the
    envelope is never read as a whole first (that pass alone costs a third of decoding the
    rows). None for a body of another shape.

    A cut is made at a separator between two objects (``},{``, or as the body spaces it).
    One found inside a text or a nested object makes both of its slices malformed JSON, so a
    wrong cut is never read as rows: decoding raises ``msgspec.DecodeError`` (not a
    ``ValidationError``, which is a row of another shape), and the caller reads the body with
    :func:`decode_slices` instead. More rows than ``max_rows`` raise :class:`TooManyRows`."""
    opened = _OPEN.match(content)
    if opened is None:
        return None
    start = opened.end()
    closed = _CLOSE.search(content, max(start, len(content) - 64))
    if closed is None:
        return None
    end = closed.start()
    between = _BETWEEN.search(content, start, min(end, start + SLICE_BYTES))
    separator = between.group() if between is not None else b"},{"
    spans = []
    while end - start > SLICE_BYTES + SLICE_BYTES // 2:
        found = content.find(separator, start + SLICE_BYTES, end)
        if found < 0:
            break
        spans.append((start, found + 1))  # up to this row's "}"
        start = found + len(separator) - 1  # from the next row's "{"
    if end - start > 4 * SLICE_BYTES:
        return None  # rows spaced unlike the first ones: slices that large would stall the loop
    if end > start:
        spans.append((start, end))
    return _cut(content, spans, max_rows)


def _cut(content: bytes, spans: list[tuple[int, int]], max_rows: int) -> Iterator[list[Row]]:
    view = memoryview(content)
    rows = 0
    try:
        for start, stop in spans:
            if rows:
                time.sleep(0)  # the event loop may have the interpreter now (see _slices)
            found = _ROWS.decode(b"".join((b"[", view[start:stop], b"]")))
            rows += len(found)
            if rows > max_rows:
                raise TooManyRows
            yield found
    finally:
        view.release()


def decode_slices(content: bytes, max_rows: int) -> Iterator[list[Row]] | None:
    """The rows of a body in the usual shape, :data:`SLICE_ROWS` at a time (each slice is
    decoded when asked for: it raises ``msgspec.DecodeError`` or ``ValueError`` when its rows
    are not in the usual shape), or None for a body of another shape (or more rows than
    ``max_rows``: the general way refuses those with its message)."""
    try:
        raws = _ENVELOPE.decode(content).response.registrations
    except (msgspec.DecodeError, ValueError, RecursionError):
        return None
    if len(raws) > max_rows:
        return None
    return _slices(raws)


def _slices(raws: list[msgspec.Raw]) -> Iterator[list[Row]]:
    for start in range(0, len(raws), SLICE_ROWS):
        if start:
            # Let a thread waiting for the interpreter (the event loop) have it now, instead
            # of after the interpreter's switch interval (5 ms) has passed.
            time.sleep(0)
        yield _ROWS.decode(b"".join((b"[", b",".join(raws[start:start + SLICE_ROWS]), b"]")))  # 2 copies, not 3


def carry_over(row: Row, old: Row) -> None:
    """Give ``row`` the strings of ``old`` (the same extension's row in the answer before)
    wherever they are equal, so that the fresh copies die now, slice by slice, instead of
    living on beside the old ones until the whole answer is read."""
    if row.call_id == old.call_id:
        row.call_id = old.call_id
    if row.user == old.user:
        row.user = old.user
    if row.contact == old.contact:
        row.contact = old.contact
    if row.agent == old.agent:
        row.agent = old.agent
    if row.ping_status == old.ping_status:
        row.ping_status = old.ping_status
    if row.network_ip == old.network_ip:
        row.network_ip = old.network_ip
    if row.network_port == old.network_port:
        row.network_port = old.network_port


def row_mapping(row: Any) -> Any:
    """A row as the server's key -> value mapping (a :class:`Row`'s unset keys left out)."""
    if type(row) is Row:
        return {key: value for attr, key in _WIRE if (value := getattr(row, attr)) is not None}
    return row


# How much of ``status`` tells the transport: ``"Registered(UDP-NAT)(unk"`` of
# ``"Registered(UDP-NAT)(unknown) exp(2026-11-27 18:29:38) expsecs(3598)"``; the expiry and
# countdown after it move on every answer. (A build writing the countdown first would show a
# change on every poll, never hide one.)
STATUS_HEAD = 24


def _status_head(status: Any) -> Any:
    return status[:STATUS_HEAD] if type(status) is str else status


def same_head(status: Any, old_status: Any) -> bool:
    """Whether two statuses tell the same transport (the part before the countdown)."""
    if type(status) is str and type(old_status) is str:
        return status[:STATUS_HEAD] == old_status[:STATUS_HEAD]
    return bool(status == old_status)


def sign(row: Row) -> None:
    """Keep the head of ``row``'s status on it (see ``Row.head_``): ``status.startswith(head)``
    then says what ``same_head`` would, a full head being STATUS_HEAD characters long."""
    status = row.status
    if type(status) is str and len(status) >= STATUS_HEAD:
        head = status[:STATUS_HEAD]
        if len(_SHARED) > _SHARED_KEPT:
            _SHARED.clear()
        row.head_ = _SHARED.setdefault(head, head)  # type: ignore[assignment]  # most rows have one of a few
    else:
        row.head_ = None


def _value(row: Mapping[str, Any], key: str) -> Any:
    if key in row:
        return row[key]
    return row.get(key.replace("-", "_"))


def row_signature(row: Any) -> object:
    """Which device a row is and how it is reached, not its countdown or ping time."""
    if type(row) is Row:
        return _device_fields(row), _status_head(row.status)
    if isinstance(row, Mapping):
        return tuple([_value(row, key) for key in _DEVICE_KEYS]), _status_head(_value(row, "status"))
    return row


def group_signature(rows: Any) -> object:
    """The signature of one extension's rows (one row, or a tuple of them)."""
    if type(rows) is tuple:
        return tuple([row_signature(row) for row in rows])
    return row_signature(rows)


def kept(rows: Any, old: Any, reuse: bool = True) -> Any:
    """What an extension's rows in an answer become when they show the same devices the same
    way as its rows ``old`` in the answer before (one row, or a tuple of them, on either
    side): the old rows, given the fresh countdowns and ping times, to live on in place of
    the new ones (as a lone row does: see ``read_registrations``), or ``rows`` when they are
    not all compact rows (or ``reuse`` is False: the old rows may still be read elsewhere, and
    are left as they are). None when the devices or the way they are reached differ."""
    if type(rows) is not tuple or type(old) is not tuple or len(rows) != len(old):
        return rows if group_signature(rows) == group_signature(old) else None
    head = STATUS_HEAD
    for row, was in zip(rows, old):
        if type(row) is not Row or type(was) is not Row:
            return rows if group_signature(rows) == group_signature(old) else None
        if (
            row.call_id != was.call_id or row.contact != was.contact or row.agent != was.agent
            or row.ping_status != was.ping_status or row.network_ip != was.network_ip
            or row.network_port != was.network_port or row.user != was.user
        ):
            return None
        status, old_status = row.status, was.status
        if (status[:head] != old_status[:head]) if (
            type(status) is str and type(old_status) is str
        ) else status != old_status:
            return None
    if not reuse:
        for row, was in zip(rows, old):
            carry_over(row, was)
            sign(row)
        return rows
    for row, was in zip(rows, old):
        was.status, was.ping_time = row.status, row.ping_time
    return old


def same_device(row: Any, other: Any) -> bool:
    """Two rows of one answer that are one device: identical, or the same call-id and contact."""
    if type(row) is Row and type(other) is Row:
        call_id = row.call_id
        if call_id != other.call_id:
            return False  # the usual case, decided here
        if call_id is not None and row.contact is not None and row.contact == other.contact:
            return True
        return _wire_fields(row) == _wire_fields(other)  # not what is kept beside them
    if type(row) is Row or type(other) is Row:
        row, other = row_mapping(row), row_mapping(other)
    if not isinstance(row, Mapping) or not isinstance(other, Mapping):
        return bool(row == other)
    call_id = _value(row, "call-id")
    if call_id != _value(other, "call-id"):
        return False
    if call_id is not None:
        contact = _value(row, "contact")
        if contact is not None and contact == _value(other, "contact"):
            return True
    return bool(row == other)


def moved_since(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The extensions of ``after`` (extension -> its row or tuple of rows) that are new or
    show other devices than in ``before``, in ``after``'s order. One pass, no object made
    for an extension that did not move: this is the per-poll cost of a large tenant, so the
    usual case (one :class:`Row` on each side) is compared field by field, inline (after
    :func:`carry_over`, equal fields are the same string: compared at once). A row that
    moved shares the values many rows have in common (phone model, reachability, port)."""
    moved = []
    previous = before.get
    head = STATUS_HEAD
    for extension, new in after.items():
        old = previous(extension)
        if type(new) is Row and (old is None or type(old) is Row):
            if old is None or (
                new.call_id != old.call_id or new.contact != old.contact or new.agent != old.agent
                or new.ping_status != old.ping_status or new.network_ip != old.network_ip
                or new.network_port != old.network_port or new.user != old.user
            ):
                moved.append(extension)
                share(new)
                continue
            status, old_status = new.status, old.status
            if type(status) is str and type(old_status) is str:
                if status[:head] != old_status[:head]:
                    moved.append(extension)
            elif status != old_status:
                moved.append(extension)
        elif old is None or group_signature(new) != group_signature(old):
            moved.append(extension)
    return moved


# Values many rows have in common (phone models, "Reachable", "5060"): one string each.
_SHARED: dict[str, str] = {}
_SHARED_KEPT = 10_000


def share(row: Row) -> None:
    """Give ``row`` the one string of the values many rows have in common."""
    if len(_SHARED) > _SHARED_KEPT:
        _SHARED.clear()
    shared = _SHARED.setdefault
    if type(row.agent) is str:
        row.agent = shared(row.agent, row.agent)
    if type(row.ping_status) is str:
        row.ping_status = shared(row.ping_status, row.ping_status)
    if type(row.network_port) is str:
        row.network_port = shared(row.network_port, row.network_port)
