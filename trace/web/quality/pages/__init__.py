"""Quality forms for staff, one module per resource; each calls the same service and schema as
the JSON API. Importing the modules registers their routes on the one blueprint `bp`."""

from __future__ import annotations

from trace.web.quality.pages import batch, brand, certifications, packaging
from trace.web.quality.pages.common import bp

__all__ = ["batch", "bp", "brand", "certifications", "packaging"]
