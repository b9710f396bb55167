"""Find and load the CJK TrueType label font; measure text and build embedded font subsets."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Final

from reportlab.pdfbase.ttfonts import TTFError, TTFontFace

from trace.printing.errors import FontNotFoundError, MissingGlyphError
from trace.printing.outlines import GlyphReader, svg_path

FONT_ENV_VAR: Final = "TRACE_LABEL_FONT"
# TrueType-outline CJK fonts reportlab can subset. Noto/Source Han CJK are OTF/CFF: unusable.
CANDIDATE_FONTS: Final = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
_INSTALL_HINT: Final = (
    "install a CJK TrueType font, e.g. `apt-get install fonts-wqy-microhei` "
    f"(Debian/Ubuntu), or set {FONT_ENV_VAR} to the path of a .ttf/.ttc with Chinese glyphs "
    "(TrueType outlines; OpenType/CFF fonts such as Noto Sans CJK cannot be embedded)"
)
# Text printed by the templates themselves must never be checked for glyphs label by label.
_PROBE_TEXT: Final = "大姚核桃承诺达标合格证批号0123456789ABCxyz（）：-"


def font_path_from_env(environ: Mapping[str, str] | None = None) -> str | None:
    """The ``TRACE_LABEL_FONT`` override, read from ``environ`` (default: the process env)."""
    env = os.environ if environ is None else environ
    value = env.get(FONT_ENV_VAR, "").strip()
    return value or None


def find_font_path(override: str | os.PathLike[str] | None = None) -> Path:
    """Path of the label font: ``override`` if given, else the first installed candidate.

    Raises FontNotFoundError, saying how to install one, when none is usable.
    """
    if override is not None:
        path = Path(override)
        if not path.is_file():
            raise FontNotFoundError(f"label font {path} does not exist; {_INSTALL_HINT}")
        return path
    for candidate in CANDIDATE_FONTS:
        if Path(candidate).is_file():
            return Path(candidate)
    raise FontNotFoundError(
        "no CJK TrueType font found (looked for "
        + ", ".join(CANDIDATE_FONTS)
        + "); "
        + _INSTALL_HINT
    )


@dataclass(frozen=True, slots=True)
class FontMetrics:
    """Vertical metrics in units of the font size (1.0 = one em)."""

    ascent: float
    descent: float  # negative, below the baseline
    cap_height: float


@dataclass(frozen=True, slots=True)
class FontDescriptor:
    """PDF font descriptor numbers, in 1/1000 em."""

    ascent: int
    descent: int
    cap_height: int
    flags: int
    bbox: tuple[int, ...]
    italic_angle: int
    stem_v: int
    missing_width: int


class LabelFont:
    """A loaded TrueType face: widths, glyph checks and subset bytes. Shared, read-mostly."""

    def __init__(self, path: Path, face: TTFontFace) -> None:
        self.path = path
        self._face = face
        self._widths: dict[int, float] = face.charWidths
        self._default_width = float(face.defaultWidth)
        self._glyphs = face.charToGlyph
        # The parser keeps a file position: subsetting from two threads at once would corrupt it.
        self._lock = threading.Lock()
        self.metrics = FontMetrics(
            ascent=face.ascent / 1000.0,
            descent=face.descent / 1000.0,
            cap_height=(face.capHeight or face.ascent) / 1000.0,
        )
        self.ps_name = face.name.decode("latin-1").replace(" ", "")
        self._reader: GlyphReader | None = None
        self._outlines: dict[str, tuple[str, int]] = {}
        self.family = _family_name(path)

    @property
    def subfont_index(self) -> int:
        """Index of the face inside a .ttc collection (always 0 here)."""
        return 0

    def has_glyph(self, char: str) -> bool:
        """Whether the font draws ``char`` (spaces and line feeds always pass)."""
        return char in " \n" or ord(char) in self._glyphs

    def check_glyphs(self, text: str) -> None:
        """Raise MissingGlyphError when some character of ``text`` would print as blank."""
        missing = sorted({c for c in text if not self.has_glyph(c)})
        if missing:
            shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in missing[:8])
            raise MissingGlyphError(
                f"font {self.path.name} has no glyph for {shown} in {text!r}; "
                f"choose another font with {FONT_ENV_VAR}"
            )

    def width_units(self, text: str) -> float:
        """Advance width of ``text`` in 1/1000 em."""
        get = self._widths.get
        d = self._default_width
        return sum(get(ord(c), d) for c in text)

    def width_pt(self, text: str, size_pt: float) -> float:
        """Advance width of ``text`` at ``size_pt``, in points."""
        return self.width_units(text) * size_pt / 1000.0

    def char_width_units(self, code: int) -> float:
        """Advance width of one code point, in 1/1000 em."""
        return float(self._widths.get(code, self._default_width))

    @property
    def descriptor(self) -> FontDescriptor:
        """Values for the PDF /FontDescriptor of every subset of this face."""
        face = self._face
        # Symbolic: our subsets use a private code-to-glyph cmap, not a standard encoding.
        flags = (int(face.flags) & ~(1 << 5)) | (1 << 2)
        return FontDescriptor(
            ascent=round(face.ascent),
            descent=round(face.descent),
            cap_height=round(face.capHeight or face.ascent),
            flags=flags,
            bbox=tuple(round(v) for v in face.bbox),
            italic_angle=round(float(face.italicAngle)),
            stem_v=round(face.stemV),
            missing_width=round(self._default_width),
        )

    @property
    def units_per_em(self) -> int:
        """Font design units per em (glyph outlines and advances are in these units)."""
        return int(self._face.unitsPerEm)

    def glyph_outline(self, char: str) -> tuple[str, int]:
        """(SVG path data in font units with y up, advance width in font units) of ``char``."""
        cached = self._outlines.get(char)
        if cached is not None:
            return cached
        face = self._face
        gid = self._glyphs.get(ord(char), 0)
        if self._reader is None:
            # reportlab keeps the parsed file and decoded `loca` offsets; reading them directly
            # avoids a second font library just for outlines.
            self._reader = GlyphReader(face._ttf_data, face.get_table_pos("glyf")[0], face.glyphPos)
        # Glyphs past the last full hmtx entry share its advance (TrueType's hmtx rule).
        advance = int(face.hmetrics[min(gid, len(face.hmetrics) - 1)][0])
        result = (svg_path(self._reader.contours(gid)), advance)
        self._outlines[char] = result
        return result

    def make_subset(self, code_points: list[int]) -> bytes:
        """TrueType bytes whose code ``i`` draws ``code_points[i]`` (code 0 is .notdef)."""
        with self._lock:
            data: bytes = self._face.makeSubset(code_points)
        return data


def _family_name(path: Path) -> str:
    stem = path.stem.lower()
    if "microhei" in stem:
        return "WenQuanYi Micro Hei"
    if "zenhei" in stem:
        return "WenQuanYi Zen Hei"
    return path.stem


@lru_cache(maxsize=4)
def _load(path: str) -> LabelFont:
    try:
        face = TTFontFace(path, subfontIndex=0)
    except (TTFError, OSError, ValueError) as exc:
        raise FontNotFoundError(
            f"cannot use {path} as label font ({exc}); {_INSTALL_HINT}"
        ) from exc
    font = LabelFont(Path(path), face)
    missing = [c for c in _PROBE_TEXT if not font.has_glyph(c)]
    if missing:
        raise FontNotFoundError(
            f"{path} lacks Chinese glyphs ({''.join(missing)}); {_INSTALL_HINT}"
        )
    return font


def load_font(path: str | os.PathLike[str] | None = None) -> LabelFont:
    """The label font at ``path``, else ``TRACE_LABEL_FONT``, else an installed candidate.

    Loaded once per process (about 0.3 s for WenQuanYi Micro Hei). Raises FontNotFoundError.
    """
    override = path if path is not None else font_path_from_env()
    return _load(str(find_font_path(override)))


def clear_font_cache() -> None:
    """Forget loaded fonts (tests and benchmarks that need a cold start)."""
    _load.cache_clear()


class FontSubsets:
    """Per-document assignment of 8-bit codes to characters, 255 characters per subset font.

    Simple TrueType fonts keep PDF text small and let reportlab build the subset; code 0
    stays .notdef. Codes are fixed at first use so pages can be written before the end.
    """

    def __init__(self, font: LabelFont) -> None:
        self.font = font
        self._codes: dict[str, tuple[int, int]] = {}
        self.subsets: list[list[int]] = []

    def encode(self, text: str) -> list[tuple[int, bytes]]:
        """Split ``text`` into ``(subset index, code bytes)`` chunks, assigning new codes."""
        chunks: list[tuple[int, bytes]] = []
        current = -1
        buf = bytearray()
        codes = self._codes
        for ch in text:
            slot = codes.get(ch)
            if slot is None:
                slot = self._assign(ch)
            subset, code = slot
            if subset != current:
                if buf:
                    chunks.append((current, bytes(buf)))
                    buf = bytearray()
                current = subset
            buf.append(code)
        if buf:
            chunks.append((current, bytes(buf)))
        return chunks

    def _assign(self, ch: str) -> tuple[int, int]:
        self.font.check_glyphs(ch)
        if not self.subsets or len(self.subsets[-1]) >= 256:
            self.subsets.append([0])
        subset = len(self.subsets) - 1
        self.subsets[subset].append(ord(ch))
        slot = (subset, len(self.subsets[subset]) - 1)
        self._codes[ch] = slot
        return slot

    def subset_tag(self, index: int) -> str:
        """Six-letter subset prefix (``ABCDEF+``) derived from the subset's characters."""
        digest = hashlib.sha1(repr(self.subsets[index]).encode(), usedforsecurity=False).digest()
        return "".join(chr(ord("A") + b % 26) for b in digest[:6])

    def widths(self, index: int) -> list[int]:
        """Advance widths (1/1000 em) for codes 0..n-1 of one subset."""
        return [round(self.font.char_width_units(cp)) for cp in self.subsets[index]]
