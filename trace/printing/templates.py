"""Label templates: TOML files in labels/ parsed into frozen, validated LabelTemplate objects."""

from __future__ import annotations

import re
import string
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from trace.printing.barcodes import AI_SPECS
from trace.printing.errors import TemplateError
from trace.printing.models import FIELDS_BY_KIND, FLAGS_BY_KIND, PROMISE_COUNT

DEFAULT_TEMPLATE: Final = "a4-3x8"
_NAME_RE: Final = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_EPS: Final = 0.01  # mm of slack for decimal round-off in template files
_ALIGNS: Final = ("left", "center", "right")
# Data field each GS1 AI takes its value from (dates are printed as YYMMDD).
AI_FIELDS: Final = {
    "01": "gtin",
    "10": "lot",
    "11": "pack_date",
    "13": "pack_date",
    "15": "best_before",
    "17": "best_before",
    "21": "serial",
}


def default_labels_dir() -> Path:
    """The repository's ``labels/`` directory."""
    return Path(__file__).resolve().parents[2] / "labels"


# --- elements ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TextElement:
    """One text block; ``text`` is a format string over the record's fields."""

    x_mm: float
    y_mm: float  # top of the first line box
    width_mm: float
    text: str
    size_pt: float
    min_size_pt: float
    max_lines: int
    line_height: float  # line pitch as a multiple of the font size
    align: str
    bold: bool
    white: bool
    when: str | None
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class QrElement:
    """A QR code centred in a square box that includes its 4-module quiet zone."""

    x_mm: float
    y_mm: float
    size_mm: float
    field: str
    ec_level: str


@dataclass(frozen=True, slots=True)
class Ean13Element:
    """An EAN-13 of the record's GTIN-13; width follows from the module size."""

    x_mm: float  # left edge of the left quiet zone
    y_mm: float
    module_mm: float
    bar_height_mm: float
    digits_size_pt: float
    field: str
    when: str | None


@dataclass(frozen=True, slots=True)
class Gs1_128Element:
    """A GS1-128 with the listed AIs, centred in ``width_mm`` (quiet zones included)."""

    x_mm: float
    y_mm: float
    width_mm: float
    module_mm: float  # preferred X-dimension; shrunk in whole printer dots down to the minimum
    min_module_mm: float
    bar_height_mm: float
    ais: tuple[str, ...]
    hri_size_pt: float


@dataclass(frozen=True, slots=True)
class BoxElement:
    """A rectangle, stroked and/or filled (rules, frames, backgrounds)."""

    x_mm: float
    y_mm: float
    width_mm: float
    height_mm: float
    stroke_mm: float
    fill: bool
    radius_mm: float
    when: str | None


@dataclass(frozen=True, slots=True)
class LineElement:
    """A straight rule."""

    x1_mm: float
    y1_mm: float
    x2_mm: float
    y2_mm: float
    stroke_mm: float
    when: str | None


@dataclass(frozen=True, slots=True)
class MarkElement:
    """A simple vector mark: rounded box with centred text (solid = white on black)."""

    x_mm: float
    y_mm: float
    width_mm: float
    height_mm: float
    text: str
    size_pt: float
    solid: bool
    radius_mm: float
    when: str | None


@dataclass(frozen=True, slots=True)
class ChecklistElement:
    """Tick boxes with item text, ticked from a tuple of booleans on the record."""

    x_mm: float
    y_mm: float
    width_mm: float
    items: tuple[str, ...]
    field: str
    size_pt: float
    line_height: float
    item_gap_mm: float


Element = (
    TextElement
    | QrElement
    | Ean13Element
    | Gs1_128Element
    | BoxElement
    | LineElement
    | MarkElement
    | ChecklistElement
)


