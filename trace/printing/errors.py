"""Errors raised by label printing; all derive from PrintingError and carry a fix-it message."""

from __future__ import annotations


class PrintingError(Exception):
    """Base class for every error raised by trace.printing."""


class TemplateError(PrintingError):
    """A label template file is missing, malformed or does not fit its page."""


class LabelLayoutError(PrintingError):
    """Label content does not fit the space the template gives it."""


class QrEncodeError(PrintingError):
    """The QR encoder could not produce the requested symbol."""


class BarcodeError(PrintingError):
    """A linear barcode (EAN-13, GS1-128) cannot be built from the given data."""


class FontNotFoundError(PrintingError):
    """No usable CJK TrueType font: labels would print blank Chinese text."""


class MissingGlyphError(PrintingError):
    """The label font has no glyph for a character, which would print as a blank box."""
