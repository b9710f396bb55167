"""QR matrices from zxing-cpp's C++ encoder (ISO 18004 mask selection) plus a numpy N1-N4 scorer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np
import zxingcpp
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from trace.printing.errors import QrEncodeError

EC_LEVELS: Final = ("L", "M", "Q", "H")
# Format-information EC bits per ISO/IEC 18004 table 12 (L=01, M=00, Q=11, H=10).
_EC_BITS: Final = {"L": 1, "M": 0, "Q": 3, "H": 2}
_FORMAT_XOR: Final = 0b101010000010010
QUIET_ZONE_MODULES: Final = 4

BoolMatrix = NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class QrMatrix:
    """A QR symbol: ``modules[row, col]`` is True for dark, without the quiet zone."""

    modules: BoolMatrix = field(repr=False, compare=False)
    version: int
    ec_level: str
    mask: int

    @property
    def size(self) -> int:
        """Modules per side, without the quiet zone."""
        return int(self.modules.shape[0])


def read_format_info(modules: BoolMatrix) -> tuple[str, int]:
    """(EC level, mask) from the format information beside the top-left finder pattern."""
    n = modules.shape[0]
    bits = 0
    # Copy 1 of the 15 format bits: down column 8 (skipping the timing row) then its lower part.
    for i in range(15):
        if i < 6:
            r = i
        elif i < 8:
            r = i + 1
        else:
            r = n - 15 + i
        bits |= int(modules[r, 8]) << i
    value = (bits ^ _FORMAT_XOR) >> 10
    ec = {v: k for k, v in _EC_BITS.items()}[value >> 3]
    return ec, value & 7


def encode_qr(data: str, ec_level: str = "M", *, mask: int | None = None) -> QrMatrix:
    """Encode ``data`` as the smallest QR symbol at ``ec_level``.

    The mask is chosen by the encoder from all eight with the ISO/IEC 18004 penalty rules
    N1-N4 unless ``mask`` forces one. Raises QrEncodeError if the data does not fit a QR code.
    """
    if ec_level not in EC_LEVELS:
        raise QrEncodeError(f"EC level must be one of {EC_LEVELS}, got {ec_level!r}")
    if mask is not None and not 0 <= mask <= 7:
        raise QrEncodeError(f"mask must be 0..7, got {mask}")
    options: dict[str, object] = {"ec_level": ec_level}
    if mask is not None:
        options["data_mask"] = mask
    try:
        barcode = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.QRCode, **options)
    except Exception as exc:  # zxing-cpp raises plain ValueError/RuntimeError subclasses
        raise QrEncodeError(f"cannot encode {len(data)} characters as QR: {exc}") from exc
    image = np.asarray(barcode.to_image(scale=1, add_quiet_zones=False))
    modules = image == 0
    n = modules.shape[0]
    if modules.ndim != 2 or n != modules.shape[1] or (n - 17) % 4:
        raise QrEncodeError(f"encoder returned a {modules.shape} image, not a QR matrix")
    got_ec, got_mask = read_format_info(modules)
    # zxing-cpp ignores unknown keyword options silently, so confirm the symbol is what we asked.
    if got_ec != ec_level or (mask is not None and got_mask != mask):
        raise QrEncodeError(
            f"encoder produced EC {got_ec}/mask {got_mask}, asked EC {ec_level}/mask {mask}"
        )
    modules.setflags(write=False)
    return QrMatrix(modules=modules, version=(n - 17) // 4, ec_level=got_ec, mask=got_mask)


_FINDER_LIKE: Final = np.array([1, 0, 1, 1, 1, 0, 1], dtype=bool)


def mask_penalty(modules: BoolMatrix) -> int:
    """ISO/IEC 18004:2015 penalty score (N1 + N2 + N3 + N4) of a complete symbol.

    N3 counts a 1:1:3:1:1 finder-like pattern once when 4 light modules precede or follow it,
    the quiet zone outside the symbol counting as light. Used to check mask selection.
    """
    m = np.asarray(modules, dtype=bool)
    n = m.shape[0]
    lines = np.concatenate([m, m.T])  # every row, then every column
    # N1: a run of k >= 5 same-colour modules scores k - 2 = (k - 4 windows of 5) + 2 per run.
    eq = lines[:, 1:] == lines[:, :-1]
    five = eq[:, :-3] & eq[:, 1:-2] & eq[:, 2:-1] & eq[:, 3:]
    run_start = five.copy()
    run_start[:, 1:] &= ~eq[:, :-4]
    n1 = int(five.sum()) + 2 * int(run_start.sum())
    # N2: 3 for each 2x2 block of one colour (blocks overlap).
    top = m[:-1, :-1]
    n2 = 3 * int(((top == m[1:, :-1]) & (top == m[:-1, 1:]) & (top == m[1:, 1:])).sum())
    # N3: pad 4 light modules each side, then test every 15-wide window: 4 + pattern 7 + 4.
    padded = np.zeros((2 * n, n + 8), dtype=bool)
    padded[:, 4 : n + 4] = lines
    win = sliding_window_view(padded, 15, axis=1)
    core = (win[:, :, 4:11] == _FINDER_LIKE).all(axis=2)
    light_before = ~win[:, :, 0:4].any(axis=2)
    light_after = ~win[:, :, 11:15].any(axis=2)
    n3 = 40 * int((core & (light_before | light_after)).sum())
    # N4: 10 per full 5% step away from half dark.
    dark_percent = 100.0 * int(m.sum()) / (n * n)
    n4 = 10 * int(abs(dark_percent - 50.0) / 5.0)
    return n1 + n2 + n3 + n4


def dark_runs(modules: BoolMatrix) -> NDArray[np.int32]:
    """Horizontal runs of dark modules as rows of (col, row, length), row-major order."""
    m = np.asarray(modules, dtype=np.int8)
    n_rows, n_cols = m.shape
    padded = np.zeros((n_rows, n_cols + 2), dtype=np.int8)
    padded[:, 1:-1] = m
    d = np.diff(padded, axis=1)
    starts = np.argwhere(d == 1)
    ends = np.argwhere(d == -1)
    out = np.empty((len(starts), 3), dtype=np.int32)
    out[:, 0] = starts[:, 1]
    out[:, 1] = starts[:, 0]
    out[:, 2] = ends[:, 1] - starts[:, 1]
    return out
