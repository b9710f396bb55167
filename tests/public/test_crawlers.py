"""Crawlers and link previews get the scan page but never count (trace/crawlers.tsv, one test
per entry), and the phones people scan with are never taken for one."""

from __future__ import annotations

import pytest

from trace.crawlers import is_crawler, known_crawlers

JSON = {"Accept": "application/json"}
CRAWLERS = known_crawlers()
PHONES = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Mobile/15E148 MicroMessenger/8.0.42(0x18002a2f) NetType/WIFI Language/zh_CN",
    "Mozilla/5.0 (Linux; Android 13; V2203A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, "
    "like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 AlipayClient/10.5.3",
    "Mozilla/5.0 (Linux; Android 12; Cubot X30) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; U; Android 12; zh-cn; 22081212C Build/SKQ1.220303.001) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/100.0.4896.127 Mobile Safari/537.36 XiaoMi/MiuiBrowser",
    "Mozilla/5.0 (Linux; Android 10; HMA-AL00) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/99.0.4844.88 HuaweiBrowser/14.0.1.300 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Mobile/15E148 QQ/8.9.80.623 V1_IPH_SQ_8.9.80_1_APP_A Pixel/1170 Core/WKWebView",
]


def test_the_list_is_data_with_one_sample_each():
    names = [c.name for c in CRAWLERS]
    assert len(names) == len(set(names)) and len(names) >= 20
    for required in ("Baiduspider", "Sogou", "360Spider", "YisouSpider", "Bytespider",
                     "Googlebot", "bingbot", "facebookexternalhit", "Twitterbot", "Slackbot",
                     "TelegramBot", "WhatsApp"):  # fmt: skip
        assert required in names


@pytest.mark.parametrize("crawler", CRAWLERS, ids=[c.name for c in CRAWLERS])
def test_each_crawler_is_recognised_and_never_counts(crawler, client, labelled):
    assert crawler.token.lower() in crawler.sample.lower() and is_crawler(crawler.sample)
    serial = labelled.serials[0]
    seen = client.get(f"/scan/{serial}", headers={**JSON, "User-Agent": crawler.sample})
    assert seen.status_code == 200 and seen.get_json()["scan_count"] == 0
    page = client.get(f"/scan/{serial}", headers={"User-Agent": crawler.sample})
    assert page.status_code == 200 and 'data-verdict="genuine"' in page.get_data(as_text=True)
    buyer = client.get(f"/scan/{serial}", headers={**JSON, "User-Agent": PHONES[0]}).get_json()
    assert buyer["verdict"] == "genuine" and buyer["scan_count"] == 1


@pytest.mark.parametrize("user_agent", PHONES)
def test_phones_are_not_crawlers(user_agent):
    assert not is_crawler(user_agent)
