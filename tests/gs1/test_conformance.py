"""Every vector in GS1's conformance files (from gs1/gs1-syntax-engine) against trace.gs1."""

from __future__ import annotations

from typing import Any, get_args

import pytest

from tests.gs1.vectors import VECTOR_TODAY, case_ids, cases, skip_vector
from trace import gs1

PARSE = "gs1_dl_parse.json"
GENERATE = "gs1_dl_generate.json"
ESCAPE = "gs1_uri_escape.json"
UNESCAPE = "gs1_uri_unescape.json"
AI_PARSE = "gs1_ai_parse.json"
LINTERS = "gs1_linters.json"

# Engine options the vectors set, and our keyword argument for each (value mapped through).
_OPTIONS: dict[str, tuple[str, bool]] = {
    "permitUnknownAIs": ("permit_unknown_ais", False),
    "validateUnknownAINotDLAttr": ("allow_unknown_ai_attributes", True),  # inverted
    "permitZeroSuppressedGTINinDLuris": ("permit_zero_suppressed_gtin", False),
    "permitConvenienceAlphas": ("permit_convenience_alphas", False),
}


def _kwargs(file: str, options: dict[str, bool], accepted: set[str]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    for option, value in options.items():
        if option not in _OPTIONS:
            skip_vector(file, option)
        name, inverted = _OPTIONS[option]
        if name in accepted:
            kwargs[name] = value != inverted
        elif value:  # an option we cannot pass to this function, yet the vector turns it on
            skip_vector(file, option)
    return kwargs


_PARSE_ARGS = {
    "permit_unknown_ais",
    "allow_unknown_ai_attributes",
    "permit_zero_suppressed_gtin",
    "permit_convenience_alphas",
}
_GENERATE_ARGS = {"permit_unknown_ais", "allow_unknown_ai_attributes"}


def _pairs(ais: list[list[str]]) -> list[tuple[str, str]]:
    return [(ai, value) for ai, value in ais]


@pytest.mark.parametrize("case", cases(PARSE), ids=case_ids(PARSE, "uri"))
def test_dl_parse(case: dict[str, Any]) -> None:
    kwargs = _kwargs(PARSE, case["options"], _PARSE_ARGS)
    # The GS1 engine refuses a trailing "/"; our parser tolerates one by default.
    kwargs["allow_trailing_slash"] = False
    if not case["valid"]:
        with pytest.raises(gs1.DigitalLinkError) as caught:
            gs1.parse_digital_link(case["uri"], **kwargs)
        assert caught.value.kind in get_args(gs1.DLErrorKind)
        if caught.value.ai is not None:
            assert f"({caught.value.ai})" in str(caught.value)
        return
    link = gs1.parse_digital_link(case["uri"], **kwargs)
    expected = _pairs(case["expected_ais"])
    assert list(link.ais) == expected
    assert link.to_element_string("^", leading_fnc1=True) == case["expected_element_string"]
    # The canonical URI we would print parses back to the same data.
    assert gs1.parse_digital_link(link.to_uri(), **kwargs).ais == link.ais
    if all(ai in gs1.AI_TABLE for ai, _ in expected):
        element = case["expected_element_string"]
        assert gs1.parse_element_string(element, fnc1="^") == expected


@pytest.mark.parametrize("case", cases(GENERATE), ids=case_ids(GENERATE, "ai_data"))
def test_dl_generate(case: dict[str, Any]) -> None:
    kwargs = _kwargs(GENERATE, case["options"], _GENERATE_ARGS)
    if not case["valid"]:
        with pytest.raises(gs1.DigitalLinkError):
            gs1.digital_link_from_ais(case["ai_data"], case["stem"], **kwargs)
        return
    uri = gs1.digital_link_from_ais(case["ai_data"], case["stem"], **kwargs)
    assert uri == case["expected_uri"]
    unknown = kwargs.get("permit_unknown_ais", False)
    given = set(gs1.parse_ai_data(case["ai_data"], permit_unknown_ais=unknown))
    parse_kwargs = {k: v for k, v in kwargs.items() if k in _PARSE_ARGS}
    assert set(gs1.parse_digital_link(uri, **parse_kwargs).ais) == given


@pytest.mark.parametrize("case", cases(ESCAPE), ids=case_ids(ESCAPE, "input"))
def test_uri_escape(case: dict[str, Any]) -> None:
    assert gs1.escape_value(case["input"]) == case["path_component"]
    assert gs1.escape_value(case["input"], query=True) == case["query_component"]
    assert gs1.unescape_value(case["path_component"]) == case["input"]
    assert gs1.unescape_value(case["query_component"], query=True) == case["input"]


@pytest.mark.parametrize("case", cases(UNESCAPE), ids=case_ids(UNESCAPE, "input"))
def test_uri_unescape(case: dict[str, Any]) -> None:
    assert gs1.unescape_value(case["input"]) == case["path_component"]
    assert gs1.unescape_value(case["input"], query=True) == case["query_component"]


@pytest.mark.parametrize("case", cases(AI_PARSE), ids=case_ids(AI_PARSE, "ai_data"))
def test_ai_element_string(case: dict[str, Any]) -> None:
    if case["options"]:
        skip_vector(AI_PARSE, ", ".join(case["options"]))
    if not case["valid"]:
        with pytest.raises(gs1.GS1Error):
            gs1.parse_ai_data(case["ai_data"])
        return
    pairs = gs1.parse_ai_data(case["ai_data"])
    assert pairs == _pairs(case["expected_ais"])
    element = gs1.element_string(pairs, fnc1="^", leading_fnc1=True)
    assert element == case["expected_element_string"]
    assert gs1.parse_element_string(element, fnc1="^") == pairs


@pytest.mark.parametrize("case", cases(LINTERS), ids=case_ids(LINTERS, "data", "linter"))
def test_linter(case: dict[str, Any]) -> None:
    name = case["linter"].removeprefix("lint_")
    if name not in gs1.LINTER_NAMES:
        skip_vector(LINTERS, f"linter {name}")
    if case["valid"]:
        gs1.lint(name, case["data"], today=VECTOR_TODAY)
        return
    with pytest.raises(gs1.GS1Error) as caught:
        gs1.lint(name, case["data"], today=VECTOR_TODAY)
    assert caught.value.code == case["error"].removeprefix("GS1_LINTER_")


@pytest.mark.parametrize("file", [PARSE, GENERATE, AI_PARSE])
def test_every_vector_option_is_supported(file: str) -> None:
    """No vector needs an option we lack, so none of the tests above is skipped for one."""
    used = {option for case in cases(file) for option in case.get("options", {})}
    assert used <= set(_OPTIONS)
