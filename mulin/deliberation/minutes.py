"""Minutes: a small, safe text format, and the masking of personal data for publication.

The format (no new dependency, nothing else is interpreted — every other character is escaped):
a blank line separates paragraphs; `# ` and `## ` start headings; `- ` or `* ` start bulleted
items and `1. ` numbered ones; `**bold**` inside a line.

Published minutes never show a resident's name, phone number or home: the names of the
compound's registered people (whoever attended or spoke) are masked with `mask_name`, phone
numbers with `mask_phone` and unit numbers or codes (63-2-302, 3号楼2单元302室, 302室) become
`***`. Staff and owners granted the full record read the text as written.
"""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from mulin.core.privacy import mask_name, mask_phone

# Not a run of three or more: masked text (138****5678, ***) must stay as it is.
_BOLD = re.compile(r"(?<!\*)\*\*(?!\*)(.+?)(?<!\*)\*\*(?!\*)")
_BULLET = re.compile(r"^[-*•]\s+(.*)$")
_NUMBER = re.compile(r"^\d{1,3}[.、)]\s*(.*)$")
_HEADING = re.compile(r"^(#{1,2})\s+(.*)$")

PHONE = re.compile(r"(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")
UNIT_PATTERNS = [
    # 63-2-302, 63－2－302, 7-302
    re.compile(r"(?<![\d-])\d{1,3}\s*[-－]\s*\d{1,2}\s*[-－]\s*\d{3,4}(?![\d-])"),
    # 3号楼2单元302室, 3栋201, 63幢2单元301
    re.compile(r"\d{1,3}\s*(?:号楼|栋|幢|号)\s*(?:\d{1,2}\s*单元)?\s*\d{3,4}\s*(?:室|号)?"),
    re.compile(r"(?<!\d)\d{3,4}\s*室"),
    re.compile(r"(?i)\b(?:room|unit|flat|apt\.?)\s*\d[\d-]*"),
]
UNIT_MASK = "***"


def render(text: str) -> SafeString:
    """The minutes as HTML, escaping everything outside the small format."""
    blocks: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []
    list_tag = ""

    def inline(line: str) -> str:
        return _BOLD.sub(r"<strong>\1</strong>", escape(line))

    def flush_paragraph():
        if paragraph:
            blocks.append("<p>" + "<br>".join(inline(x) for x in paragraph) + "</p>")
            paragraph.clear()

    def flush_list():
        nonlocal list_tag
        if items:
            body = "".join(f"<li>{inline(x)}</li>" for x in items)
            blocks.append(f"<{list_tag}>{body}</{list_tag}>")
            items.clear()
        list_tag = ""

    for raw in (text or "").replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            flush_paragraph()
            flush_list()
            continue
        heading = _HEADING.match(line)
        bullet = _BULLET.match(line)
        number = _NUMBER.match(line)
        if heading:
            flush_paragraph()
            flush_list()
            level = 3 if len(heading.group(1)) == 1 else 4
            blocks.append(f"<h{level}>{inline(heading.group(2))}</h{level}>")
        elif bullet or number:
            flush_paragraph()
            tag = "ul" if bullet else "ol"
            if list_tag and list_tag != tag:
                flush_list()
            list_tag = tag
            items.append((bullet or number).group(1))
        else:
            flush_list()
            paragraph.append(line)
    flush_paragraph()
    flush_list()
    return mark_safe("\n".join(blocks))


def mask(text: str, names) -> str:
    """`text` with the given people's names, phone numbers and unit numbers masked. Longer names
    first, so 张三丰 is not half-masked as 张三."""
    if not text:
        return ""
    out = PHONE.sub(lambda m: mask_phone(m.group(0)), text)
    for pattern in UNIT_PATTERNS:
        out = pattern.sub(UNIT_MASK, out)
    wanted = sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True)
    if wanted:
        pattern = re.compile("|".join(re.escape(n) for n in wanted))
        out = pattern.sub(lambda m: mask_name(m.group(0)), out)
    return out


def names_to_mask(meeting) -> list[str]:
    """The registered people of the meeting's compound and everyone on its attendance list."""
    from mulin.people.models import Person

    from .models import Attendance

    names = list(
        Person.objects.filter(compound_id=meeting.compound_id).values_list("name", flat=True)
    )
    names += list(Attendance.objects.filter(meeting=meeting).values_list("name", flat=True))
    names += list(
        Attendance.objects.filter(meeting=meeting, person__isnull=False).values_list(
            "person__name", flat=True
        )
    )
    return names


def public_text(meeting) -> str:
    return mask(meeting.minutes, names_to_mask(meeting))
