"""Label templates are data: the shipped ones load, bad ones fail with a pointed message."""

from __future__ import annotations

import io
import tomllib
from pathlib import Path

import pytest

from tests.printing.conftest import make_labels
from trace.printing import (
    DEFAULT_TEMPLATE,
    TemplateError,
    list_templates,
    load_template,
    render_sheet_pdf,
)
from trace.printing.fonts import LabelFont
from trace.printing.templates import QrElement, default_labels_dir

SHIPPED = {"a4-3x8", "a4-2x5", "thermal-60x40", "carton-100x150", "compliance-cert"}


def test_shipped_templates_load() -> None:
    templates = {t.name: t for t in list_templates()}
    assert set(templates) >= SHIPPED
    assert DEFAULT_TEMPLATE == "a4-3x8"
    a4 = templates["a4-3x8"]
    assert (a4.page_width_mm, a4.page_height_mm) == (210.0, 297.0)
    assert (a4.cols, a4.rows, a4.label_width_mm, a4.label_height_mm) == (3, 8, 70.0, 37.0)
    assert a4.labels_per_page == 24
    assert a4.label_origin_mm(4) == (70.0, 37.5)  # row 1, column 1: pitch 70 x 37
    assert templates["a4-2x5"].labels_per_page == 10
    assert templates["compliance-cert"].kind == "certificate"
    for t in templates.values():
        assert any(isinstance(e, QrElement) for e in t.elements), t.name


def _a4_data() -> dict:
    with (default_labels_dir() / "a4-3x8.toml").open("rb") as fh:
        return tomllib.load(fh)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / f"{name}.toml").write_text(text, encoding="utf-8")
    return tmp_path


def _dump(data: dict) -> str:
    """Tiny TOML writer for the subset templates use (tables, arrays of tables, scalars)."""

    def scalar(v: object) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, list):
            return "[" + ", ".join(scalar(x) for x in v) + "]"
        return repr(v)

    lines = [f"{k} = {scalar(v)}" for k, v in data.items() if not isinstance(v, dict | list)]
    for k, v in data.items():
        if isinstance(v, dict):
            lines.append(f"[{k}]")
            lines += [f"{kk} = {scalar(vv)}" for kk, vv in v.items()]
    for k, v in data.items():
        if isinstance(v, list) and v and isinstance(v[0], dict):
            for item in v:
                lines.append(f"[[{k}]]")
                lines += [f"{kk} = {scalar(vv)}" for kk, vv in item.items()]
    return "\n".join(lines) + "\n"


def test_a_new_template_needs_no_code(tmp_path: Path, label_font: LabelFont) -> None:
    data = _a4_data()
    data["name"] = "a4-3x7-shop"
    data["title"] = "A4 3×7 shop labels"
    data["grid"].update(rows=7, label_height_mm=42.3, margin_top_mm=0.0)
    directory = _write(tmp_path, "a4-3x7-shop", _dump(data))
    assert [t.name for t in list_templates(directory)] == ["a4-3x7-shop"]
    template = load_template("a4-3x7-shop", directory)
    out = io.BytesIO()
    assert render_sheet_pdf(template, make_labels(22), out) == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["grid"].update(cols=4), "outside the 210.0 x 297.0 mm page"),
        (lambda d: d["elements"][0].update(size_mm=40.0), "outside the 70.0 x 37.0 mm label"),
        (lambda d: d["elements"][2].update(text="{nickname}"), "unknown field {nickname}"),
        (lambda d: d["elements"][2].update(text="{lot.__class__}"), "unknown field"),
        (lambda d: d["elements"][2].update(text="{lot[0]}"), "unknown field"),
        (lambda d: d["elements"][2].update(colour="red"), "unknown key(s) ['colour']"),
        (lambda d: d["elements"][8].update(when="organic"), "is not a flag"),
        (lambda d: d["elements"].append({"type": "sticker"}), "unknown element type"),
        (lambda d: d["printer"].pop("dpi"), "missing required key 'dpi'"),
        (lambda d: d["grid"].update(cols="3"), "expected an integer"),
        (lambda d: d.update(name="other"), "must match the file name"),
        (lambda d: d.update(kind="certificate"), "unknown field {code}"),
        (
            lambda d: d.__setitem__("elements", [e for e in d["elements"] if e["type"] != "qr"]),
            "needs a qr element",
        ),
    ],
)
def test_invalid_templates_are_rejected(tmp_path: Path, change, message: str) -> None:
    data = _a4_data()
    change(data)
    directory = _write(tmp_path, "a4-3x8", _dump(data))
    with pytest.raises(TemplateError) as info:
        load_template("a4-3x8", directory)
    assert message in str(info.value)


def test_unknown_and_unsafe_names(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match=r"no label template 'a4-9x9'.*a4-3x8"):
        load_template("a4-9x9")
    with pytest.raises(TemplateError, match="lowercase letters"):
        load_template("../../etc/passwd")
    (tmp_path / "broken.toml").write_text("name = [", encoding="utf-8")
    with pytest.raises(TemplateError, match="invalid TOML"):
        load_template("broken", tmp_path)
