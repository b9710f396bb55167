"""Every template prints codes that scan: rasterised by poppler at 300 dpi, read by zxing-cpp."""

from __future__ import annotations

import functools
import io
import re
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest
import zxingcpp

from tests.printing.conftest import (
    GTIN,
    LOT,
    Grey,
    by_format,
    cell,
    decode,
    make_labels,
    rasterise,
    require_tool,
)
from tests.readback import zbar_qr_texts
from trace.printing import (
    ComplianceCertificate,
    LabelLayoutError,
    load_template,
    render_compliance_certificate_pdf,
    render_sheet_pdf,
)
from trace.printing.fonts import LabelFont

QR = zxingcpp.BarcodeFormat.QRCode
EAN13 = zxingcpp.BarcodeFormat.EAN13
CODE128 = zxingcpp.BarcodeFormat.Code128
PT_PER_MM = 72 / 25.4


def _media_boxes(pdf: bytes) -> list[tuple[float, ...]]:
    return [
        tuple(map(float, m))
        for m in re.findall(rb"/MediaBox \[([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)\]", pdf)
    ]


def _page_contents(pdf: bytes) -> list[bytes]:
    """Inflated content streams, in page order (ours are written just before their page)."""
    out = []
    for m in re.finditer(rb"<< /Length (\d+) /Filter /FlateDecode >>\nstream\n", pdf):
        start = m.end()
        data = pdf[start : start + int(m.group(1))]
        text = zlib.decompress(data)
        if b" re" in text or b"Tj" in text:
            out.append(text)
    return out


@functools.cache
def _rendered(name: str, count: int) -> tuple[bytes, int]:
    """One PDF per template for the whole module: rendering and rasterising are the slow part."""
    out = io.BytesIO()
    pages = render_sheet_pdf(load_template(name), make_labels(count), out)
    return out.getvalue(), pages


@pytest.fixture(scope="module")
def a4_page(tmp_path_factory: pytest.TempPathFactory, label_font: LabelFont) -> Grey:
    pdf, _ = _rendered("a4-3x8", 24)
    return rasterise(pdf, tmp_path_factory.mktemp("a4"))[0]


