"""Frozen inputs for printing: one PackLabel per pack and one ComplianceCertificate per batch."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date
from typing import Final

from trace.printing.barcodes import validate_gtin14

# Field names templates may use, by template kind; checked when a template is loaded.
PACK_KIND: Final = "pack"
CERTIFICATE_KIND: Final = "certificate"


@dataclass(frozen=True, slots=True)
class PackLabel:
    """Everything printed on one pack label. ``uri`` is the pack's GS1 Digital Link."""

    uri: str
    serial: str
    sequence: int
    gtin: str  # GTIN-14
    product_name: str
    grade: str
    net_content: str
    lot: str
    pack_date: date
    producer: str
    brand_mark: bool = False
    gi_mark: bool = False
    best_before: date | None = None
    origin: str = ""
    # An authorised GI-mark user prints its 统一社会信用代码 with the mark (it is the producer's).
    gi_user_code: str = ""

    kind = PACK_KIND

    def __post_init__(self) -> None:
        validate_gtin14(self.gtin)
        if not self.uri:
            raise ValueError("PackLabel.uri is empty: every pack label carries its QR code")
        if self.sequence < 0:
            raise ValueError("PackLabel.sequence must be >= 0")

    @property
    def code(self) -> str:
        """The serial as printed under the QR (防伪码), in groups of five for reading aloud."""
        return " ".join(self.serial[i : i + 5] for i in range(0, len(self.serial), 5))

    @property
    def gtin13(self) -> str:
        """GTIN-13 for the EAN-13 (the GTIN-14 without its leading 0); '' when not applicable."""
        return self.gtin[1:] if self.gtin.startswith("0") else ""

    def values(self) -> Mapping[str, object]:
        """Values templates can print, by field name."""
        out: dict[str, object] = {f.name: getattr(self, f.name) for f in fields(self)}
        out["gtin13"] = self.gtin13
        out["code"] = self.code
        return out


PROMISE_COUNT: Final = 3


@dataclass(frozen=True, slots=True)
class ComplianceCertificate:
    """One 承诺达标合格证 (per production batch); ``uri`` is what its QR code carries."""

    uri: str
    product_name: str
    quantity: str  # 数量(重量), e.g. "1 200 kg" or "2 400 袋"
    origin: str  # 产地
    issued_on: date  # 开具日期
    promiser: str  # 承诺主体 (the producer)
    contact: str  # 联系方式
    lot: str = ""
    number: str = ""  # the certificate's number (its record)
    promise: str = ""  # the promise as one sentence (small stickers print it without ticks)
    # Ticks for the three promises, in the order the template lists them.
    promises: tuple[bool, ...] = (True, True, True)

    kind = CERTIFICATE_KIND

    def __post_init__(self) -> None:
        if not self.uri:
            raise ValueError("ComplianceCertificate.uri is empty: the certificate needs its QR")
        if len(self.promises) != PROMISE_COUNT:
            raise ValueError(f"promises must have {PROMISE_COUNT} ticks, got {len(self.promises)}")

    def values(self) -> Mapping[str, object]:
        """Values templates can print, by field name."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


PrintRecord = PackLabel | ComplianceCertificate

FIELDS_BY_KIND: Final[dict[str, frozenset[str]]] = {
    PACK_KIND: frozenset([f.name for f in fields(PackLabel)] + ["gtin13", "code"]),
    CERTIFICATE_KIND: frozenset(f.name for f in fields(ComplianceCertificate)),
}
FLAGS_BY_KIND: Final[dict[str, frozenset[str]]] = {
    PACK_KIND: frozenset({"brand_mark", "gi_mark"}),
    CERTIFICATE_KIND: frozenset(),
}
