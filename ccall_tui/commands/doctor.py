"""``ccall-tui doctor``: call each endpoint once and say what this server does differently.

Prints one block per request (status, time, content type, shape, fields, rows, paging, call
id, time format, ...), then the findings, one line each: what was found → what the app will
do. What changes the app's behaviour is remembered per profile and server (``status`` shows it).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..api.text import clean_text, mask_url
from ..errors import Exit
from ..i18n import _, ngettext
from . import add_profile_option, error, expected_failures


def add_parser(subparsers: Any) -> None:
    doctor = subparsers.add_parser(
        "doctor",
        help=_("check what this server really sends, and adapt the app to it"),
        description=_(
            "Calls each endpoint once (registrations with a JSON and a form body; a day's call "
            "records, limit 5; one call by its id; two hangup causes joined with ';' and each "
            "alone) and reports what differs from what the app assumes. Exit codes: 0 everything "
            "understood, 7 understood but the server differs (the app adapted or has a limit), "
            "8 something not understood, 3/4/5 no usable answer at all."
        ),
    )
    add_profile_option(doctor)
    doctor.add_argument("--base-url", default=argparse.SUPPRESS, help=_("API base URL (env CCALL_BASE_URL)"))
    doctor.add_argument("--json", action="store_true", help=_("print the report as JSON"))
    doctor.add_argument("--save-sample", metavar="FILE",
                        help=_("write the raw answers to FILE, credentials removed, names and numbers masked"))
    doctor.add_argument("--date", metavar="YYYY-MM-DD", type=_day,
                        help=_("the day whose calls are checked (default: today, PBX time)"))
    doctor.set_defaults(func=run_doctor)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(_("'{value}' is not a date like 2026-11-27").format(value=text)) from None


@expected_failures
def run_doctor(args: argparse.Namespace, ctx: Any = None) -> int:
    from ..api.diagnose import diagnose
    from ..api.errors import scrub
    from ..api.learned import load_learned, save_learned
    from ..api.sample import build_sample

    profile = ctx.profile
    credentials = ctx.credentials()
    demo = getattr(ctx, "sim", None) is not None
    now = datetime.now(profile.timezone)
    day = args.date or now.date()
    if day > now.date():
        error(_("--date {day} is in the future (PBX time).").format(day=day.isoformat()))
        return Exit.USAGE
    sample = Path(args.save_sample).expanduser() if args.save_sample else None
    if sample is not None and not sample.parent.is_dir():
        error(_("--save-sample: the folder {path} does not exist.").format(path=sample.parent))
        return Exit.USAGE
    previous = load_learned(profile, demo=demo)
    import asyncio  # here, not at the top: every command registers this module

    report = asyncio.run(diagnose(profile, credentials, day=day, now=now, previous=previous))
    saved = None
    if report.fatal is None:
        saved = save_learned(report.learned, profile, demo=demo)
    code = report.exit_code
    secrets = _secrets(credentials, profile)
    if sample is not None:
        try:
            sample.write_text(json.dumps(build_sample(report.answers, secrets), ensure_ascii=False, indent=2) + "\n",
                              encoding="utf-8")
        except OSError as exc:
            error(_("Cannot write {path}: {reason}").format(path=sample, reason=exc.strerror or exc))
            code = 1
    # Whatever the server sent reaches the report only without the credentials (the probes
    # scrub what they keep; this also covers facts read from an answer, such as an example).
    if args.json:
        json.dump(_scrubbed(report_json(report, profile, saved), secrets), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for line in render(report, profile, saved):
            print(scrub(line, secrets))
    if report.fatal is not None:
        error(scrub(_("no usable answer from {url}: {reason}").format(url=_url(profile), reason=report.fatal.error),
                    secrets))
    return code


def _secrets(credentials: Any, profile: Any) -> tuple[str, ...]:
    from ..api.errors import secrets_of

    return secrets_of(credentials, profile.base_url)


def _scrubbed(value: Any, secrets: tuple[str, ...]) -> Any:
    from ..api.errors import scrub

    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, dict):
        return {scrub(str(k), secrets): _scrubbed(v, secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrubbed(v, secrets) for v in value]
    return value


# --------------------------------------------------------------------------- text


def _url(profile: Any) -> str:
    """The base URL without a password in it."""
    return mask_url(profile.base_url)


def _titles(report: Any) -> dict[str, str]:
    day = report.day.isoformat() if report.day else "-"
    first, second = report.causes or ("-", "-")
    return {
        "registrations": _("Registrations, JSON body"),
        "registrations_form": _("Registrations, form body"),
        "cdrs": _("Call records of {day}, limit 5").format(day=day),
        "cdrs_week": _("Call records of the 7 days to {day}, limit 5").format(day=day),
        "call_id": _("One call by its id"),
        "cause_a": _("Calls ended by {cause}").format(cause=first),
        "cause_b": _("Calls ended by {cause}").format(cause=second),
        "causes_joined": _("Calls ended by {causes}").format(causes=f"{first};{second}"),
    }


def render(report: Any, profile: Any, saved: Any) -> list[str]:
    lines = [_("Server {url} (profile {profile})").format(url=_url(profile), profile=profile.name), ""]
    titles = _titles(report)
    for answer in report.answers:
        lines.append(f"{titles.get(answer.name, answer.name)} · POST {answer.path}")
        rows = answer_rows(answer)
        width = max(len(label) for label, _value in rows)
        for label, value in rows:
            lines.append(f"  {label:<{width}}  {clean_text(value, limit=300)}")
        lines.append("")
    lines.append(_("Findings:"))
    marks = {"info": _("ok"), "adapted": _("changed"), "limit": _("limit"), "problem": _("problem")}
    width = max(len(m) for m in marks.values())
    for finding in report.findings:
        text = clean_text(f"{finding.found} → {finding.action}", limit=400)
        lines.append(f"  {marks[finding.level]:<{width}}  {text}")
    lines.append("")
    from ..api.learned import describe

    changes = describe(report.learned)
    if saved is not None:
        lines.append(_("Remembered for this profile and server: {what}").format(
            what="; ".join(changes) if changes else _("nothing to change")))
    code = report.exit_code
    meaning = {
        0: _("everything understood"),
        7: _("understood; this server differs and the app adapted or has a limit"),
        8: _("something was not understood"),
    }.get(code, _("no usable answer"))
    lines.append(_("Result: {meaning} (exit {code})").format(meaning=meaning, code=code))
    return lines


def answer_rows(answer: Any) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    status = "-" if answer.status is None else f"{answer.status} {answer.reason}".strip()
    rows.append((_("Status"), status))
    rows.append((_("Time"), _("{ms:.0f} ms").format(ms=answer.elapsed_ms)))
    rows.append((_("Content type"), answer.content_type or "-"))
    rows.append((_("Size"), _("{n} bytes").format(n=len(answer.raw))))
    body = _("form") if answer.body_format == "form" else "JSON"
    rows.append((_("Body sent"), body))
    if not answer.ok:
        rows.append((_("Answer"), _("not usable: {reason}").format(reason=answer.error)))
        return rows
    facts = answer.facts
    if not facts:
        return rows
    count = facts.get("rows", 0)
    rows.append((_("Shape"), "{shape} ({rows})".format(
        shape=facts.get("shape"), rows=ngettext("{n} row", "{n} rows", count).format(n=count))))
    fields = facts.get("fields", [])
    unknown = facts.get("unknown_fields", [])
    rows.append((_("Fields read"), ", ".join(fields) or _("none")))
    rows.append((_("Other fields"), _("{fields} (kept in the raw view, not used)").format(fields=", ".join(unknown))
                 if unknown else _("none")))
    parsed = _("{parsed} parsed, {skipped} skipped").format(
        parsed=facts.get("parsed", 0), skipped=facts.get("skipped", 0))
    if facts.get("skipped") and facts.get("skip_reason"):
        parsed += _(" (first: {reason})").format(reason=facts["skip_reason"])
    rows.append((_("Rows"), parsed))
    if "key_style" in facts:
        rows.append((_("Key style"), f"{_words(facts['key_style'])}, {facts.get('expiry_style')}"))
        return rows
    if answer.name not in ("cdrs", "cdrs_week"):
        return rows + _check_rows(facts)
    place = facts.get("paging_place")
    rows.append((_("Paging"), _("{place}: {fields}").format(place=place, fields=", ".join(facts.get("paging_fields", [])))
                 if place else _("none")))
    rows.append((_("Call id field"), facts.get("call_id_field") or _("none")))
    rows.append((_("Recording field"), facts.get("recording_field") or _("none seen")))
    numbers = facts.get("numbers") or {}
    rows.append((_("Numbers"), ", ".join(f"{k} {_words(v)}" for k, v in numbers.items() if v) or "-"))
    rows.append((_("Time format"), facts.get("time_format") or "-"))
    if "limit_honoured" in facts:
        rows.append((_("Limit"), _("honoured") if facts["limit_honoured"] else _("ignored")))
    return rows


def _check_rows(facts: dict[str, Any]) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    if facts.get("causes"):
        rows.append((_("Causes seen"), ", ".join(facts["causes"])))
    if "call_id_honoured" in facts:
        honoured = facts["call_id_honoured"]
        rows.append((_("call_id"), _("honoured") if honoured else _("not found") if honoured is None
                     else _("ignored")))
    if "semicolon_works" in facts:
        counts = facts.get("counts", {})
        rows.append((_("Calls"), ", ".join(f"{k}: {v}" for k, v in counts.items())))
        rows.append((_("';' causes"), _("work") if facts["semicolon_works"] else _("do not work")))
    return rows


def _words(value: str) -> str:
    """The doctor's names for shapes, in the user's language."""
    names = {
        "dashes": _("dashes"), "underscores": _("underscores"), "mixed": _("mixed"),
        "number": _("number"), "string": _("string"), "string with unit": _("string with unit"),
        "boolean": _("boolean"),
    }
    return " + ".join(names.get(part, part) for part in value.split(" + "))


# --------------------------------------------------------------------------- JSON


def report_json(report: Any, profile: Any, saved: Any) -> dict[str, Any]:
    answers = []
    for answer in report.answers:
        facts = {k: v for k, v in answer.facts.items() if k != "call_ids"}
        answers.append({
            "probe": answer.name,
            "path": answer.path,
            "body_format": answer.body_format,
            "status": answer.status,
            "elapsed_ms": round(answer.elapsed_ms, 1),
            "content_type": answer.content_type,
            "bytes": len(answer.raw),
            "error": answer.error,
            "facts": facts,
        })
    return {
        "server": _url(profile),
        "profile": profile.name,
        "answers": answers,
        "findings": [f.to_json() for f in report.findings],
        "learned": report.learned.to_json() if saved is not None else None,
        "exit_code": report.exit_code,
    }
