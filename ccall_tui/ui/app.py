"""The Textual application: modes for the monitor and the call browser, one shared client."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from typing import Any, Callable, Iterable

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from .. import startup_gc
from ..services import AppServices
from ..i18n import N_, _
from .messages import CredentialsChanged
from .terminal_signals import resume_only_after_suspend, terminal_gone
from .textual_compat import drop_terminal_output, mode_screens, same_styles_as_app, styles_current
from .translate import translate_bindings


# Set to a file path, the app appends the wall-clock time (``time.time()``), the CPU time the
# process has used (``time.process_time()``) and, when the demo's simulator runs in a child
# process, the CPU time that child has used (else ``-``) to that file, one line, once the
# board shows the first answer's states: how tests/benchmarks/bench_startup.py times the start.
FIRST_DATA_ENV = "CCALL_TUI_FIRST_DATA"


class CcallApp(App[int]):
    """ccall-tui. Build it with :func:`ccall_tui.factory.build_app`."""

    TITLE = "ccall-tui"
    # Every screen's stylesheet up front: a screen shown for the first time then finds its rules
    # already parsed, instead of making Textual reparse and reapply the whole app's CSS.
    CSS_PATH = ["app.tcss", "monitor.tcss", "cdrs.tcss"]
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("f1,m", "switch_mode('monitor')", N_("Extensions"), priority=False),
        Binding("f2,c", "switch_mode('cdrs')", N_("Calls"), priority=False),
        Binding("question_mark", "help", N_("Help"), key_display="?"),
        Binding("p", "switch_profile", N_("Switch profile"), show=False),
        Binding("q", "quit", N_("Quit")),
        Binding("ctrl+p", "command_palette", N_("Commands"), show=False, priority=True),
    ]

    def __init__(self, services: AppServices, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.services = services
        self._client = None
        self.next_profile: str | None = None
        # One line for the terminal after the app has left it (e.g. why it stopped).
        self.exit_note: str | None = None
        theme = getattr(services.profile, "theme", None)
        if theme and theme in self.available_themes:
            self.theme = theme
        translate_bindings(self)
        self.add_mode("monitor", self._monitor_screen)
        self.add_mode("cdrs", self._cdrs_screen)
        self._first_data_file = os.environ.get(FIRST_DATA_ENV) or None
        self._first_outcome_seen = self._first_outcome_shown = False
        self._after_first_data: list[Callable[[], object]] = []

    # ------------------------------------------------------------------ modes

    def _monitor_screen(self) -> Screen:
        from .screens.monitor import MonitorScreen

        return self._styled_already(MonitorScreen(self.services))

    def _cdrs_screen(self) -> Screen:
        from .screens.cdrs import CdrBrowserScreen

        return self._styled_already(CdrBrowserScreen(self.services))

    def _styled_already(self, screen: Screen) -> Screen:
        """A new mode screen gets its styles as its widgets mount, from a stylesheet that holds
        its rules already (CSS_PATH): Textual's extra pass over every screen's CSS is not needed,
        nor (see :meth:`switch_mode`) its restyle of every widget when the screen first shows."""
        if self._quiet_resumes is not None:
            self._quiet_resume(screen)
        return same_styles_as_app(screen, self)

    _quiet_resumes: list[Screen] | None = None

    def _quiet_resume(self, screen: Screen) -> None:
        """Until the end of the current :meth:`switch_mode`, ``screen`` resumes without
        restyling: its widgets' styles are those of the current stylesheet already."""
        post = screen.post_message

        def post_quiet_resume(message):
            if isinstance(message, events.ScreenResume):
                message.refresh_styles = False
            return post(message)

        screen.post_message = post_quiet_resume
        if self._quiet_resumes is not None:
            self._quiet_resumes.append(screen)

    def switch_mode(self, mode: str):
        """Switch to a mode's screen. Both screens are built once and kept. Textual restyles
        every widget of the screen it shows (twice for a new mode), about 1 ms a widget and
        100+ ms for the call browser: a screen built now has its styles from its widgets'
        mounting, and one that exists keeps them when no style changed meanwhile (a theme
        change still refreshes everything through Textual's CSS update count)."""
        stack = mode_screens(self, mode)
        screen = stack[-1] if stack and mode != self.current_mode else None
        if screen is not None and not styles_current(screen, self):
            return super().switch_mode(mode)
        self._quiet_resumes = []
        if screen is not None:
            self._quiet_resume(screen)
        try:
            return super().switch_mode(mode)
        finally:
            quieted, self._quiet_resumes = self._quiet_resumes, None
            for each in quieted:
                del each.post_message  # only for this call

    def on_mount(self) -> None:
        # The command line paused the garbage collector for the start: it runs again once the
        # first frame has data, or the login screen opens, or at the latest after a while.
        self.set_timer(startup_gc.RESUME_AFTER_S, startup_gc.resume, name="gc-resume")
        self._install_signal_handlers()
        if self.services.credentials is None and self.services.credentials_pending is not None:
            self.run_worker(self._take_keyring_credentials(), name="keyring", group="keyring",
                            exit_on_error=False)
            return
        if self.services.credentials is None:
            self.ask_for_login(first_run=True)
            return
        self._start()

    async def _take_keyring_credentials(self) -> None:
        """The keyring's answer, read in a thread since the command line started: the board,
        or the login screen (saying why the keyring could not be used, when it could not)."""
        from ..credentials import KeyringUnavailable

        services = self.services
        pending, services.credentials_pending = services.credentials_pending, None
        try:
            credentials, source = await asyncio.wrap_future(pending)
        except KeyringUnavailable as error:
            credentials, source = None, "none"
            services.keyring_error = str(error)
        if credentials is None:
            self.ask_for_login(first_run=True)
            return
        services.credentials, services.credential_source = credentials, source
        self._start()

    def _start(self) -> None:
        if self.services.start_call_id:
            from .screens.cdr_messages import ShowCall

            startup_gc.resume()  # the call browser first: no board's first data to wait for

            self.switch_mode("cdrs")
            self.screen.post_message(ShowCall(self.services.start_call_id))
        else:
            self.switch_mode("monitor")

    # ------------------------------------------------------------------ first data

    def when_first_data(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` once the board has painted the first poll's outcome (its data, or
        why there is none), at once if it has already. What the first frame does not need
        (history, alerts) starts there instead of competing with the first poll for the CPU."""
        if self._first_outcome_shown:
            self.call_later(callback)
        else:
            self._after_first_data.append(callback)

    def on_monitor_screen_feed_update(self, message: Any) -> None:
        """A board event bubbled up: the first poll's outcome is on screen after the next refresh."""
        kind = type(message.event).__name__
        if kind == "SnapshotApplied" and self._first_data_file is not None:
            path, self._first_data_file = self._first_data_file, None
            self.call_after_refresh(self._note_first_data, path, getattr(self.services.sim, "cpu_seconds", None))
        if not self._first_outcome_seen and kind in ("SnapshotApplied", "PollFailed", "AuthRejected"):
            self._first_outcome_seen = True
            self.call_after_refresh(self._first_outcome_painted)

    def _first_outcome_painted(self) -> None:
        startup_gc.resume()
        self._first_outcome_shown = True
        callbacks, self._after_first_data = self._after_first_data, []
        for callback in callbacks:
            callback()

    @staticmethod
    def _note_first_data(path: str, child_cpu: Callable[[], float | None] | None = None) -> None:
        wall, cpu = time.time(), time.process_time()
        child = child_cpu() if child_cpu is not None else None
        with contextlib.suppress(OSError), open(path, "a", encoding="utf-8") as out:
            out.write(f"{wall:.6f} {cpu:.6f} {'-' if child is None else f'{child:.6f}'}\n")

    # ------------------------------------------------------------------ client

    @property
    def client(self):
        """The one shared API client (one connection pool for every screen)."""
        if self._client is None:
            self._client = self.services.make_client()
        return self._client

    async def replace_credentials(self, credentials: Any) -> None:
        self.services.credentials = credentials
        old, self._client = self._client, None
        if old is not None:
            await old.aclose()

    async def on_unmount(self) -> None:
        startup_gc.resume()
        self._remove_signal_handlers()
        if self._client is not None:
            await self._client.aclose()

    # ------------------------------------------------------------------ signals

    _EXIT_SIGNALS = ("SIGTERM", "SIGHUP")

    def _install_signal_handlers(self) -> None:
        """SIGTERM (a service stopping) and SIGHUP (an SSH session dropping) end the app the
        way 'q' does: the terminal leaves the alternate screen with mouse reporting off, and
        every screen's unmount saves what it remembers."""
        if self.is_headless:
            return
        resume_only_after_suspend()
        loop = asyncio.get_running_loop()
        for name in self._EXIT_SIGNALS:
            number = getattr(signal, name, None)
            if number is None:  # pragma: no cover - Windows has no SIGHUP
                continue
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(number, self._exit_on_signal, name)

    def _remove_signal_handlers(self) -> None:
        if self.is_headless:
            return
        with contextlib.suppress(RuntimeError):
            loop = asyncio.get_running_loop()
            for name in self._EXIT_SIGNALS:
                number = getattr(signal, name, None)
                if number is not None:
                    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                        loop.remove_signal_handler(number)

    def _exit_on_signal(self, name: str) -> None:
        import logging

        log = logging.getLogger("ccall_tui")
        log.info("%s received: leaving cleanly", name)
        if name == "SIGHUP" and terminal_gone(getattr(self._driver, "fileno", None)) and drop_terminal_output(self):
            log.info("the terminal is gone: nothing more is drawn")
        self.exit(return_code=0)

    def ask_for_login(self, first_run: bool = False, reason: str | None = None) -> None:
        from .screens.login import LoginScreen

        startup_gc.resume()  # the board is not starting now: no first data to wait for

        async def done(credentials: Any) -> None:
            if credentials is None:
                if first_run:
                    self.exit_note = _("Cancelled: no credentials were entered.")
                    self.exit(return_code=3)
                return
            await self.replace_credentials(credentials)
            if first_run:
                self._start()
            else:
                for screen in mode_screens(self):
                    screen.post_message(CredentialsChanged())

        self.push_screen(LoginScreen(self.services, reason=reason), done)

    # ------------------------------------------------------------------ actions

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_switch_profile(self) -> None:
        """Choose another profile; the app restarts on it (new roster, credentials, server)."""
        from .screens.profiles import ProfilePicker

        profiles = self.services.profiles
        current = getattr(self.services.profile, "name", "")
        if self.services.sim is not None or len(profiles) < 2:
            self.notify(
                _("Only one profile is configured; add more in the config file ('ccall-tui config path')."),
                markup=False,
            )
            return

        def chosen(name: str | None) -> None:
            if name and name != current:
                self.next_profile = name
                self.exit(return_code=0)

        self.push_screen(ProfilePicker(profiles, current), chosen)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand(_("Extensions"), _("Live extension board"), lambda: self.switch_mode("monitor"))
        yield SystemCommand(_("Calls"), _("Call-record browser"), lambda: self.switch_mode("cdrs"))
        yield SystemCommand(_("Help"), _("Every key of this screen"), self.action_help)
        yield SystemCommand(_("Log in"), _("Enter new API credentials"), lambda: self.ask_for_login())
        yield SystemCommand(_("Switch profile"), _("Another tenant or server from the config file"), self.action_switch_profile)
        seen = {"help", "quit", "switch_mode", "command_palette", "switch_profile"}
        for binding in self._screen_bindings(screen):
            name = binding.action.split("(")[0]
            if name in seen or not binding.description:
                continue
            seen.add(name)
            yield SystemCommand(
                binding.description,
                _("Key: {key}").format(key=binding.key_display or binding.key),
                lambda action=binding.action, target=screen: self.run_action(action, target),
            )

    @staticmethod
    def _screen_bindings(screen: Screen) -> list[Binding]:
        found: list[Binding] = []
        for _key, active in screen.active_bindings.items():
            found.append(active.binding)
        return found
