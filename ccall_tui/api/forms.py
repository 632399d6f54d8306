"""Request bodies in the two encodings the API accepts: JSON, or an HTML form.

A form writes nested objects with brackets, the way PHP reads them:
``submission[api_key]=...&submission[date_range][from]=2026-11-27 00:00``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

BODY_FORMATS = ("json", "form")
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def check_body_format(value: str) -> str:
    if value not in BODY_FORMATS:
        raise ValueError(f"body_format must be one of {', '.join(BODY_FORMATS)}, not {value!r}")
    return value


def form_fields(body: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """``{"a": {"b": 1}}`` -> ``[("a[b]", "1")]``; None is left out, booleans are 1/0."""
    fields: list[tuple[str, str]] = []
    for key, value in body.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        if value is None:
            continue
        if isinstance(value, dict):
            fields.extend(form_fields(value, name))
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    fields.extend(form_fields(item, f"{name}[{index}]"))
                else:
                    fields.append((f"{name}[{index}]", _scalar(item)))
        else:
            fields.append((name, _scalar(value)))
    return fields


def form_encode(body: dict[str, Any]) -> bytes:
    return urlencode(form_fields(body)).encode("ascii")


def request_body(body: dict[str, Any], body_format: str = "json") -> dict[str, Any]:
    """Keyword arguments for ``httpx`` (``post``/``build_request``/``stream``) carrying ``body``."""
    if body_format == "form":
        return {"content": form_encode(body), "headers": {"Content-Type": FORM_CONTENT_TYPE}}
    return {"json": body}


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)
