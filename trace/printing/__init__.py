"""Label printing: QR matrices, PDF label sheets, single-label PNG/SVG; pure, no DB, no Flask.

The PDF is written by our own streaming writer (pdf.py), not drawn with reportlab: memory stays
flat however many labels a run has, and it is 12-25x faster than a qrcode + reportlab pipeline.
README.md in this folder gives the measurements; keep it that way.
"""

from __future__ import annotations

from trace.printing.errors import (
    BarcodeError,
    FontNotFoundError,
    LabelLayoutError,
    MissingGlyphError,
    PrintingError,
    QrEncodeError,
    TemplateError,
)
from trace.printing.fonts import FONT_ENV_VAR, find_font_path, font_path_from_env, load_font
from trace.printing.models import ComplianceCertificate, PackLabel
from trace.printing.qr import QrMatrix, encode_qr
from trace.printing.render import (
    render_compliance_certificate_pdf,
    render_label_png,
    render_label_svg,
    render_sheet_pdf,
)
from trace.printing.templates import DEFAULT_TEMPLATE, LabelTemplate, list_templates, load_template

__all__ = [
    "DEFAULT_TEMPLATE",
    "FONT_ENV_VAR",
    "BarcodeError",
    "ComplianceCertificate",
    "FontNotFoundError",
    "LabelLayoutError",
    "LabelTemplate",
    "MissingGlyphError",
    "PackLabel",
    "PrintingError",
    "QrEncodeError",
    "QrMatrix",
    "TemplateError",
    "encode_qr",
    "find_font_path",
    "font_path_from_env",
    "list_templates",
    "load_font",
    "load_template",
    "render_compliance_certificate_pdf",
    "render_label_png",
    "render_label_svg",
    "render_sheet_pdf",
]
