"""Embedded CJK font subsets, a clear error without a font, and a valid, streamed PDF file."""

from __future__ import annotations

import io
import re
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.printing.conftest import make_labels, require_tool
from trace.printing import (
    FontNotFoundError,
    LabelLayoutError,
    MissingGlyphError,
    PackLabel,
    find_font_path,
    font_path_from_env,
    load_font,
    load_template,
    render_sheet_pdf,
)
from trace.printing import fonts as fonts_module
from trace.printing.fonts import LabelFont


def _pdf(n: int = 24, name: str = "a4-3x8") -> bytes:
    out = io.BytesIO()
    render_sheet_pdf(load_template(name), make_labels(n), out)
    return out.getvalue()


def test_pdf_embeds_a_truetype_subset_and_no_unembedded_cjk_font(label_font: LabelFont) -> None:
    pdf = _pdf()
    assert b"/FontFile2" in pdf
    base_fonts = re.findall(rb"/BaseFont /([^\s/>]+)", pdf)
    assert base_fonts
    for name in base_fonts:
        assert re.fullmatch(rb"[A-Z]{6}\+[A-Za-z0-9-]+", name), name
    assert b"STSong" not in pdf
    assert b"/Type0" not in pdf and b"/Type1" not in pdf  # no CID or base-14 fallbacks
    # One subset per document is small: a few KB, not the 5 MB face.
    assert len(pdf) < 120_000


def test_poppler_sees_an_embedded_unicode_mapped_subset(
    tmp_path: Path, label_font: LabelFont
) -> None:
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(_pdf(3))
    report = subprocess.run(
        [require_tool("pdffonts"), str(pdf)], check=True, capture_output=True, text=True
    ).stdout.splitlines()[2:]
    assert report, "no fonts listed"
    for line in report:
        name, kind, *_encoding, emb, sub, uni, _obj, _gen = line.split()
        assert re.fullmatch(r"[A-Z]{6}\+\S+", name) and kind == "TrueType"
        assert (emb, sub, uni) == ("yes", "yes", "yes")


def test_font_override_and_install_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert font_path_from_env({"TRACE_LABEL_FONT": " /x/y.ttf "}) == "/x/y.ttf"
    assert font_path_from_env({}) is None
    with pytest.raises(FontNotFoundError, match="apt-get install fonts-wqy-microhei"):
        find_font_path(tmp_path / "missing.ttf")
    monkeypatch.setattr(fonts_module, "CANDIDATE_FONTS", (str(tmp_path / "none.ttc"),))
    monkeypatch.delenv("TRACE_LABEL_FONT", raising=False)
    with pytest.raises(FontNotFoundError, match="apt-get install fonts-wqy-microhei"):
        load_font()
    # An env override is read at call time, not import time.
    monkeypatch.setenv("TRACE_LABEL_FONT", str(tmp_path / "gone.ttc"))
    with pytest.raises(FontNotFoundError, match=r"gone\.ttc does not exist"):
        load_font()


def test_a_font_that_is_not_truetype_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "NotoSansCJK-Regular.otf"
    fake.write_bytes(b"OTTO" + b"\0" * 200)  # CFF-flavoured OpenType signature
    with pytest.raises(FontNotFoundError, match="cannot use"):
        load_font(fake)


def test_text_the_font_cannot_draw_is_an_error_not_a_blank(label_font: LabelFont) -> None:
    (label,) = make_labels(1)
    emoji = replace(label, product_name="大姚核桃 \U0001f95c")
    with pytest.raises(MissingGlyphError, match="U\\+1F95C"):
        render_sheet_pdf(load_template("a4-3x8"), [emoji], io.BytesIO())


def test_xref_offsets_point_at_their_objects(label_font: LabelFont) -> None:
    pdf = _pdf(30)
    assert pdf.startswith(b"%PDF-1.4\n") and pdf.endswith(b"%%EOF\n")
    startxref = int(re.search(rb"startxref\n(\d+)\n%%EOF\n$", pdf).group(1))  # type: ignore[union-attr]
    assert pdf[startxref:].startswith(b"xref\n0 ")
    header = re.match(rb"xref\n0 (\d+)\n", pdf[startxref:])
    assert header is not None
    size = int(header.group(1))
    entries = pdf[startxref + header.end() :].split(b"\n")[:size]
    assert entries[0].startswith(b"0000000000 65535 f")
    for number, entry in enumerate(entries[1:], start=1):
        offset = int(entry[:10])
        assert pdf[offset:].startswith(b"%d 0 obj\n" % number), number
    assert re.search(rb"/Type /Pages /Count 2 /Kids \[", pdf)


def test_pages_are_written_while_labels_are_still_coming(label_font: LabelFont) -> None:
    template = load_template("a4-3x8")
    out = io.BytesIO()
    sizes: list[int] = []

    def labels() -> Iterator[PackLabel]:
        for i, label in enumerate(make_labels(24 * 8)):
            if i % 24 == 0:
                sizes.append(out.tell())
            yield label

    assert render_sheet_pdf(template, labels(), out) == 8
    # By the time page 6's labels are requested, earlier pages are already in `out`.
    assert sizes[5] > 20_000
    assert sizes == sorted(sizes)


def test_errors_before_the_first_byte_and_no_leaked_threads(label_font: LabelFont) -> None:
    template = load_template("a4-3x8")
    with pytest.raises(ValueError, match="no labels"):
        render_sheet_pdf(template, [], io.BytesIO())
    with pytest.raises(ValueError, match="skip"):
        render_sheet_pdf(template, make_labels(1), io.BytesIO(), skip=24)
    (good, bad) = make_labels(2)
    bad = replace(bad, producer="示例" * 60)
    out = io.BytesIO()
    with pytest.raises(LabelLayoutError):
        render_sheet_pdf(template, [bad], out)
    assert out.getvalue() == b""  # a template/content error leaves the output untouched
    before = threading.active_count()
    with pytest.raises(LabelLayoutError):
        render_sheet_pdf(template, [good] * 60 + [bad], io.BytesIO())
    assert threading.active_count() == before


def test_skip_leaves_the_first_cells_empty(label_font: LabelFont) -> None:
    template = load_template("a4-3x8")
    out = io.BytesIO()
    assert render_sheet_pdf(template, make_labels(20), out, skip=10) == 2
    assert render_sheet_pdf(template, make_labels(14), io.BytesIO(), skip=10) == 1
