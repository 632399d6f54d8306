"""Language choice, Vietnamese catalogue, humanize, and the .po/.mo staying in step."""

from __future__ import annotations

from datetime import timedelta

import humanize
import keyring
import pytest

from ccall_tui import causes, i18n
from ccall_tui.api.cdrs import HANGUP_CAUSES
from ccall_tui.i18n import _, ngettext


@pytest.fixture(autouse=True)
def isolated_language(tmp_path, monkeypatch):
    from keyring_memory import InMemoryKeyring

    for name in ("CCALL_API_KEY", "CCALL_API_SECRET", "CCALL_LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CCALL_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("CCALL_STATE_DIR", str(tmp_path / "state"))
    previous = keyring.get_keyring()
    keyring.set_keyring(InMemoryKeyring())
    yield
    i18n.set_language("en", {})
    keyring.set_keyring(previous)


@pytest.mark.parametrize(
    ("lang", "env", "expected"),
    [
        (None, {}, "en"),
        (None, {"LANG": "vi_VN.UTF-8"}, "vi"),
        (None, {"LANG": "vi_VN.UTF-8", "LC_ALL": "en_US.UTF-8"}, "en"),
        (None, {"LANG": "en_US.UTF-8", "LC_MESSAGES": "vi_VN"}, "vi"),
        (None, {"LANG": "en_US.UTF-8", "CCALL_LANG": "vi"}, "vi"),
        ("en", {"CCALL_LANG": "vi"}, "en"),
        ("vi", {}, "vi"),
        ("auto", {"LANG": "vi_VN.UTF-8"}, "vi"),
        (None, {"LANG": "fr_FR.UTF-8"}, "en"),
        (None, {"LANG": "C"}, "en"),
    ],
)
def test_language_precedence(lang, env, expected):
    assert i18n.set_language(lang, env) == expected
    assert i18n.current_language() == expected


def test_configured_language_sits_between_ccall_lang_and_locale():
    assert i18n.set_language(None, {"LANG": "en_US"}, configured="vi") == "vi"
    assert i18n.set_language(None, {"CCALL_LANG": "en"}, configured="vi") == "en"
    assert i18n.set_language(None, {"LANG": "vi_VN"}, configured="auto") == "vi"


def test_switching_translates_at_call_time():
    message = "The called party was busy."
    assert _(message) == message
    i18n.set_language("vi", {})
    assert _(message) == "Bên được gọi đang bận."
    assert ngettext("{n} extension online", "{n} extensions online", 2).format(n=2) == "2 máy nhánh trực tuyến"
    assert humanize.naturaltime(timedelta(minutes=3)) == "3 phút trước"
    i18n.set_language("en", {})
    assert _(message) == message
    assert ngettext("{n} extension online", "{n} extensions online", 1).format(n=1) == "1 extension online"
    assert humanize.naturaltime(timedelta(minutes=3)) == "3 minutes ago"


def test_every_hangup_cause_is_explained_in_both_languages():
    for language in ("en", "vi"):
        i18n.set_language(language, {})
        for cause in HANGUP_CAUSES:
            assert causes.known(cause)
            assert causes.explain(cause).endswith(".")
            label = causes.short(cause)
            if language == "en":
                assert 1 <= len(label.split()) <= 4, cause
            assert len(label) <= 30, cause
    i18n.set_language("en", {})
    assert causes.explain("NO_ANSWER") == "The called phone rang but nobody answered."
    assert causes.explain("no_answer") == causes.explain("NO_ANSWER")
    assert "WEIRD_THING" in causes.explain("WEIRD_THING")
    assert causes.short("WEIRD_THING") == "Other cause"
    assert "\x1b" not in causes.explain("\x1b[31mX")
    i18n.set_language("vi", {})
    assert causes.explain("NO_ANSWER") == "Máy được gọi đã đổ chuông nhưng không ai nghe."
    assert causes.short("ORIGINATOR_CANCEL") == "Người gọi gác máy"


def test_mo_is_what_compiling_the_po_gives():
    pytest.importorskip("babel")
    for language in i18n.catalogue_languages():
        expected = i18n.compiled_bytes(i18n.po_path(language))
        assert i18n.mo_path(language).read_bytes() == expected, (
            f"{i18n.mo_path(language)} is stale: run 'python -m ccall_tui.i18n compile'"
        )


def test_every_source_string_has_a_vietnamese_translation():
    pytest.importorskip("babel")
    missing = i18n.untranslated("vi")
    assert not missing, (
        f"{len(missing)} message(s) have no Vietnamese translation; run "
        "'python -m ccall_tui.i18n extract', translate them in "
        f"{i18n.po_path('vi')}, then 'python -m ccall_tui.i18n compile':\n  "
        + "\n  ".join(missing)
    )


def test_the_check_catches_every_way_of_marking_a_new_string(tmp_path):
    """A new _(), N_(), ngettext() or pgettext() string without a translation is reported."""
    pytest.importorskip("babel")
    package = tmp_path / "ccall_tui"
    package.mkdir()
    (package / "new_screen.py").write_text(
        "from .i18n import N_, _, ngettext, pgettext\n"
        "TITLE = N_('A title marked for later')\n"
        "def show(n):\n"
        "    return _('A brand new sentence.'), ngettext('{n} new thing', '{n} new things', n), "
        "pgettext('menu', 'Open the vault')\n"
        "def already():\n"
        "    return _('The called party was busy.')\n",
        encoding="utf-8",
    )
    missing = i18n.untranslated("vi", i18n.extract_messages(package))
    assert set(missing) == {"A title marked for later", "A brand new sentence.", "{n} new thing",
                            "Open the vault"}


def _helps(parser, path=()):
    import argparse

    yield path + ("<description>",), parser.description
    yield path + ("<epilog>",), parser.epilog
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _helps(sub, path + (name,))
            for choice in action._choices_actions:
                yield path + (choice.dest,), choice.help
        elif action.help is not argparse.SUPPRESS:
            yield path + (action.option_strings[0] if action.option_strings else action.dest,), action.help


def test_every_help_of_the_command_line_is_translated():
    """Every option, command and description of 'ccall-tui --help' reads differently in Vietnamese:
    a help string left out of _() (or argparse's own) shows up here."""
    from ccall_tui.cli import build_parser

    i18n.set_language("en", {})
    english = dict(_helps(build_parser()))
    i18n.set_language("vi", {})
    vietnamese = dict(_helps(build_parser()))
    same = [" ".join(where) for where, text in english.items() if text and vietnamese.get(where) == text]
    assert not same, "untranslated help: " + ", ".join(same)
    assert all(text for where, text in english.items() if where[-1].startswith("--") and where[-1] != "--help")
