"""Reading back what we print, as a person's phone or eyes would: two independent QR decoders,
poppler for PDF pages and text.

zxing-cpp also ENCODES our QR codes (trace/printing/qr.py), so a bug shared by its encoder and
decoder could pass unseen. Every QR read here is therefore decoded twice, by zxing-cpp and by
Debian's zbar (through pyzbar), and the two must agree. zxing-cpp alone stays the reader for the
1D symbols (EAN-13, GS1-128), which we encode ourselves (trace/printing/barcodes.py).
"""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import zxingcpp
from numpy.typing import NDArray
from PIL import Image

from tests import needs

Grey = NDArray[np.uint8]


def _grey(image: Any) -> Grey:
    if isinstance(image, Image.Image):
        return np.asarray(image.convert("L"))
    return np.ascontiguousarray(image)


def zxing_qr_texts(image: Any) -> list[str]:
    found = zxingcpp.read_barcodes(_grey(image), formats=zxingcpp.BarcodeFormat.QRCode)
    return [code.text for code in found]


def zbar_qr_texts(image: Any) -> list[str]:
    """QR texts zbar finds: its own finder, sampler and Reed-Solomon decoder (C, Debian)."""
    pyzbar = needs.module("pyzbar.pyzbar")
    symbols = pyzbar.decode(Image.fromarray(_grey(image)), symbols=[pyzbar.ZBarSymbol.QRCODE])
    return [symbol.data.decode("utf-8") for symbol in symbols]


def qr_texts(image: Any) -> list[str]:
    """The QR texts in `image`, read by both decoders, which must find the same codes."""
    first, second = zxing_qr_texts(image), zbar_qr_texts(image)
    assert Counter(first) == Counter(second), f"zxing-cpp read {first}, zbar read {second}"
    return first


def pdf_pages(pdf: bytes, workdir: Path, dpi: int = 200) -> list[Grey]:
    """Every page of `pdf` as a greyscale array (poppler's pdftoppm)."""
    pdftoppm = needs.tool("pdftoppm")
    workdir.mkdir(parents=True, exist_ok=True)
    source = workdir / "readback.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [pdftoppm, "-r", str(dpi), "-png", str(source), str(workdir / "page")],
        check=True,
        capture_output=True,
        timeout=300,
    )
    pages = sorted(workdir.glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    assert pages, "pdftoppm wrote no page"
    return [np.asarray(Image.open(page).convert("L")) for page in pages]


def pdf_text(pdf: bytes, workdir: Path) -> str:
    """The PDF's text as a reader's copy-and-paste gets it (poppler's pdftotext, layout kept)."""
    pdftotext = needs.tool("pdftotext")
    workdir.mkdir(parents=True, exist_ok=True)
    source = workdir / "text.pdf"
    source.write_bytes(pdf)
    done = subprocess.run(
        [pdftotext, "-layout", "-enc", "UTF-8", str(source), "-"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return done.stdout.decode("utf-8")


def pdf_qr_texts(pdf: bytes, workdir: Path, dpi: int = 200) -> list[list[str]]:
    """Per page, the QR texts both decoders read."""
    return [qr_texts(page) for page in pdf_pages(pdf, workdir, dpi)]
