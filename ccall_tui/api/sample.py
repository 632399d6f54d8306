"""Raw answers made safe to share: credentials removed, names and numbers masked consistently.

The same caller name, number, IP address or SIP domain becomes the same placeholder
(``name-3``, ``num-12``, ``ip-2``, ``domain-1``) everywhere in one sample, so a maintainer can
still follow one extension through every answer without learning who or where it is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, quote_plus

NAME_KEYS = frozenset({"cid_name", "caller_id_name", "callee_id_name", "display_name", "name"})
NUMBER_KEYS = frozenset({
    "source", "destination", "caller_id_number", "callee_id_number", "destination_number",
    "user", "contact", "sip-auth-user", "sip_auth_user", "mwi-account", "mwi_account",
    "network-ip", "network_ip", "extension", "ext", "username", "reg_user",
})
# Values whose digits are times and measures, never numbers of people.
KEEP_KEYS = frozenset({
    "start", "end", "duration", "tta", "pdd", "mos", "billsec", "status", "direction",
    "ping-time", "ping_time", "network-port", "network_port", "page_current", "page_count",
    "record_count", "limit", "hangup_cause_q850",
})
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_IPV4_PORT = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?(?![\d.])")
_PHONE_LIKE = re.compile(r"\+?[\d\s.-]{3,}")
_DIGITS = re.compile(r"\+?\d{3,}")
_QUOTED = re.compile(r'^\s*"((?:[^"\\]|\\.)*)"')
_AT_DOMAIN = re.compile(r"@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")


class Masker:
    """Collect what must be hidden from every answer first, then rewrite them all."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        self.secrets = [s for s in secrets if s and len(s) >= 2]
        self.names: dict[str, str] = {}
        self.numbers: dict[str, str] = {}
        self.ips: dict[str, str] = {}
        self.domains: dict[str, str] = {}
        self._pattern: re.Pattern[str] | None = None

    # ------------------------------------------------------------------ collect

    def collect(self, value: Any, key: str | None = None) -> None:
        if isinstance(value, Mapping):
            for k, v in value.items():
                self.collect(v, str(k))
            return
        if isinstance(value, list):
            for item in value:
                self.collect(item, key)
            return
        if isinstance(value, bool) or value is None:
            return
        text = str(value)
        for ip in _IPV4.findall(text):
            self._add(self.ips, ip, "ip")
        if key is None or key in KEEP_KEYS:
            return
        if key in NAME_KEYS and isinstance(value, str) and value.strip() and value.strip().lower() != "null":
            self._add_name(value.strip())
        if key in NUMBER_KEYS:
            quoted = _QUOTED.match(text)
            if quoted and quoted.group(1).strip():
                self._add_name(quoted.group(1).replace('\\"', '"').replace("\\\\", "\\"))
                self._add_name(quoted.group(1))
            for domain in _AT_DOMAIN.findall(text):
                self._add(self.domains, domain, "domain")
            for number in _DIGITS.findall(_IPV4_PORT.sub(" ", text)):
                self._add(self.numbers, number, "num")

    def collect_text(self, text: str) -> None:
        for ip in _IPV4.findall(text):
            self._add(self.ips, ip, "ip")

    def _add_name(self, name: str) -> None:
        """A caller name; one that is only a number (no name known) is a number."""
        if _PHONE_LIKE.fullmatch(name):
            for number in _DIGITS.findall(name):
                self._add(self.numbers, number, "num")
        else:
            self._add(self.names, name, "name")

    def _add(self, table: dict[str, str], value: str, prefix: str) -> None:
        if value not in table:
            table[value] = f"{prefix}-{len(table) + 1}"
            self._pattern = None

    # ------------------------------------------------------------------ rewrite

    def mask(self, value: Any, key: str | None = None) -> Any:
        if isinstance(value, Mapping):
            return {str(k): self.mask(v, str(k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.mask(item, key) for item in value]
        if isinstance(value, str):
            return self.mask_text(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and key in NUMBER_KEYS:
            return self.mask_text(str(value))
        return value

    def mask_text(self, text: str) -> str:
        for secret in self.secrets:
            for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
                text = re.sub(re.escape(form), "****", text, flags=re.IGNORECASE)
        pattern = self._compiled()
        if pattern is None:
            return text
        return pattern.sub(self._replacement, text)

    def _compiled(self) -> re.Pattern[str] | None:
        if self._pattern is None:
            parts = [re.escape(v) for v in sorted({*self.names, *self.domains}, key=len, reverse=True)]
            parts += [r"(?<![\d.])" + re.escape(v) + r"(?![\d.])" for v in self.ips]
            parts += [
                r"(?<![\w.+])" + re.escape(v) + r"(?![\w.])"
                for v in sorted(self.numbers, key=len, reverse=True)
            ]
            self._pattern = re.compile("|".join(parts)) if parts else None
        return self._pattern

    def _replacement(self, match: re.Match[str]) -> str:
        found = match.group(0)
        for table in (self.names, self.domains, self.ips, self.numbers):
            if found in table:
                return table[found]
        return "****"


def build_sample(answers: list[Any], secrets: tuple[str, ...]) -> dict[str, Any]:
    """Every answer of a doctor run, masked; ``answers`` are :class:`probe.Answer` objects."""
    masker = Masker(secrets)
    bodies: list[Any] = []
    for answer in answers:
        body: Any = answer.data if answer.data is not None else answer.raw.decode("utf-8", "replace")
        if isinstance(body, str):
            masker.collect_text(body)
        else:
            masker.collect(body)
        masker.collect(answer.submission)
        bodies.append(body)
    out = []
    for answer, body in zip(answers, bodies):
        out.append({
            "probe": answer.name,
            "request": {
                "method": "POST",
                "path": answer.path,
                "body_format": answer.body_format,
                "submission": masker.mask(answer.submission),
            },
            "status": answer.status,
            "content_type": answer.content_type,
            "elapsed_ms": round(answer.elapsed_ms, 1),
            "bytes": len(answer.raw),
            "error": masker.mask_text(answer.error) if answer.error else None,
            "body": masker.mask(body),
        })
    return {
        "about": "ccall-tui doctor sample: api_key and api_secret removed; caller names, numbers, "
                 "IP addresses and SIP domains replaced by placeholders, the same value by the same "
                 "placeholder throughout.",
        "answers": out,
    }
