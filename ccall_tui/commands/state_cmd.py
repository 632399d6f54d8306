"""``state show`` and ``state clear``: what the app remembers for a profile on its server.

Everything remembered (extensions seen online, the call browser's last filter, anything learned
later) lives in one folder per profile and server; the demo has its own (``--demo``).
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Exit
from ..i18n import _, ngettext
from . import add_profile_option, expected_failures, resolve

if TYPE_CHECKING:  # pragma: no cover
    from ..monitor.seen import SeenStore

# Kept by ``clear``: removing a lock file another instance holds would break the lock.
_LOCK_SUFFIX = ".lock"
# The files ``clear`` removes, by name: the state folder may be shared with other data (with
# CCALL_STATE_DIR set and CCALL_DATA_DIR not, the recorded history lives in the same folder),
# so nothing else in it is ever touched.
_OWNED = ("last-filter.json", "learned.json")


def add_parser(subparsers: Any) -> None:
    state = subparsers.add_parser(
        "state",
        help=_("show or clear what is remembered for a profile on its server"),
        description=_(
            "Remembered: extensions seen online (forgotten after forget_after_days unseen), the "
            "call browser's last filter, and what the app learns later. One folder per profile "
            "and server; the demo has its own (--demo)."
        ),
    )
    actions = state.add_subparsers(dest="state_action", metavar="ACTION", required=True)
    show = actions.add_parser("show", help=_("list what is remembered and where"))
    clear = actions.add_parser("clear", help=_("forget everything remembered for the profile on its server"))
    for parser, func in ((show, run_show), (clear, run_clear)):
        add_profile_option(parser)
        parser.add_argument(
            "--demo", action="store_true", default=argparse.SUPPRESS,
            help=_("the built-in demo's memory"),
        )
        parser.set_defaults(func=func)


def _namespace(args: argparse.Namespace, ctx: Any) -> tuple[Any, Path, bool]:
    from ..paths import state_dir
    from ..state import namespace_dir

    _settings, profile = resolve(args, ctx)
    demo = bool(getattr(args, "demo", False)) or getattr(ctx, "sim", None) is not None
    env = getattr(ctx, "env", None)
    folder = namespace_dir(state_dir(env), profile.name, profile.base_url, profile.domain_name, demo=demo)
    return profile, folder, demo


def _legacy_seen_file(profile_name: str, env: Any) -> Path:
    """Where versions before per-server state kept the seen extensions (shared by every
    server of a profile, the demo included: no longer read)."""
    import re

    from ..paths import state_dir

    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", profile_name or "default")[:64] or "default"
    return state_dir(env) / f"seen-{safe}.json"


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    found = [p for p in folder.rglob("*") if p.is_file() and not p.name.endswith(_LOCK_SUFFIX)]
    return sorted(found)


def _what(name: str) -> str:
    """What a known file in the folder holds."""
    known = {
        "seen.json": lambda: _("extensions seen online"),
        "last-filter.json": lambda: _("the call browser's last filter"),
        "learned.json": lambda: _("what 'ccall-tui doctor' learned about the server"),
    }
    describe = known.get(name)
    return describe() if describe else ""


def _size(path: Path) -> str:
    try:
        size = path.stat().st_size
    except OSError:
        return "?"
    return f"{size} B" if size < 1024 else f"{size / 1024:.1f} kB"


def _store(profile: Any, folder: Path) -> SeenStore:
    from ..monitor.roster import seen_store_for
    from ..monitor.seen import SeenStore

    template = seen_store_for(profile, folder.parent)  # limit and forget_after from the profile
    return SeenStore(folder, forget_after_days=template.forget_after.days, limit=template.limit)


@expected_failures
def run_show(args: argparse.Namespace, ctx: Any = None) -> int:
    from ..monitor.format import format_timestamp

    profile, folder, demo = _namespace(args, ctx)
    now = datetime.now(profile.timezone)
    print(_("Profile: {name}").format(name=profile.name) + ("  " + _("(demo)") if demo else ""))
    if not demo:
        server = profile.base_url + (f"  ({profile.domain_name})" if profile.domain_name else "")
        print(_("Server: {server}").format(server=server))
    print(_("Folder: {path}").format(path=folder))
    store = _store(profile, folder)
    seen = store.load(now)
    raw = store.read_file(now)
    count = len(seen)
    print(
        ngettext("Remembered: {n} extension seen online", "Remembered: {n} extensions seen online", count).format(n=count)
        + "  " + _("(forgotten after {days:g} days unseen, at most {limit})").format(
            days=store.forget_after.days, limit=store.limit
        )
    )
    if seen:
        print("  " + _("last seen: newest {newest}, oldest {oldest}").format(
            newest=format_timestamp(max(seen.values()), profile.timezone),
            oldest=format_timestamp(min(seen.values()), profile.timezone),
        ))
    if raw.forgotten:
        print("  " + _("forgotten on purpose: {list}").format(list=", ".join(sorted(raw.forgotten))))
    files = _files(folder)
    if files:
        print(_("Files:"))
        for path in files:
            try:
                changed = datetime.fromtimestamp(path.stat().st_mtime, profile.timezone)
            except OSError:
                continue
            what = _what(path.name)
            print(
                f"  {path.relative_to(folder)}  {_size(path)}  {format_timestamp(changed, profile.timezone)}"
                + (f"  ({what})" if what else "")
            )
    else:
        print(_("Nothing remembered yet."))
    legacy = _legacy_seen_file(profile.name, getattr(ctx, "env", None))
    if legacy.exists():
        print(_("Old file no longer read (shared by every server of the profile): {path}").format(path=legacy))
    return Exit.OK


@expected_failures
def run_clear(args: argparse.Namespace, ctx: Any = None) -> int:
    profile, folder, demo = _namespace(args, ctx)
    now = datetime.now(profile.timezone)
    where = _("the demo") if demo else profile.base_url
    removed: list[str] = []
    store = _store(profile, folder)
    forgotten = 0
    if store.path is not None and store.path.exists():
        # not deleted: an empty file dated now, so a running instance cannot write its copy back
        forgotten = store.clear(now)
    for path in (folder / name for name in _OWNED):
        if not path.is_file():
            continue
        try:
            path.unlink()
        except OSError as exc:
            print(_("Could not remove {path}: {reason}").format(path=path, reason=exc.strerror or type(exc).__name__))
            continue
        removed.append(str(path))
    if not demo:
        legacy = _legacy_seen_file(profile.name, getattr(ctx, "env", None))
        if legacy.exists():
            try:
                legacy.unlink()
                removed.append(str(legacy))
            except OSError:
                pass
    if not forgotten and not removed:
        print(_("Nothing was remembered for profile {name} on {server}.").format(name=profile.name, server=where))
        return Exit.OK
    print(
        ngettext(
            "Forgot {n} extension seen online (profile {name} on {server}).",
            "Forgot {n} extensions seen online (profile {name} on {server}).",
            forgotten,
        ).format(n=forgotten, name=profile.name, server=where)
    )
    for name in removed:
        print(_("Removed {path}").format(path=name))
    return Exit.OK
