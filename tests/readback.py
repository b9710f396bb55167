"""Reading back what we print, as a person's phone or eyes would: two independent QR decoders,
poppler for PDF pages and text.

zxing-cpp also ENCODES our QR codes (trace/printing/qr.py), so a bug shared by its encoder and
decoder could pass unseen. Every QR read here is therefore decoded twice, by zxing-cpp and by
Debian's zbar (through pyzbar), and the two must agree. zxing-cpp alone stays the reader for the
1D symbols (EAN-13, GS1-128), which we encode ourselves (trace/printing/barcodes.py).
"""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import zxingcpp
from numpy.typing import NDArray
from PIL import Image, ImageDraw

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


def pdf_pages(pdf: bytes, workdir: Path, dpi: int = 300) -> list[Grey]:
    """Every page of `pdf` as a greyscale array (poppler's pdftoppm)."""
    pdftoppm = needs.tool("pdftoppm")
    workdir.mkdir(parents=True, exist_ok=True)
    source = workdir / "readback.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        # Anti-aliasing off, as a printer puts down whole dots: with poppler's grey edges zbar
        # disagreed on 6 of 288 codes (12 random 3x8 sheets at 300 dpi); without, on none.
        [
            pdftoppm,
            "-r",
            str(dpi),
            "-png",
            "-aa",
            "no",
            "-aaVector",
            "no",
            str(source),
            str(workdir / "page"),
        ],
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


def pdf_qr_texts(pdf: bytes, workdir: Path, dpi: int = 300) -> list[list[str]]:
    """Per page, the QR texts both decoders read, at a label printer's 300 dpi."""
    return [qr_texts(page) for page in pdf_pages(pdf, workdir, dpi)]


SVG = "{http://www.w3.org/2000/svg}"
_PATH_TOKEN = re.compile(r"[MmHhVvLlZz]|-?\d+(?:\.\d+)?")


def _polygons(d: str) -> list[list[tuple[float, float]]]:
    """The subpaths of an SVG path made of straight lines (M, L, H, V, Z, absolute or relative)."""
    polygons: list[list[tuple[float, float]]] = []
    x = y = 0.0
    command = ""
    tokens = _PATH_TOKEN.findall(d)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.isalpha():
            command = token
            i += 1
            if command in "Zz":
                polygons[-1].append(polygons[-1][0])
                x, y = polygons[-1][0]
            continue
        relative = command.islower()
        if command in "Mm" or command in "Ll":
            dx, dy = float(tokens[i]), float(tokens[i + 1])
            i += 2
            x, y = (x + dx, y + dy) if relative else (dx, dy)
            if command in "Mm":
                polygons.append([])
                command = "l" if relative else "L"  # further pairs are lines
        elif command in "Hh":
            x = x + float(token) if relative else float(token)
            i += 1
        elif command in "Vv":
            y = y + float(token) if relative else float(token)
            i += 1
        else:
            raise ValueError(f"unsupported path command {command!r}")
        polygons[-1].append((x, y))
    return polygons


def svg_paths_image(svg: str, px_per_mm: float = 16) -> Grey:
    """The SVG's drawn paths (not glyph definitions) filled black on white, as a viewer would
    show them; enough to read its QR code without trusting our own renderer."""
    root = ET.fromstring(svg)
    width = float(root.get("width", "0").removesuffix("mm"))
    height = float(root.get("height", "0").removesuffix("mm"))
    canvas = Image.new("L", (round(width * px_per_mm), round(height * px_per_mm)), 255)
    draw = ImageDraw.Draw(canvas)
    for path in root.findall(f"{SVG}path"):
        a, b, c, d, e, f = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
        matrix = re.fullmatch(r"matrix\(([-\d. ]+)\)", path.get("transform", "").strip())
        if matrix:
            a, b, c, d, e, f = (float(v) for v in matrix.group(1).split())
        for polygon in _polygons(path.get("d", "")):
            points = [
                ((a * x + c * y + e) * px_per_mm, (b * x + d * y + f) * px_per_mm)
                for x, y in polygon
            ]
            draw.polygon(points, fill=0)
    return np.asarray(canvas)