@dataclass(frozen=True, slots=True)
class LabelTemplate:
    """A page of ``cols`` x ``rows`` identical labels and what each label shows."""

    name: str
    title: str
    kind: str
    page_width_mm: float
    page_height_mm: float
    cols: int
    rows: int
    label_width_mm: float
    label_height_mm: float
    margin_left_mm: float
    margin_top_mm: float
    gap_x_mm: float
    gap_y_mm: float
    dpi: int
    min_qr_module_dots: int
    min_qr_module_mm: float
    min_bar_module_dots: int
    elements: tuple[Element, ...]
    source: str = ""
    # What one label marks: a consumer `pack`, or a `case` (carton) with its own GTIN.
    trade_item: str = "pack"

    @property
    def labels_per_page(self) -> int:
        """Labels on one page."""
        return self.cols * self.rows

    @property
    def dot_mm(self) -> float:
        """One printer dot, in mm."""
        return 25.4 / self.dpi

    def label_origin_mm(self, index: int) -> tuple[float, float]:
        """Top-left corner of label ``index`` (row-major) on its page, from the page's top-left."""
        row, col = divmod(index % self.labels_per_page, self.cols)
        return (
            self.margin_left_mm + col * (self.label_width_mm + self.gap_x_mm),
            self.margin_top_mm + row * (self.label_height_mm + self.gap_y_mm),
        )


# --- parsing ----------------------------------------------------------------------------------


