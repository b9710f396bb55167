"""QR matrices: error correction M, standard mask choice, readable by zxing-cpp (whose encoder
makes them) AND by zbar, a decoder independent of it (tests/readback.py)."""

from __future__ import annotations

import random

import numpy as np
import pytest
import zxingcpp

from tests.printing.conftest import CROCKFORD, pack_uri
from tests.readback import zbar_qr_texts
from trace.printing import QrEncodeError, encode_qr
from trace.printing.qr import QUIET_ZONE_MODULES, dark_runs, mask_penalty, read_format_info


def _image(modules: np.ndarray, scale: int = 4) -> np.ndarray:
    q = QUIET_ZONE_MODULES
    padded = np.pad(modules, q, constant_values=False)
    img = np.where(padded, 0, 255).astype(np.uint8)
    return np.kron(img, np.ones((scale, scale), dtype=np.uint8))


def _samples(n: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        serial = "".join(rng.choice(CROCKFORD) for _ in range(10))
        uri = pack_uri(
            serial, lot=f"DY2{rng.randint(1, 12):02d}HT2509{rng.randint(1, 30):02d}-{i:03d}"
        )
        # Vary length and content so several versions (incl. >= 7 with version info) occur.
        out.append(uri if i % 3 else uri + "?17=260914&x=" + serial * rng.randint(1, 25))
    return out


def test_default_is_error_correction_m_and_decodes_to_the_uri() -> None:
    for uri in _samples(40):
        qr = encode_qr(uri)
        assert qr.ec_level == "M"
        assert read_format_info(qr.modules) == ("M", qr.mask)
        assert qr.size == 17 + 4 * qr.version
        image = _image(qr.modules)
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        assert [b.text for b in found] == [uri]
        assert found[0].ec_level == "M"
        assert zbar_qr_texts(image) == [uri]  # the independent decoder agrees


def test_pack_uri_fits_a_small_version() -> None:
    # Mixed byte/alphanumeric segments keep an 80-character pack URI at version 4 (33 modules).
    assert encode_qr(pack_uri("7K3M9QWXZ2")).version <= 5


@pytest.mark.parametrize("ec", ["L", "M", "Q", "H"])
def test_chosen_mask_has_the_lowest_iso_penalty(ec: str) -> None:
    # The encoder must evaluate all 8 masks with N1-N4; re-encode with each mask forced and
    # score them with our independent scorer: the automatic choice is the first minimum.
    for data in _samples(15, seed=100 + "LMQH".index(ec)):
        auto = encode_qr(data, ec)
        penalties = [mask_penalty(encode_qr(data, ec, mask=k).modules) for k in range(8)]
        assert auto.mask == int(np.argmin(penalties)), (data, penalties)
        assert np.array_equal(auto.modules, encode_qr(data, ec, mask=auto.mask).modules)


def test_mask_penalty_of_an_all_light_symbol() -> None:
    # 42 lines of one 21-module run: 42 * (21 - 2); 20 * 20 blocks * 3; no finder-like
    # pattern; 0 % dark is 10 steps of 5 % from 50 %.
    assert mask_penalty(np.zeros((21, 21), dtype=bool)) == 42 * 19 + 400 * 3 + 0 + 100


def test_mask_penalty_counts_finder_like_patterns_with_light_margins() -> None:
    m = np.zeros((21, 21), dtype=bool)
    m[10, 0:7] = [1, 0, 1, 1, 1, 0, 1]  # at the left edge: the outside counts as light
    base = np.zeros((21, 21), dtype=bool)
    base[10, 0:7] = [1, 1, 1, 1, 1, 1, 1]  # same dark count, no pattern
    assert mask_penalty(m) - mask_penalty(base) >= 40


def test_forced_mask_is_respected_and_bad_arguments_are_rejected() -> None:
    uri = pack_uri("0000000000")
    assert {encode_qr(uri, mask=k).mask for k in range(8)} == set(range(8))
    with pytest.raises(QrEncodeError):
        encode_qr(uri, "X")
    with pytest.raises(QrEncodeError):
        encode_qr(uri, mask=8)
    with pytest.raises(QrEncodeError):
        encode_qr("x" * 5000)  # beyond version 40


def test_dark_runs_rebuild_the_matrix() -> None:
    qr = encode_qr(pack_uri("ABCDEFGHJK"))
    rebuilt = np.zeros_like(qr.modules)
    for col, row, length in dark_runs(qr.modules).tolist():
        assert not rebuilt[row, col : col + length].any()
        rebuilt[row, col : col + length] = True
    assert np.array_equal(rebuilt, qr.modules)
