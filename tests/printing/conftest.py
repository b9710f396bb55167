"""Fixtures for printing tests: sample packs, the label font, rasterising PDFs with poppler."""

from __future__ import annotations

import random
import subprocess
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from numpy.typing import NDArray
from PIL import Image

from tests import needs
from trace.printing import ComplianceCertificate, FontNotFoundError, PackLabel, load_font
from trace.printing.fonts import LabelFont
from trace.printing.templates import LabelTemplate

GTIN = "06901234567892"
LOT = "DY208HT250915-003"
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Path of a system tool; skip without it, except under CI=true where its absence fails.
require_tool = needs.tool


@pytest.fixture(scope="session")
def label_font() -> LabelFont:
    try:
        return load_font()
    except FontNotFoundError as exc:
        needs.missing(str(exc))


def pack_uri(serial: str, lot: str = LOT, gtin: str = GTIN) -> str:
    return f"https://trace.example.cn/01/{gtin}/10/{lot}/21/{serial}"


def make_labels(
    n: int, *, seed: int = 7, start: int = 1, best_before: date | None = date(2026, 9, 14)
) -> Iterator[PackLabel]:
    """``n`` packs of one batch with random 10-character Crockford base32 serials."""
    rng = random.Random(seed)
    for i in range(n):
        serial = "".join(rng.choice(CROCKFORD) for _ in range(10))
        yield PackLabel(
            uri=pack_uri(serial),
            serial=serial,
            sequence=start + i,
            gtin=GTIN,
            product_name="大姚核桃（三台薄壳）",
            grade="特级",
            net_content="500 g",
            lot=LOT,
            pack_date=date(2025, 9, 15),
            producer="示例：三台乡核桃专业合作社",
            brand_mark=True,
            gi_mark=i % 2 == 0,
            best_before=best_before,
            origin="云南省楚雄州大姚县三台乡",
            gi_user_code="93532326MA6N000000",
        )


@pytest.fixture()
def labels() -> Callable[..., list[PackLabel]]:
    def build(n: int, **kwargs: object) -> list[PackLabel]:
        return list(make_labels(n, **kwargs))  # type: ignore[arg-type]

    return build


@pytest.fixture()
def certificate() -> ComplianceCertificate:
    return ComplianceCertificate(
        uri=f"https://trace.example.cn/01/{GTIN}/10/{LOT}",
        product_name="大姚核桃（三台薄壳）",
        quantity="1 200 kg（2 400 袋）",
        origin="云南省楚雄州大姚县三台乡",
        issued_on=date(2025, 9, 16),
        promiser="示例：三台乡核桃专业合作社",
        contact="0878-6200000",
        lot=LOT,
    )


Grey = NDArray[np.uint8]


def rasterise(
    pdf: bytes, workdir: Path, *, dpi: int = 300, first: int = 1, last: int = 1
) -> list[Grey]:
    """Pages ``first``..``last`` of ``pdf`` as greyscale arrays, via ``pdftoppm -r dpi -png``.

    Anti-aliasing is off: printers put down whole dots, and aliased edges are the harder case
    for the decoder (it also halves poppler's time on pages full of QR runs).
    """
    tool = require_tool("pdftoppm")
    src = workdir / "in.pdf"
    src.write_bytes(pdf)
    prefix = workdir / "page"
    pages_args = ["-f", str(first), "-l", str(last)]
    subprocess.run(
        [
            tool,
            "-r",
            str(dpi),
            "-png",
            "-aa",
            "no",
            "-aaVector",
            "no",
            *pages_args,
            str(src),
            str(prefix),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    pages = sorted(workdir.glob("page-*.png"))
    assert len(pages) == last - first + 1, f"pdftoppm wrote {len(pages)} pages"
    return [np.asarray(Image.open(p).convert("L")) for p in pages]


def cell(page: Grey, template: LabelTemplate, index: int, dpi: int = 300) -> Grey:
    """The pixels of label ``index`` on a rasterised page."""
    x, y = template.label_origin_mm(index)
    k = dpi / 25.4
    x0, y0 = round(x * k), round(y * k)
    x1, y1 = round((x + template.label_width_mm) * k), round((y + template.label_height_mm) * k)
    return np.ascontiguousarray(page[y0:y1, x0:x1])


PRINTED_FORMATS = (
    zxingcpp.BarcodeFormat.QRCode,
    zxingcpp.BarcodeFormat.EAN13,
    zxingcpp.BarcodeFormat.Code128,
)


def decode(image: Grey) -> list[zxingcpp.Barcode]:
    """Every QR, EAN-13 and Code 128 zxing-cpp finds in ``image`` (upright, dark on light)."""
    return list(
        zxingcpp.read_barcodes(image, formats=PRINTED_FORMATS, try_rotate=False, try_invert=False)
    )


def by_format(codes: list[zxingcpp.Barcode], fmt: zxingcpp.BarcodeFormat) -> list[zxingcpp.Barcode]:
    return [c for c in codes if c.format == fmt]