class _Table:
    """Typed access to one TOML table that rejects unknown keys (typos must not pass quietly)."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise TemplateError(f"{where}: expected a table")
        self.data: dict[str, Any] = data
        self.where = where
        self.used: set[str] = set()

    def _get(self, key: str, default: Any) -> Any:
        self.used.add(key)
        if key in self.data:
            return self.data[key]
        if default is _REQUIRED:
            raise TemplateError(f"{self.where}: missing required key {key!r}")
        return default

    def num(self, key: str, default: Any = None, *, minimum: float = 0.0) -> float:
        value = self._get(key, _REQUIRED if default is None else default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TemplateError(f"{self.where}.{key}: expected a number, got {value!r}")
        if value < minimum:
            raise TemplateError(f"{self.where}.{key}: must be >= {minimum}, got {value}")
        return float(value)

    def int_(self, key: str, default: Any = None, *, minimum: int = 1) -> int:
        value = self._get(key, _REQUIRED if default is None else default)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise TemplateError(f"{self.where}.{key}: expected an integer >= {minimum}")
        return value

    def str_(self, key: str, default: Any = None) -> str:
        value = self._get(key, _REQUIRED if default is None else default)
        if not isinstance(value, str):
            raise TemplateError(f"{self.where}.{key}: expected a string, got {value!r}")
        return value

    def bool_(self, key: str, default: bool) -> bool:
        value = self._get(key, default)
        if not isinstance(value, bool):
            raise TemplateError(f"{self.where}.{key}: expected true or false, got {value!r}")
        return value

    def str_list(self, key: str) -> tuple[str, ...]:
        value = self._get(key, _REQUIRED)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise TemplateError(f"{self.where}.{key}: expected a non-empty list of strings")
        return tuple(value)

    def table(self, key: str) -> _Table:
        return _Table(self._get(key, _REQUIRED), f"{self.where}.{key}")

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise TemplateError(f"{self.where}: unknown key(s) {unknown} (see labels/README.md)")


_REQUIRED: Final = object()


def _format_fields(text: str, kind: str, where: str) -> tuple[str, ...]:
    """Field names used by a format string; only bare names of the record are allowed."""
    names: list[str] = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise TemplateError(f"{where}: bad text {text!r}: {exc}") from exc
    for _literal, field_name, spec, _conversion in parsed:
        if field_name is None:
            continue
        # Attribute and index access would let a template reach into Python objects.
        if not field_name.isidentifier() or field_name not in FIELDS_BY_KIND[kind]:
            allowed = ", ".join(sorted(FIELDS_BY_KIND[kind]))
            raise TemplateError(f"{where}: unknown field {{{field_name}}}; allowed: {allowed}")
        if spec and "{" in spec:
            raise TemplateError(f"{where}: nested fields are not allowed in {text!r}")
        names.append(field_name)
    return tuple(dict.fromkeys(names))


def _when(t: _Table, kind: str) -> str | None:
    value = t.str_("when", "")
    if not value:
        return None
    if value not in FLAGS_BY_KIND[kind]:
        raise TemplateError(
            f"{t.where}.when: {value!r} is not a flag of {kind} records "
            f"(flags: {sorted(FLAGS_BY_KIND[kind]) or 'none'})"
        )
    return value


def _field(t: _Table, key: str, default: str, kind: str) -> str:
    value = t.str_(key, default)
    if value not in FIELDS_BY_KIND[kind]:
        raise TemplateError(f"{t.where}.{key}: {value!r} is not a field of {kind} records")
    return value


def _align(t: _Table) -> str:
    value = t.str_("align", "left")
    if value not in _ALIGNS:
        raise TemplateError(f"{t.where}.align: one of {_ALIGNS}, got {value!r}")
    return value


def _parse_element(t: _Table, kind: str) -> Element:
    etype = t.str_("type")
    if etype == "text":
        size = t.num("size_pt", minimum=3)
        text = t.str_("text")
        return TextElement(
            x_mm=t.num("x_mm"),
            y_mm=t.num("y_mm"),
            width_mm=t.num("width_mm", minimum=1),
            text=text,
            size_pt=size,
            min_size_pt=t.num("min_size_pt", size, minimum=3),
            max_lines=t.int_("max_lines", 1),
            line_height=t.num("line_height", 1.2, minimum=0.8),
            align=_align(t),
            bold=t.bool_("bold", False),
            white=t.bool_("white", False),
            when=_when(t, kind),
            fields=_format_fields(text, kind, t.where),
        )
    if etype == "qr":
        ec = t.str_("ec_level", "M")
        if ec not in ("L", "M", "Q", "H"):
            raise TemplateError(f"{t.where}.ec_level: one of L, M, Q, H")
        return QrElement(
            x_mm=t.num("x_mm"),
            y_mm=t.num("y_mm"),
            size_mm=t.num("size_mm", minimum=5),
            field=_field(t, "field", "uri", kind),
            ec_level=ec,
        )
    if etype == "ean13":
        return Ean13Element(
            x_mm=t.num("x_mm"),
            y_mm=t.num("y_mm"),
            module_mm=t.num("module_mm", 0.33, minimum=0.1),
            bar_height_mm=t.num("bar_height_mm", minimum=3),
            digits_size_pt=t.num("digits_size_pt", 8, minimum=3),
            field=_field(t, "field", "gtin13", kind),
            when=_when(t, kind),
        )
    if etype == "gs1_128":
        ais = t.str_list("ais")
        for ai in ais:
            if ai not in AI_SPECS or ai not in AI_FIELDS:
                raise TemplateError(f"{t.where}.ais: AI {ai!r} not supported ({sorted(AI_FIELDS)})")
            if AI_FIELDS[ai] not in FIELDS_BY_KIND[kind]:
                raise TemplateError(f"{t.where}.ais: AI {ai} has no data in {kind} records")
        module = t.num("module_mm", 0.33, minimum=0.1)
        return Gs1_128Element(
            x_mm=t.num("x_mm"),
            y_mm=t.num("y_mm"),
            width_mm=t.num("width_mm", minimum=10),
            module_mm=module,
            min_module_mm=t.num("min_module_mm", module, minimum=0.1),
            bar_height_mm=t.num("bar_height_mm", minimum=3),
            ais=ais,
            hri_size_pt=t.num("hri_size_pt", 8, minimum=3),
        )
    if etype == "box":
        return BoxElement(
            x_mm=t.num("x_mm"),
            y_mm=t.num("y_mm"),
            width_mm=t.num("width_mm"),
            height_mm=t.num("height_mm"),
            stroke_mm=t.num("stroke_mm", 0.25),
            fill=t.bool_("fill", False),
            radius_mm=t.num("radius_mm", 0.0),
            when=_when(t, kind),
        )
    if etype == "line":
        return LineElement(
            x1_mm=t.num("x1_mm"),
            y1_mm=t.num("y1_mm"),
            x2_mm=t.num("x2_mm"),
            y2_mm=t.num("y2_mm"),
            stroke_mm=t.num("stroke_mm", 0.25, minimum=0.01),
            when=_when(t, kind),
        )
    if etype == "mark":
        return MarkElement(
            x_mm=t.num("x_mm"),
            y_mm=t.num("y_mm"),
            width_mm=t.num("width_mm", minimum=1),
            height_mm=t.num("height_mm", minimum=1),
            text=t.str_("text"),
            size_pt=t.num("size_pt", minimum=3),
            solid=t.bool_("solid", True),
            radius_mm=t.num("radius_mm", 1.0),
            when=_when(t, kind),
        )
    if etype == "checklist":
        items = t.str_list("items")
        if len(items) != PROMISE_COUNT:
            raise TemplateError(f"{t.where}.items: need exactly {PROMISE_COUNT} items")
        return ChecklistElement(
            x_mm=t.num("x_mm"),
            y_mm=t.num("y_mm"),
            width_mm=t.num("width_mm", minimum=10),
            items=items,
            field=_field(t, "field", "promises", kind),
            size_pt=t.num("size_pt", minimum=3),
            line_height=t.num("line_height", 1.3, minimum=0.8),
            item_gap_mm=t.num("item_gap_mm", 1.0),
        )
    raise TemplateError(
        f"{t.where}.type: unknown element type {etype!r} "
        "(text, qr, ean13, gs1_128, box, line, mark, checklist)"
    )


def _element_box(e: Element) -> tuple[float, float, float, float]:
    """Outer box (x, y, w, h) of an element where it is known from the template alone."""
    if isinstance(e, QrElement):
        return e.x_mm, e.y_mm, e.size_mm, e.size_mm
    if isinstance(e, BoxElement | MarkElement):
        return e.x_mm, e.y_mm, e.width_mm, e.height_mm
    if isinstance(e, TextElement | ChecklistElement):
        return e.x_mm, e.y_mm, e.width_mm, 0.0
    if isinstance(e, Gs1_128Element):
        return e.x_mm, e.y_mm, e.width_mm, e.bar_height_mm
    if isinstance(e, LineElement):
        return (
            min(e.x1_mm, e.x2_mm),
            min(e.y1_mm, e.y2_mm),
            abs(e.x2_mm - e.x1_mm),
            abs(e.y2_mm - e.y1_mm),
        )
    # EAN-13 width depends on the printer-dot X-dimension; checked at render time.
    return e.x_mm, e.y_mm, 0.0, e.bar_height_mm


TRADE_ITEMS = ("pack", "case")


def parse_template(data: dict[str, Any], name: str, source: str = "") -> LabelTemplate:
    """Build a LabelTemplate from parsed TOML ``data``; raises TemplateError on any problem."""
    where = source or name
    root = _Table(data, where)
    declared = root.str_("name")
    if declared != name:
        raise TemplateError(f"{where}: name = {declared!r} must match the file name {name!r}")
    kind = root.str_("kind", "pack")
    if kind not in FIELDS_BY_KIND:
        raise TemplateError(f"{where}.kind: one of {sorted(FIELDS_BY_KIND)}, got {kind!r}")
    title = root.str_("title")
    trade_item = root.str_("trade_item", "pack")
    if trade_item not in TRADE_ITEMS:
        raise TemplateError(f"{where}.trade_item: one of {list(TRADE_ITEMS)}, got {trade_item!r}")
    page = root.table("page")
    grid = root.table("grid")
    printer = root.table("printer")
    raw_elements = root._get("elements", _REQUIRED)
    root.done()
    if not isinstance(raw_elements, list) or not raw_elements:
        raise TemplateError(f"{where}: [[elements]] must list at least one element")
    parsed: list[Element] = []
    for i, raw in enumerate(raw_elements):
        table = _Table(raw, f"{where}.elements[{i}]")
        parsed.append(_parse_element(table, kind))
        table.done()
    elements = tuple(parsed)

    tpl = LabelTemplate(
        name=name,
        title=title,
        kind=kind,
        page_width_mm=page.num("width_mm", minimum=10),
        page_height_mm=page.num("height_mm", minimum=10),
        cols=grid.int_("cols", 1),
        rows=grid.int_("rows", 1),
        label_width_mm=grid.num("label_width_mm", minimum=10),
        label_height_mm=grid.num("label_height_mm", minimum=10),
        margin_left_mm=grid.num("margin_left_mm", 0.0),
        margin_top_mm=grid.num("margin_top_mm", 0.0),
        gap_x_mm=grid.num("gap_x_mm", 0.0),
        gap_y_mm=grid.num("gap_y_mm", 0.0),
        dpi=printer.int_("dpi", minimum=72),
        min_qr_module_dots=printer.int_("min_qr_module_dots", 3),
        min_qr_module_mm=printer.num("min_qr_module_mm", 0.25, minimum=0.1),
        min_bar_module_dots=printer.int_("min_bar_module_dots", 2),
        elements=elements,
        source=source,
        trade_item=trade_item,
    )
    page.done()
    grid.done()
    printer.done()
    _check_geometry(tpl, where)
    if tpl.kind == "pack" and not any(isinstance(e, QrElement) for e in elements):
        raise TemplateError(f"{where}: a pack template needs a qr element (one code per pack)")
    return tpl


def _check_geometry(t: LabelTemplate, where: str) -> None:
    right = t.margin_left_mm + t.cols * t.label_width_mm + (t.cols - 1) * t.gap_x_mm
    bottom = t.margin_top_mm + t.rows * t.label_height_mm + (t.rows - 1) * t.gap_y_mm
    if right > t.page_width_mm + _EPS or bottom > t.page_height_mm + _EPS:
        raise TemplateError(
            f"{where}: {t.cols}x{t.rows} labels end at {right:.2f} x {bottom:.2f} mm, "
            f"outside the {t.page_width_mm} x {t.page_height_mm} mm page"
        )
    for i, e in enumerate(t.elements):
        x, y, w, h = _element_box(e)
        if x + w > t.label_width_mm + _EPS or y + h > t.label_height_mm + _EPS:
            raise TemplateError(
                f"{where}.elements[{i}] ({type(e).__name__}) reaches {x + w:.2f} x {y + h:.2f} mm, "
                f"outside the {t.label_width_mm} x {t.label_height_mm} mm label"
            )


def _template_path(name: str, directory: Path | None) -> Path:
    if not _NAME_RE.fullmatch(name):
        raise TemplateError(f"template name {name!r} must be lowercase letters, digits and '-'")
    return (directory or default_labels_dir()) / f"{name}.toml"


def load_template(name: str = DEFAULT_TEMPLATE, directory: Path | None = None) -> LabelTemplate:
    """Load ``labels/<name>.toml``. Raises TemplateError if it is missing or invalid."""
    path = _template_path(name, directory)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        known = ", ".join(t.name for t in list_templates(directory)) or "none"
        raise TemplateError(f"no label template {name!r} (known: {known})") from None
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"{path.name}: invalid TOML: {exc}") from exc
    return parse_template(data, name, source=path.name)


def _template_files(directory: Path | None) -> Iterator[Path]:
    folder = directory or default_labels_dir()
    if folder.is_dir():
        yield from sorted(folder.glob("*.toml"))


def list_templates(directory: Path | None = None) -> list[LabelTemplate]:
    """Every valid template in ``labels/``, sorted by name (invalid files raise TemplateError)."""
    return [load_template(p.stem, directory) for p in _template_files(directory)]
