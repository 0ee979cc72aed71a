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
            if entry.msgid_plural:
                if not all(entry.msgstr_plural.values()):
                    entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
            elif not entry.msgstr:
                entry.msgstr = entry.msgid
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        if not report:
            catalogue.save(path)
    if report:
        print(f"{missing} untranslated entries")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
