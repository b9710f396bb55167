"""Text that will be printed on labels, checked against the label font when it is entered.

A product name with an emoji, or a character the label font lacks, used to be accepted and then
made its label PDF fail mid-stream. Producers', products' and lots' printed fields are checked
here when they are written (ValidationError naming the field and the characters), and a label
run's text again before it is issued or rendered (older records), so a PDF never starts to fail.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Mapping

from trace.errors import Problem, ValidationError, problem
from trace.printing import FontNotFoundError, load_font

log = logging.getLogger(__name__)

# What each record prints (trace.services.labels: pack labels and the 承诺达标合格证).
PRODUCER_FIELDS = ("name", "phone")
PRODUCT_FIELDS = ("name", "variety", "brand")
BATCH_FIELDS = ("village", "plot", "grade")


def unprintable(text: str) -> list[str]:
    """The distinct characters of `text` the label font cannot draw, in order of appearance.

    Control and format characters (zero-width joiners, direction marks) never print faithfully
    and count as unprintable. Without any usable font nothing can be checked (nor printed): the
    label run itself reports the missing font, so entry is not blocked for it.
    """
    try:
        font = load_font()
    except FontNotFoundError:
        log.warning("no label font: printed text is not checked")
        return []
    missing: list[str] = []
    for char in text:
        if char in missing:
            continue
        if unicodedata.category(char) in ("Cc", "Cf") or not font.has_glyph(char):
            missing.append(char)
    return missing


def describe(chars: list[str]) -> str:
    return ", ".join(f"{c!r} (U+{ord(c):04X})" for c in chars[:8])


def check_printable(values: Mapping[str, object], prefix: str = "") -> None:
    """Raise ValidationError naming every field whose text the label font cannot print."""
    errors: dict[str, list[Problem]] = {}
    for field, value in values.items():
        if not isinstance(value, str) or not value:
            continue
        missing = unprintable(value)
        if missing:
            errors[prefix + field] = [problem("label.unprintable", chars=describe(missing))]
    if errors:
        raise ValidationError("label.unprintable_text", errors)


def printed_fields(data: Mapping[str, object], names: tuple[str, ...]) -> dict[str, object]:
    return {name: data[name] for name in names if name in data}


def check_label_text(product: object, producer: object, batch: object) -> None:
    """The printed fields of a lot's records (entered before these checks existed, perhaps):
    raise ValidationError naming e.g. `product.name` before a label run or PDF is begun."""
    values: dict[str, object] = {}
    for prefix, record, names in (
        ("product.", product, PRODUCT_FIELDS),
        ("producer.", producer, PRODUCER_FIELDS),
        ("batch.", batch, BATCH_FIELDS),
    ):
        values.update({prefix + name: getattr(record, name, None) for name in names})
    check_printable(values)
