"""Pinyin keys for finding people by name: 张三 → ("zhangsan", "zs")."""

from pypinyin import Style, lazy_pinyin


def name_keys(name: str) -> tuple[str, str]:
    syllables = [
        s.lower()
        for s in lazy_pinyin(name or "", style=Style.NORMAL, errors="default")
        if s.strip()
    ]
    full = "".join(syllables).replace(" ", "")
    initials = "".join(s[0] for s in syllables if s)
    return full[:200], initials[:50]
