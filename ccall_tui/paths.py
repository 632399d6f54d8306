"""Where the app keeps its files: the config file and the state folder, per platform, each
movable by an environment variable."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

APP_NAME = "ccall-tui"


def config_path(env: Mapping[str, str] | None = None) -> Path:
    """``$CCALL_CONFIG`` if set, else the platform's user config dir + ``config.toml``."""
    env = os.environ if env is None else env
    override = env.get("CCALL_CONFIG", "").strip()
    if override:
        return Path(override).expanduser()
    return platformdirs.user_config_path(APP_NAME) / "config.toml"


def state_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$CCALL_STATE_DIR`` if set, else the platform's user state dir."""
    env = os.environ if env is None else env
    override = env.get("CCALL_STATE_DIR", "").strip()
    if override:
        return Path(override).expanduser()
    return platformdirs.user_state_path(APP_NAME)


def alerts_path(env: Mapping[str, str] | None = None) -> Path:
    """``$CCALL_ALERTS`` if set, else ``alerts.toml`` beside the config file."""
    env = os.environ if env is None else env
    override = env.get("CCALL_ALERTS", "").strip()
    if override:
        return Path(override).expanduser()
    return config_path(env).parent / "alerts.toml"