@pytest.mark.parametrize(
    ("name", "count", "pages", "with_ean"),
    [
        ("a4-3x8", 24, 1, False),
        ("a4-2x5", 10, 1, True),
        ("thermal-60x40", 2, 2, False),
        ("carton-100x150", 1, 1, False),
    ],
)
def test_every_code_on_a_page_decodes(
    name: str,
    count: int,
    pages: int,
    with_ean: bool,
    tmp_path: Path,
    label_font: LabelFont,
    a4_page: Grey,
) -> None:
    template = load_template(name)
    labels = list(make_labels(count))
    pdf, written = _rendered(name, count)
    assert written == pages
    if name == "a4-3x8":
        rasters = [a4_page]
    else:
        rasters = rasterise(pdf, tmp_path, dpi=300, first=1, last=pages)
    per_page = template.labels_per_page
    for i, label in enumerate(labels):
        pixels = cell(rasters[i // per_page], template, i % per_page)
        codes = decode(pixels)
        assert [c.text for c in by_format(codes, QR)] == [label.uri], f"label {i}"
        assert zbar_qr_texts(pixels) == [label.uri], f"label {i}, read by zbar"
        eans = by_format(codes, EAN13)
        if with_ean:
            assert [c.text for c in eans] == [GTIN[1:]]
        else:
            assert eans == []
        gs1 = sorted(
            c.text for c in by_format(codes, CODE128) if c.content_type == zxingcpp.ContentType.GS1
        )
        if name == "carton-100x150":
            assert gs1 == [f"(01){GTIN}(10){LOT}", "(13)250915(15)260914"]
            assert all(c.symbology_identifier == "]C1" for c in by_format(codes, CODE128))
        else:
            assert gs1 == []


def test_a4_sheets_are_true_size(label_font: LabelFont) -> None:
    template = load_template("a4-3x8")
    out = io.BytesIO()
    render_sheet_pdf(template, make_labels(30), out)
    pdf = out.getvalue()
    boxes = _media_boxes(pdf)
    assert len(boxes) == 2
    for box in boxes:
        assert box[:2] == (0.0, 0.0)
        assert box[2] == pytest.approx(595.28, abs=0.01)
        assert box[3] == pytest.approx(841.89, abs=0.01)
    # Each label is drawn in a frame translated to its corner: the pitch is the template's.
    frames = re.findall(rb"q 1 0 0 1 ([\d.]+) ([\d.]+) cm", _page_contents(pdf)[0])
    corners = [(float(x), float(y)) for x, y in frames]
    assert len(corners) == 24
    for i, (x, y) in enumerate(corners):
        ox, oy = template.label_origin_mm(i)
        assert x == pytest.approx(ox * PT_PER_MM, abs=0.001)
        assert y == pytest.approx((297.0 - oy) * PT_PER_MM, abs=0.001)
    assert corners[1][0] - corners[0][0] == pytest.approx(70 * PT_PER_MM, abs=0.001)
    assert corners[0][1] - corners[3][1] == pytest.approx(37 * PT_PER_MM, abs=0.001)


def test_qr_is_vector_one_path_per_symbol_with_whole_dot_modules(label_font: LabelFont) -> None:
    template = load_template("a4-3x8")
    out = io.BytesIO()
    render_sheet_pdf(template, make_labels(3), out)
    pdf = out.getvalue()
    assert b"/Image" not in pdf and b"/XObject" not in pdf  # no bitmaps
    content = _page_contents(pdf)[0].decode()
    symbols = re.findall(
        r"q ([\d.]+) 0 0 -([\d.]+) [\d.]+ -?[\d.]+ cm\n((?:\d+ \d+ \d+ 1 re\n)+)f Q", content
    )
    assert len(symbols) == 3  # one transform and one fill per QR code
    dot_pt = 72 / template.dpi
    for sx, sy, _runs in symbols:
        module_pt = float(sx)
        assert float(sy) == pytest.approx(module_pt)
        assert module_pt / dot_pt == pytest.approx(round(module_pt / dot_pt), abs=1e-3)
        assert module_pt / PT_PER_MM >= 0.25


def test_true_size_in_the_raster(a4_page: Grey) -> None:
    # QR centres of neighbouring labels must be exactly one pitch apart on the rendered page.
    template = load_template("a4-3x8")
    page = a4_page
    # A4 at 300 dpi is 2480.3 x 3507.9 px; poppler rounds each side to a whole pixel.
    assert abs(page.shape[0] - 3508) <= 1 and abs(page.shape[1] - 2480) <= 1
    centres = []
    for i in range(4):
        (code,) = by_format(decode(cell(page, template, i)), QR)
        p = code.position
        x, y = template.label_origin_mm(i)
        cx = (p.top_left.x + p.bottom_right.x) / 2 + round(x * 300 / 25.4)
        cy = (p.top_left.y + p.bottom_right.y) / 2 + round(y * 300 / 25.4)
        centres.append((cx, cy))
    px_per_mm = 300 / 25.4
    assert centres[1][0] - centres[0][0] == pytest.approx(70 * px_per_mm, abs=2)
    assert centres[3][1] - centres[0][1] == pytest.approx(37 * px_per_mm, abs=2)


def test_compliance_certificate(
    certificate: ComplianceCertificate, tmp_path: Path, label_font: LabelFont
) -> None:
    out = io.BytesIO()
    assert render_compliance_certificate_pdf(certificate, out) == 1
    pdf = out.getvalue()
    assert _media_boxes(pdf)[0][2:] == pytest.approx((105 * PT_PER_MM, 148 * PT_PER_MM), abs=0.01)
    page = rasterise(pdf, tmp_path)[0]
    (qr,) = by_format(decode(page), QR)
    assert qr.text == certificate.uri
    assert zbar_qr_texts(page) == [certificate.uri]
    pdftotext = require_tool("pdftotext")
    src = str(tmp_path / "in.pdf")
    # Text is real, extractable Chinese (ToUnicode maps): fields, promise and the QR caption.
    text = subprocess.run(
        [pdftotext, "-layout", src, "-"], check=True, capture_output=True, text=True
    ).stdout
    for expected in [
        "产品名称：大姚核桃（三台薄壳）",
        "数量（重量）：1 200 kg（2 400 袋）",
        "产地：云南省楚雄州大姚县三台乡",
        "开具时间：2025年09月16日",
        "承诺主体：示例：三台乡核桃专业合作社",
        "联系方式：0878-6200000",
        "我承诺对生产销售的食用农产品",
        "不使用禁用农药兽药、停用兽药和非法添加物",
        "常规农药兽药残留不超标",
        "对承诺的真实性负责",
    ]:
        assert expected in text
    # The words "承诺达标合格证" are printed beside the QR code: right of it, within its height.
    boxes = subprocess.run(
        [pdftotext, "-bbox", src, "-"], check=True, capture_output=True, text=True
    ).stdout
    words = [
        tuple(map(float, m[:4]))
        for m in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
            r"承诺达标合格证</word>",
            boxes,
        )
    ]
    pos = qr.position
    px_to_pt = 72 / 300
    qr_right = max(pos.top_right.x, pos.bottom_right.x) * px_to_pt
    qr_top = min(pos.top_left.y, pos.top_right.y) * px_to_pt
    qr_bottom = max(pos.bottom_left.y, pos.bottom_right.y) * px_to_pt
    beside = [w for w in words if w[0] > qr_right and qr_top <= w[1] and w[3] <= qr_bottom]
    assert len(words) == 2 and len(beside) == 1  # the title, and the caption by the QR


def test_certificate_ticks_follow_the_promises(
    certificate: ComplianceCertificate, tmp_path: Path, label_font: LabelFont
) -> None:
    from dataclasses import replace

    def ticks(cert: ComplianceCertificate) -> int:
        out = io.BytesIO()
        render_compliance_certificate_pdf(cert, out)
        return _page_contents(out.getvalue())[0].count(b" S Q")  # ticks are stroked polylines

    all_ticked = ticks(certificate)
    assert ticks(replace(certificate, promises=(True, False, True))) == all_ticked - 1


def test_layout_errors_are_clear(label_font: LabelFont) -> None:
    template = load_template("a4-3x8")
    long_label = next(make_labels(1))
    from dataclasses import replace

    huge = replace(long_label, uri=long_label.uri + "?x=" + "a" * 900)
    with pytest.raises(LabelLayoutError, match=r"QR code of .* needs .* box is 27\.0 mm"):
        render_sheet_pdf(template, [huge], io.BytesIO())
    wordy = replace(long_label, producer="示例" * 60)
    with pytest.raises(LabelLayoutError, match="does not fit"):
        render_sheet_pdf(template, [wordy], io.BytesIO())
    carton = load_template("carton-100x150")
    long_lot = replace(long_label, lot="DY208HT250915-003XYZ", best_before=None)
    with pytest.raises(LabelLayoutError, match=r"GS1-128 .* wider than the 90\.0 mm"):
        render_sheet_pdf(carton, [long_lot], io.BytesIO())


def test_missing_best_before_drops_its_text_and_ai(tmp_path: Path, label_font: LabelFont) -> None:
    template = load_template("carton-100x150")
    (label,) = make_labels(1, best_before=None)
    out = io.BytesIO()
    render_sheet_pdf(template, [label], out)
    codes = decode(rasterise(out.getvalue(), tmp_path)[0])
    assert sorted(c.text for c in by_format(codes, CODE128)) == [
        f"(01){GTIN}(10){LOT}",
        "(13)250915",
    ]
    assert np.all(np.array([c.valid for c in codes]))
