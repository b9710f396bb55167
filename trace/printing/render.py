"""Public rendering entry points: streamed PDF sheets, single-label PNG/SVG, the certificate."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import BinaryIO

from trace.printing.fonts import load_font
from trace.printing.layout import LabelLayout, Primitive
from trace.printing.models import ComplianceCertificate, PrintRecord
from trace.printing.pdf import MM, ContentEncoder, PdfWriter, label_frame, num
from trace.printing.raster import render_png
from trace.printing.svg import render_svg
from trace.printing.templates import LabelTemplate, load_template

FontPath = str | os.PathLike[str] | None
COMPLIANCE_TEMPLATE = "compliance-cert"


def render_sheet_pdf(
    template: LabelTemplate,
    labels: Iterable[PrintRecord],
    out: BinaryIO,
    *,
    skip: int = 0,
    outlines: bool = False,
    title: str = "",
    font_path: FontPath = None,
) -> int:
    """Write a PDF of ``labels`` laid out on ``template`` pages to ``out``; return the page count.

    Pages are written as soon as they are full, so memory stays flat however many labels
    the iterable yields. ``skip`` leaves the first cells of the first sheet empty (a part-used
    sheet); ``outlines`` draws each label's edge for alignment proofs. Raises ValueError when
    ``labels`` is empty, and PrintingError subclasses (FontNotFoundError, LabelLayoutError,
    QrEncodeError, BarcodeError, MissingGlyphError) when a label cannot be printed faithfully.
    The first label is laid out before anything is written; an error on a later label leaves
    an unfinished PDF in ``out``, which the caller must discard.
    """
    per_page = template.labels_per_page
    if not 0 <= skip < per_page:
        raise ValueError(f"skip must be in 0..{per_page - 1}, got {skip}")
    iterator = iter(labels)
    first = next(iterator, None)
    if first is None:
        raise ValueError("render_sheet_pdf got no labels")
    font = load_font(font_path)
    layout = LabelLayout(template, font)
    # Lay out the first label before writing a byte: a template error leaves `out` untouched.
    first_primitives = layout.layout(first)
    writer = PdfWriter(out, font, title=title or template.title)
    encoder = ContentEncoder(writer.subsets)
    outline_ops = ""
    if outlines:
        w, h = template.label_width_mm * MM, template.label_height_mm * MM
        outline_ops = f"q 0.7 G 0.2 w 0 {num(-h)} {num(w)} {num(h)} re S Q"

    page_ops: list[str] = []
    slot = skip

    def place(primitives: list[Primitive]) -> None:
        nonlocal slot
        x, y = template.label_origin_mm(slot)
        page_ops.append(label_frame(x, y, template.page_height_mm))
        page_ops.extend(encoder.ops(primitives))
        if outline_ops:
            page_ops.append(outline_ops)
        page_ops.append("Q")
        slot += 1
        if slot == per_page:
            flush()

    def flush() -> None:
        nonlocal slot
        writer.add_page(
            template.page_width_mm, template.page_height_mm, "\n".join(page_ops).encode("ascii")
        )
        page_ops.clear()
        slot = 0

    with writer:
        place(first_primitives)
        for record in iterator:
            place(layout.layout(record))
        if page_ops:
            flush()
    return writer.pages


def render_compliance_certificate_pdf(
    cert: ComplianceCertificate,
    out: BinaryIO,
    *,
    template: LabelTemplate | None = None,
    font_path: FontPath = None,
) -> int:
    """Write the 承诺达标合格证 for one batch as a one-page PDF; returns 1."""
    tpl = template or load_template(COMPLIANCE_TEMPLATE)
    return render_sheet_pdf(
        tpl, [cert], out, title=f"承诺达标合格证 {cert.product_name}", font_path=font_path
    )


def render_label_png(
    template: LabelTemplate, label: PrintRecord, dpi: int = 300, *, font_path: FontPath = None
) -> bytes:
    """One label as a PNG at ``dpi`` (modules snapped to whole pixels), true size recorded."""
    if not 72 <= dpi <= 2400:
        raise ValueError(f"dpi must be in 72..2400, got {dpi}")
    font = load_font(font_path)
    primitives = LabelLayout(template, font, dpi=dpi).layout(label)
    return render_png(primitives, template.label_width_mm, template.label_height_mm, dpi, font)


def render_label_svg(
    template: LabelTemplate, label: PrintRecord, *, font_path: FontPath = None
) -> str:
    """One label as an SVG document in mm at true size (geometry snapped to the printer dpi)."""
    font = load_font(font_path)
    primitives = LabelLayout(template, font).layout(label)
    return render_svg(primitives, template.label_width_mm, template.label_height_mm, font)
