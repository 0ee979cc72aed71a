"""Fill an English catalogue's empty msgstrs with the source strings; or report what is missing."""

import sys

import polib


def main(argv: list[str]) -> int:
    report = "--report" in argv
    missing = 0
    for path in [a for a in argv if not a.startswith("--")]:
        catalogue = polib.pofile(path, wrapwidth=0)
        for entry in catalogue:
            if entry.obsolete:
                continue
            if report:
                if not entry.translated() or "fuzzy" in entry.flags:
                    missing += 1
                    print(f"{path}: untranslated: {entry.msgid!r}")
                continue
            # A fuzzy msgstr is makemessages' guess from a similar string ("Enter the building
            # number." for "Enter the parking space number."): replace it, never keep it.
            fuzzy = "fuzzy" in entry.flags
            if entry.msgid_plural:
                if fuzzy or not all(entry.msgstr_plural.values()):
                    entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
            elif fuzzy or not entry.msgstr:
                entry.msgstr = entry.msgid
            if fuzzy:
                entry.flags.remove("fuzzy")
                entry.previous_msgid = entry.previous_msgid_plural = None
        if not report:
            catalogue.save(path)
    if report:
        print(f"{missing} untranslated entries")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
