"""What every command needs: the profile, the credentials, a client, and with ``--demo`` the
simulated PBX it runs against."""

from __future__ import annotations

import argparse
import contextlib
import os
from dataclasses import replace
from typing import TYPE_CHECKING, Iterator

from .errors import AppError, NoCredentials
from .i18n import _

if TYPE_CHECKING:  # pragma: no cover
    import httpx

    from .api.client import CcallClient
    from .credentials import Credentials
    from .services import DemoServer
    from .sim.server import SimulatedPbx


class DemoUnavailable(AppError):
    """The demo's simulated PBX could not be started (no loopback, no free port...)."""

    def __init__(self, error: OSError) -> None:
        reason = error.strerror or str(error)
        super().__init__(_("cannot start the simulated PBX: {reason}").format(reason=reason))


class Context:
    """What every command needs: the profile, credentials and a way to make a client."""

    def __init__(self, args: argparse.Namespace, env: dict[str, str]) -> None:
        from .config import apply_overrides, load_settings, select_profile

        self.args = args
        self.env = env
        self.settings = load_settings()
        profile = select_profile(self.settings, getattr(args, "profile", None), env)
        self.profile = apply_overrides(profile, base_url=getattr(args, "base_url", None), env=env)
        # The demo's simulated PBX: ``demo_server`` whichever way it runs (all the app needs),
        # ``sim`` only when it runs in this process (a command steering its tenant).
        self.demo_server: DemoServer | None = None
        self.sim: SimulatedPbx | None = None
        from .i18n import set_language

        set_language(getattr(args, "lang", None), env, configured=self.profile.language)

    @contextlib.contextmanager
    def demo(self, *, own_process: bool = False) -> Iterator[None]:
        """With ``--demo``: start the simulated PBX and point everything at it. With
        ``own_process`` (the TUI) it runs in a child process that lives as long as this one
        (:mod:`ccall_tui.sim.child`); otherwise in a thread here, with its tenant at hand."""
        if not getattr(self.args, "demo", False):
            yield
            return
        from .credentials import Credentials

        sim: DemoServer
        if own_process and os.name == "posix":
            from .sim.child import DemoProcess

            try:
                sim = DemoProcess()
            except OSError as exc:
                raise DemoUnavailable(exc) from None
            roster = DemoProcess.roster
        else:
            from .sim.server import SimulatedPbx

            sim = self.sim = SimulatedPbx()
            try:
                self.sim.start()
            except OSError as exc:
                raise DemoUnavailable(exc) from None
            numbers = self.sim.tenant.numbers
            roster = (f"{numbers[0]}-{numbers[-1]}",)
        self.demo_server = sim
        # The demo tenant's roster is known, as a real profile's would be from its config.
        self.profile = replace(self.profile, base_url=sim.base_url, domain_name=None,
                               roster=self.profile.roster or roster)
        self._demo_credentials = Credentials("demo", "demo")
        try:
            yield
        finally:
            sim.stop()

    def credentials(self) -> Credentials:
        from .credentials import CredentialStore, resolve_credentials

        if self.demo_server is not None:
            return self._demo_credentials
        creds, _source = resolve_credentials(self.profile.name, self.env, CredentialStore())
        if creds is None:
            raise NoCredentials()
        return creds

    def client(self) -> CcallClient:
        credentials = self.credentials()  # first: without any, no HTTP client is even imported
        from .api.learned import make_client

        # With what 'ccall-tui doctor' learned about this server (form bodies, causes).
        transport = self.demo_transport()
        if transport is not None:
            return make_client(self.profile, credentials, demo=True, transport=transport)
        return make_client(self.profile, credentials, demo=False)

    def demo_transport(self) -> httpx.AsyncBaseTransport | None:
        """With ``--demo``: the way to the simulated PBX, plain HTTP on 127.0.0.1. Without TLS there
        is no CA bundle to load (some 20 ms of startup), and no proxy from the environment
        stands between the app and its own loopback server. None otherwise."""
        if self.demo_server is None:
            return None
        import httpx

        return httpx.AsyncHTTPTransport(
            verify=False, trust_env=False, limits=httpx.Limits(max_connections=16, max_keepalive_connections=8))
