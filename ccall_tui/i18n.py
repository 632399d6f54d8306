"""User-facing language. Every string shown to a user goes through ``_()``.

Catalogues live in ``ccall_tui/locale/<lang>/LC_MESSAGES/ccall_tui.{po,mo}`` (gettext domain
``ccall_tui``). ``_`` and ``ngettext`` look up the catalogue that is active *when they are
called*, so modules may import them before the language is chosen.

Maintenance (needs babel, a development dependency)::

    python -m ccall_tui.i18n extract   # add new msgids from the source to every .po
    python -m ccall_tui.i18n compile   # rebuild every .mo from its .po
    python -m ccall_tui.i18n check     # list msgids without a translation
"""

from __future__ import annotations

import gettext as _gettext
import os
import sys
import threading
from collections.abc import Mapping
from pathlib import Path

DOMAIN = "ccall_tui"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
PACKAGE_DIR = Path(__file__).resolve().parent
LANGUAGES = ("en", "vi")
HUMANIZE_LOCALES = {"vi": "vi_VN"}

_lock = threading.Lock()
_translations: _gettext.NullTranslations = _gettext.NullTranslations()
_language = "en"


def _(message: str) -> str:
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return _translations.pgettext(context, message)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now (tables built at import)."""
    return message


def _normalise(value: str | None) -> str | None:
    """``"vi_VN.UTF-8"`` -> ``"vi"``; ``"auto"``/empty -> None; anything else -> its language."""
    if not value:
        return None
    text = value.strip().lower()
    if not text or text == "auto":
        return None
    for sep in (".", "@", "_", "-"):
        text = text.split(sep, 1)[0]
    return text or None


def resolve_language(
    lang: str | None = None, env: Mapping[str, str] | None = None, configured: str | None = None
) -> str:
    """Explicit ``lang`` > ``$CCALL_LANG`` > ``configured`` (the profile) > the locale variables."""
    env = os.environ if env is None else env
    for candidate in (lang, env.get("CCALL_LANG"), configured):
        chosen = _normalise(candidate)
        if chosen is not None:
            return chosen if chosen in LANGUAGES else "en"
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "").strip()
        if value:  # POSIX: the first one set wins, even if it is "C"
            chosen = _normalise(value)
            return chosen if chosen in LANGUAGES else "en"
    return "en"


def set_language(
    lang: str | None = None, env: Mapping[str, str] | None = None, *, configured: str | None = None
) -> str:
    """Choose and install the language; returns ``"vi"`` or ``"en"``.

    Also switches humanize (``naturaltime`` -> "3 phút trước").
    """
    global _translations, _language
    chosen = resolve_language(lang, env, configured)
    if chosen == "en":
        translations: _gettext.NullTranslations = _gettext.NullTranslations()
    else:
        translations = _gettext.translation(
            DOMAIN, localedir=str(LOCALE_DIR), languages=[chosen], fallback=True
        )
    with _lock:
        _translations = translations
        _language = chosen
    _set_humanize(chosen)
    return chosen


def _set_humanize(language: str) -> None:
    try:
        import humanize
    except ImportError:  # pragma: no cover - humanize is a dependency
        return
    locale = HUMANIZE_LOCALES.get(language)
    try:
        if locale:
            humanize.i18n.activate(locale)
        else:
            humanize.i18n.deactivate()
    except (FileNotFoundError, OSError):  # pragma: no cover - a humanize without this locale
        humanize.i18n.deactivate()


def current_language() -> str:
    return _language


# --------------------------------------------------------------------------- maintenance


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(language: str) -> Path:
    return po_path(language).with_suffix(".mo")


def catalogue_languages() -> list[str]:
    return sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def compiled_bytes(po_file: Path) -> bytes:
    """What compiling ``po_file`` gives (fuzzy entries left out)."""
    from io import BytesIO

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(po_file, "rb") as handle:
        catalog = read_po(handle)
    out = BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def compile_catalogues() -> list[Path]:
    written = []
    for language in catalogue_languages():
        target = mo_path(language)
        target.write_bytes(compiled_bytes(po_path(language)))
        written.append(target)
    return written


def extract_messages(root: Path = PACKAGE_DIR):
    """A babel ``Catalog`` of every ``_()``/``ngettext()``/``N_()`` string under ``root``."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    template = Catalog(project="ccall-tui", domain=DOMAIN)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(root), method_map=[("**.py", "python")], strip_comment_tags=True
    ):
        if not message or (isinstance(message, tuple) and not message[0]):
            continue
        path = (Path(root).name + "/" + filename).replace(os.sep, "/")
        template.add(message, None, [(path, lineno)], auto_comments=comments, context=context)
    return template


def update_catalogues(root: Path = PACKAGE_DIR) -> dict[str, int]:
    """Merge new msgids into every .po (untranslated); returns how many each one lacks."""
    from babel.messages.pofile import read_po, write_po

    template = extract_messages(root)
    missing = {}
    for language in catalogue_languages():
        path = po_path(language)
        with open(path, "rb") as handle:
            catalog = read_po(handle, locale=language)
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        with open(path, "wb") as handle:
            write_po(handle, catalog, width=100, omit_header=False, ignore_obsolete=True)
        missing[language] = len(untranslated(language, template))
    return missing


def untranslated(language: str, template=None) -> list[str]:
    """The msgids used in the source that have no (non-fuzzy) translation in ``language``."""
    from babel.messages.pofile import read_po

    template = extract_messages() if template is None else template
    with open(po_path(language), "rb") as handle:
        catalog = read_po(handle, locale=language)
    result = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id, context=message.context)
        strings = found.string if found is not None else None
        if isinstance(strings, tuple):
            ok = all(strings)
        else:
            ok = bool(strings)
        if found is None or not ok or found.fuzzy:
            result.append(message.id[0] if isinstance(message.id, tuple) else message.id)
    return result


def _main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command == "compile":
        for path in compile_catalogues():
            print(path)
        return 0
    if command == "extract":
        for language, count in update_catalogues().items():
            print(f"{po_path(language)}: {count} untranslated")
        return 0
    if command == "check":
        status = 0
        for language in catalogue_languages():
            for msgid in untranslated(language):
                print(f"{language}: {msgid}")
                status = 1
        return status
    print("usage: python -m ccall_tui.i18n extract | compile | check", file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(_main(sys.argv[1:]))
