"""Alerts: rules read from ``alerts.toml`` (:mod:`.rules_file`, :mod:`.rules`), evaluated by
:class:`~ccall_tui.alerts.engine.AlertEngine` against the board feed and the
:class:`~ccall_tui.alerts.follower.CallFollower`. No Textual, no simulator."""
