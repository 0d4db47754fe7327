"""Masking of personal data for screens, exports and public lists.

Owns how an ID number, a phone number and a name look when the viewer may not see them in full.
ID and phone numbers are masked everywhere by default (DESIGN §4); revealing them is a permission
checked and audited elsewhere. Names stay visible to staff by default — staff cannot tell two
volunteers apart without them — and ``mask_name`` is for public lists (honour rolls, rankings,
certificate verification pages). Every mask keeps the length of the original so that a masked
value still looks like the kind of number it is.
"""

import unicodedata

STAR = "*"


def _mask_middle(value: str, keep_head: int, keep_tail: int) -> str:
    hidden = len(value) - keep_head - keep_tail
    return value[:keep_head] + STAR * hidden + value[len(value) - keep_tail :]


def mask_id(number: str | None) -> str:
    """``4205**********123X``: first four and last four of an 18- or 15-digit number.

    Shorter numbers (passports, 通行证) keep only their first and last character, so that at
    least two thirds are always hidden; one or two characters are hidden entirely.
    """
    value = number or ""
    if len(value) >= 12:
        return _mask_middle(value, 4, 4)
    if len(value) >= 3:
        return _mask_middle(value, 1, 1)
    return STAR * len(value)


def mask_phone(phone: str | None) -> str:
    """``138****5678`` for mobiles; landlines and short numbers keep less."""
    value = (phone or "").strip()
    if len(value) >= 11:
        return _mask_middle(value, 3, 4)
    if len(value) >= 7:
        return _mask_middle(value, 2, 2)
    if len(value) >= 3:
        return _mask_middle(value, 1, 1)
    return STAR * len(value)


# Separators inside names of minority or foreign volunteers (阿依古丽·买买提, John Smith):
# showing them reveals nothing and keeps the masked name readable.
_NAME_SEPARATORS = frozenset("·・•‧.． ")


def _is_attached(char: str) -> bool:
    # Variation selectors pick the exact glyph of a rare character in a name; combining marks
    # belong to the letter before them. Either way they are part of the previous character.
    code = ord(char)
    return (
        0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
        or unicodedata.category(char) in {"Mn", "Me"}
    )


def _characters(name: str) -> list[str]:
    """Split a name into user-perceived characters (base plus attached marks/selectors)."""
    chars: list[str] = []
    for char in name:
        if chars and _is_attached(char):
            chars[-1] += char
        else:
            chars.append(char)
    return chars


def mask_name(name: str | None) -> str:
    """``张*丰`` / ``张*``: keep the first character, and the last when there are three or more."""
    chars = _characters((name or "").strip())
    if len(chars) <= 1:
        # A one-character name would be shown whole; hide it rather than publish it.
        return STAR * len(chars)
    if len(chars) == 2:
        return chars[0] + STAR
    middle = "".join(c if c in _NAME_SEPARATORS else STAR for c in chars[1:-1])
    return chars[0] + middle + chars[-1]
