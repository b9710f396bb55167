"""Chinese identifiers we validate: 统一社会信用代码 (GB 32100-2015) and phone numbers; pure."""

from __future__ import annotations

import re

# GB 32100-2015: 18 characters from this alphabet (no I, O, S, V, Z); the last is a mod-31 check.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def credit_code_check_char(first17: str) -> str:
    total = sum(
        CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """Why `code` is not a valid 统一社会信用代码, as a message code (trace.messages), or None
    when it is."""
    if len(code) != 18:
        return "credit_code.length"
    if any(c not in CREDIT_CODE_ALPHABET for c in code):
        return "credit_code.alphabet"
    if credit_code_check_char(code[:17]) != code[17]:
        return "credit_code.check_char"
    return None


def is_valid_phone(phone: str) -> bool:
    """A mainland mobile (11 digits from 13x-19x) or a landline with area code."""
    return bool(_PHONE_RE.match(phone))


def mask_person_name(name: str) -> str:
    """罗小芬 -> 罗*芬, 罗芬 -> 罗*: public pages never show a farmer's full name.

    A trailing note in parentheses, such as （示例）, is kept as it is.
    """
    for opening in ("（", "("):
        if opening in name and name.endswith(("）", ")")):
            head, _, tail = name.partition(opening)
            return mask_person_name(head) + opening + tail
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


# A personal name: 2-4 Han characters (a · between the parts of a minority name allowed), with
# no word an organisation's name ends in. Used where staff type a holder or a name freely.
_PERSON_NAME_RE = re.compile(r"^[\u4e00-\u9fff]{1,4}(·[\u4e00-\u9fff]{1,6})?$")
_ORGANISATION_WORDS = (
    "公司",
    "合作社",
    "农场",
    "中心",
    "厂",
    "局",
    "店",
    "社",
    "场",
    "会",
    "所",
    "院",
    "站",
    "部",
    "园",
    "基地",
    "集团",
)


def looks_like_person_name(text: str) -> bool:
    """Whether `text` (a trailing （示例） aside) reads as a natural person's name."""
    head = re.sub(r"[（(][^（()）]*[）)]$", "", text.strip())
    return bool(_PERSON_NAME_RE.match(head)) and not head.endswith(_ORGANISATION_WORDS)
