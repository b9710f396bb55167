"""Single-label exports for e-commerce listings: PNG at a chosen dpi, SVG at true size."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import zxingcpp
from PIL import Image, ImageDraw, ImageFont

from tests.printing.conftest import GTIN, by_format, decode, make_labels
from tests.readback import qr_texts
from trace.printing import (
    ComplianceCertificate,
    LabelLayoutError,
    load_template,
    render_label_png,
    render_label_svg,
)
from trace.printing.fonts import LabelFont

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize("dpi", [200, 300, 600])
def test_png_is_true_size_and_scans(dpi: int, label_font: LabelFont) -> None:
    template = load_template("a4-2x5")
    (label,) = make_labels(1)
    png = render_label_png(template, label, dpi=dpi)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.info["dpi"] == pytest.approx((dpi, dpi), abs=0.01)
    assert image.size == (round(99.1 * dpi / 25.4), round(57 * dpi / 25.4))
    codes = decode(np.asarray(image.convert("L")))
    assert [c.text for c in by_format(codes, zxingcpp.BarcodeFormat.QRCode)] == [label.uri]
    assert qr_texts(image) == [label.uri]  # zbar reads the same
    assert [c.text for c in by_format(codes, zxingcpp.BarcodeFormat.EAN13)] == [GTIN[1:]]


def test_png_has_visible_chinese_text(label_font: LabelFont) -> None:
    template = load_template("a4-3x8")
    (label,) = make_labels(1)
    image = np.asarray(
        Image.open(io.BytesIO(render_label_png(template, label, dpi=300))).convert("L")
    )
    # The product-name line (right of the QR) must contain ink: no blank text.
    k = 300 / 25.4
    band = image[round(3.6 * k) : round(7.2 * k), round(26.5 * k) : round(66 * k)]
    assert (band < 128).mean() > 0.05


def test_png_needs_enough_pixels_per_module(label_font: LabelFont) -> None:
    (label,) = make_labels(1)
    with pytest.raises(LabelLayoutError, match="QR code"):
        render_label_png(load_template("a4-3x8"), label, dpi=72)
    with pytest.raises(ValueError):
        render_label_png(load_template("a4-3x8"), label, dpi=10_000)


def test_svg_is_true_size_vector_with_text_as_outlines(label_font: LabelFont) -> None:
    template = load_template("a4-3x8")
    (label,) = make_labels(1)
    svg = render_label_svg(template, label)
    root = ET.fromstring(svg)
    assert root.get("width") == "70mm" and root.get("height") == "37mm"
    assert root.get("viewBox") == "0 0 70 37"
    paths = root.findall(f"{SVG}path")
    assert len(paths) == 1  # the QR is one path of merged runs, not an image
    assert root.find(f"{SVG}image") is None
    # No <text>: glyphs are outlines from the label font, so no viewer needs a Chinese font.
    assert root.find(f"{SVG}text") is None
    words = [g.get("aria-label") for g in root.iter(f"{SVG}g")]
    assert "大姚核桃（三台薄壳）" in words
    assert f"No.{label.sequence:06d}" in words
    assert "大姚核桃" in words  # the brand mark
    glyphs = root.findall(f"{SVG}defs/{SVG}path")
    drawn = {c for w in words if w for c in w if not c.isspace()}
    assert len(glyphs) == len(drawn)  # each glyph defined once, reused with <use>
    # Module size in the path transform equals the PDF's (snapped to the printer's dots).
    transform = paths[0].get("transform", "")
    scale = float(re.search(r"matrix\(([\d.]+) 0 0", transform).group(1))  # type: ignore[union-attr]
    dots = scale / (25.4 / template.dpi)
    assert dots == pytest.approx(round(dots), abs=1e-3)


@pytest.mark.parametrize("char", list("大姚核桃（薄壳）承诺达标合格证AgQ@5&é"))
def test_glyph_outlines_match_freetype(char: str, label_font: LabelFont) -> None:
    # Independent reference: the inked box FreeType (through Pillow) draws for the glyph.
    path, advance = label_font.glyph_outline(char)
    numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", path)]
    xs, ys = numbers[0::2], numbers[1::2]
    em = label_font.units_per_em
    px = 256  # pixels per em for the reference rendering
    reference = ImageFont.truetype(str(label_font.path), size=px)
    canvas = Image.new("L", (2 * px, 2 * px), 0)
    origin = (px // 2, 3 * px // 2)
    ImageDraw.Draw(canvas).text(origin, char, font=reference, fill=255, anchor="ls")
    ink = np.argwhere(np.asarray(canvas) > 0)
    top, left = (ink.min(axis=0) - (origin[1], origin[0])) * em / px
    bottom, right = (ink.max(axis=0) + 1 - (origin[1], origin[0])) * em / px
    slack = 2 * em / px  # two reference pixels
    # On-curve points bound the ink; off-curve control points may only lie outside it.
    assert min(xs) <= left + slack and max(xs) >= right - slack
    assert -max(ys) <= top + slack and -min(ys) >= bottom - slack
    assert max(xs) - min(xs) <= (right - left) + 0.1 * em
    assert max(ys) - min(ys) <= (bottom - top) + 0.1 * em
    assert advance == pytest.approx(reference.getlength(char) * em / px, abs=em / px)


def test_certificate_png_scans(certificate: ComplianceCertificate, label_font: LabelFont) -> None:
    png = render_label_png(load_template("compliance-cert"), certificate, dpi=200)
    image = Image.open(io.BytesIO(png))
    codes = decode(np.asarray(image.convert("L")))
    assert [c.text for c in by_format(codes, zxingcpp.BarcodeFormat.QRCode)] == [certificate.uri]
    assert qr_texts(image) == [certificate.uri]


def test_template_kind_must_match_the_record(
    certificate: ComplianceCertificate, label_font: LabelFont
) -> None:
    with pytest.raises(LabelLayoutError, match="prints pack records"):
        render_label_svg(load_template("a4-3x8"), certificate)
