"""Loopback controls of a running simulator: steer an extension, report the state."""

from __future__ import annotations

from typing import Any

from .faults import Faults
from .tenant import Tenant


def steer_extension(tenant: Tenant, values: dict[str, Any]) -> dict[str, Any]:
    number = str(values.get("extension", "")).strip()
    if number not in tenant.extensions:
        raise KeyError(f"no extension {number!r} in this tenant")
    state = values.get("state")
    if state == "offline":
        tenant.force_offline(number)
    elif state == "online":
        devices = values.get("devices", 1)
        if not isinstance(devices, int) or isinstance(devices, bool) or not 1 <= devices <= 10:
            raise ValueError("devices must be a whole number from 1 to 10")
        tenant.force_online(number, devices)
    elif state == "auto":
        tenant.clear_override(number)
    elif state is not None:
        raise ValueError("state must be 'offline', 'online' or 'auto'")
    if isinstance(values.get("name"), str):
        tenant.set_name(number, values["name"])
    if isinstance(values.get("agent"), str):
        tenant.set_agent(number, values["agent"])
    return {
        "extension": number,
        "name": tenant.name(number),
        "registrations": len(tenant.registrations_of(number)),
    }


def play_scenario(tenant: Tenant, values: dict[str, Any]) -> dict[str, Any]:
    """``{"scenario": NAME, "extension": "105"}`` (extension optional): see sim/troubles.py."""
    from .troubles import install

    extension = values.get("extension")
    trouble = install(tenant, str(values.get("scenario", "")), None if extension is None else str(extension))
    return {"scenario": trouble.name, "extension": trouble.extension}


def status_report(tenant: Tenant, faults: Faults) -> dict[str, Any]:
    now = tenant.now()
    return {
        "now": now.strftime("%Y-%m-%d %H:%M:%S"),
        "domain": tenant.domain,
        "extensions": len(tenant.extensions),
        "online": len(tenant.online_extensions(now)),
        "weekday_calls": tenant.calls.weekday_calls,
        "faults": faults.to_json(),
    }
