"""The catalogues are complete for zh-hans and en, compiled, and cover every string in the code."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[3]
LOCALE = ROOT / "mulin" / "locale"
LANGS = ["zh_Hans", "en"]


@pytest.mark.parametrize("lang", LANGS)
def test_catalogue_is_complete(lang):
    catalogue = polib.pofile(str(LOCALE / lang / "LC_MESSAGES" / "django.po"))
    missing = [
        e.msgid for e in catalogue if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)
    ]
    assert not missing, f"{len(missing)} untranslated in {lang}: {missing[:10]}"


@pytest.mark.parametrize("lang", LANGS)
def test_compiled_catalogue_matches_source(lang):
    po = polib.pofile(str(LOCALE / lang / "LC_MESSAGES" / "django.po"))
    mo = polib.mofile(str(LOCALE / lang / "LC_MESSAGES" / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr or e.msgstr_plural) for e in mo}
    stale = [e.msgid for e in po if not e.obsolete and (e.msgctxt, e.msgid) not in compiled]
    assert not stale, (
        f"run scripts/messages: {len(stale)} strings not compiled in {lang}, e.g. {stale[:5]}"
    )


def test_every_source_string_is_in_the_catalogue(tmp_path):
    """makemessages on a copy of the code finds no string the committed catalogue lacks."""
    if shutil.which("xgettext") is None:
        pytest.skip("GNU gettext (xgettext) is not installed")
    # A whole copy, so that the copy's settings point makemessages at the copy's catalogue.
    copy = tmp_path / "mulin"
    shutil.copytree(
        ROOT / "mulin", copy, ignore=shutil.ignore_patterns("vendor", "__pycache__", "*.mo", "e2e")
    )
    subprocess.run(
        [
            sys.executable,
            "-P",  # not the copy's directory first: mulin/celery.py would shadow Celery
            "-m",
            "django",
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-location",
            "--ignore",
            "static/*",
            "--ignore",
            "testing/*",
            "--ignore",
            "*/tests/*",
            "-v0",
        ],
        cwd=copy,
        check=True,
        env={
            "DJANGO_SETTINGS_MODULE": "mulin.settings",
            "PYTHONPATH": str(tmp_path),
            "PATH": "/usr/bin:/bin",
            "MULIN_SECRET_KEY": "x" * 50,
        },
    )
    fresh = {
        e.msgid
        for e in polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
        if not e.obsolete
    }
    committed = {
        e.msgid
        for e in polib.pofile(str(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"))
        if not e.obsolete
    }
    new = sorted(fresh - committed)
    assert not new, f"run scripts/messages and translate: {len(new)} new strings, e.g. {new[:8]}"
