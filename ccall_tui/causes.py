"""Plain-language meanings of FreeSWITCH / Q.850 hangup causes."""

from __future__ import annotations

from .api.text import clean_text
from .i18n import N_, _

# cause -> (short label, one-sentence explanation)
_CAUSES: dict[str, tuple[str, str]] = {
    "NORMAL_CLEARING": (N_("Ended normally"), N_("The call ended normally.")),
    "ORIGINATOR_CANCEL": (
        N_("Caller hung up"),
        N_("The caller hung up before the call was answered."),
    ),
    "BLIND_TRANSFER": (
        N_("Blind transfer"),
        N_("The call was transferred to another number without announcing it."),
    ),
    "ATTENDED_TRANSFER": (
        N_("Attended transfer"),
        N_("The call was transferred after the person transferring spoke to the new party."),
    ),
    "LOSE_RACE": (
        N_("Answered elsewhere"),
        N_("Several phones rang and another one answered first."),
    ),
    "PICKED_OFF": (
        N_("Picked up elsewhere"),
        N_("Someone picked up the ringing call from another phone."),
    ),
    "NO_ANSWER": (N_("No answer"), N_("The called phone rang but nobody answered.")),
    "NO_USER_RESPONSE": (
        N_("Phone did not respond"),
        N_("The called phone did not respond in time, so it never rang."),
    ),
    "USER_BUSY": (N_("Busy"), N_("The called party was busy.")),
    "CALL_REJECTED": (
        N_("Call rejected"),
        N_("The called party or their phone rejected the call."),
    ),
    "NORMAL_UNSPECIFIED": (
        N_("Ended, unspecified"),
        N_("The call ended normally, without a more specific reason."),
    ),
    "NO_ROUTE_DESTINATION": (
        N_("No route"),
        N_("The PBX has no route to the dialled number."),
    ),
    "SUBSCRIBER_ABSENT": (
        N_("Subscriber absent"),
        N_("The called party is not reachable (phone off or out of coverage)."),
    ),
    "NORMAL_TEMPORARY_FAILURE": (
        N_("Temporary failure"),
        N_("A temporary network failure stopped the call; trying again may work."),
    ),
    "INVALID_NUMBER_FORMAT": (
        N_("Invalid number"),
        N_("The dialled number is incomplete or in the wrong format."),
    ),
    "UNALLOCATED_NUMBER": (
        N_("Number not in use"),
        N_("The dialled number does not exist or is not assigned."),
    ),
    "NETWORK_OUT_OF_ORDER": (
        N_("Network failure"),
        N_("The network carrying the call is out of order."),
    ),
    "DESTINATION_OUT_OF_ORDER": (
        N_("Destination unreachable"),
        N_("The called phone or its network could not be reached."),
    ),
    "RECOVERY_ON_TIMER_EXPIRE": (
        N_("Signalling timeout"),
        N_("The other side stopped answering signalling messages, so the call timed out."),
    ),
    "MANAGER_REQUEST": (
        N_("Ended by the PBX"),
        N_("The PBX or an administrator ended the call."),
    ),
    "MEDIA_TIMEOUT": (
        N_("Audio stopped"),
        N_("No audio arrived for too long, so the call was ended."),
    ),
    "NONE": (N_("No cause"), N_("No hangup cause was recorded.")),
    "EXCHANGE_ROUTING_ERROR": (
        N_("Routing error"),
        N_("The call could not be routed between exchanges."),
    ),
    "ALLOTTED_TIMEOUT": (
        N_("Time limit reached"),
        N_("The call reached its time limit and was ended."),
    ),
    "CHAN_NOT_IMPLEMENTED": (
        N_("Not supported"),
        N_("The call needs a feature or channel type that is not supported."),
    ),
    "INCOMPATIBLE_DESTINATION": (
        N_("Incompatible destination"),
        N_("The called phone cannot handle this kind of call (for example, no common codec)."),
    ),
    "USER_NOT_REGISTERED": (
        N_("Not registered"),
        N_("The called extension has no phone registered right now."),
    ),
    "SYSTEM_SHUTDOWN": (
        N_("System shutdown"),
        N_("The PBX was shutting down or restarting."),
    ),
    "MANDATORY_IE_MISSING": (
        N_("Protocol error"),
        N_("A required piece of signalling information was missing."),
    ),
}


def _key(cause: str | None) -> str:
    return (cause or "").strip().upper()


def known(cause: str | None) -> bool:
    return _key(cause) in _CAUSES


def explain(cause: str | None) -> str:
    """One plain sentence saying what ``cause`` means, in the current language."""
    entry = _CAUSES.get(_key(cause))
    if entry is not None:
        return _(entry[1])
    if not _key(cause):
        return _(_CAUSES["NONE"][1])
    return _("The call ended with the code {cause}, which has no description here.").format(
        cause=clean_text(cause, limit=60)
    )


def short(cause: str | None) -> str:
    """A 2-4 word label for ``cause``, in the current language."""
    entry = _CAUSES.get(_key(cause))
    if entry is not None:
        return _(entry[0])
    if not _key(cause):
        return _(_CAUSES["NONE"][0])
    return _("Other cause")
