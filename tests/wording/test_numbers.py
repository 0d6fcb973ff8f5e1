"""Number, interval and count formats: one implementation for pages, report and CLI."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from fairlens.wording import UNDEFINED, fmt, fmt_ci, fmt_int, is_missing, md, plain


@pytest.mark.parametrize("value", [None, float("nan"), np.nan, np.float32("nan"), "nan"])
def test_undefined_values_are_a_dash(value):
    assert is_missing(value)
    assert fmt(value) == UNDEFINED == "-"
    assert fmt_int(value) == "-"
    assert fmt_ci(value, 0.1, 0.2) == "-"


@pytest.mark.parametrize("value", [0, 0.0, 1, np.int64(3), np.float64(0.5), "0.25", "abc", True])
def test_defined_values_are_not_missing(value):
    assert not is_missing(value)


def test_numbers_intervals_and_counts():
    assert fmt(0.58791) == "0.588"
    assert fmt(np.float64(0.58791), 2) == "0.59"
    assert fmt_ci(0.5879, 0.5712, 0.6041) == "0.588 [0.571, 0.604]"
    assert fmt_ci(0.5879, 0.5712, 0.6041, digits=2) == "0.59 [0.57, 0.60]"
    assert fmt_ci(0.5879, None, 0.6) == "0.588"
    assert fmt_ci(0.5879, math.nan, math.nan) == "0.588"
    assert fmt_int(7214) == "7,214"
    assert fmt_int(np.int64(1234567)) == "1,234,567"
    assert fmt_int(12.0) == "12"


def test_markdown_escaping_and_plain_text():
    assert md("[click](http://x)") == "\\[click\\]\\(http\u2060\\://x\\)"
    # no GFM autolink: its URL and e-mail patterns are broken by an invisible word joiner
    for text in ("http://a.b/x.png", "HTTPS://a.b", "www.a.com", "me@a.com"):
        assert not re.search(r"(?i)https?://|www\.|\w@\w", md(text).replace("\\", ""))
        assert md(text).replace("\u2060", "").replace("\\", "") == text
    assert md("a\n# HEAD\n---") == r"a \# HEAD \-\-\-"
    assert md(":red[x] 1. a_b <b>") == r"\:red\[x\] 1\. a\_b \<b\>"
    assert md("$x$ *y*") == r"\$x\$ \*y\*"
    assert plain("By **race**: the rule **fails**.") == "By race: the rule fails."
    assert plain("no markers") == "no markers"


def test_names_lists_values_for_a_person():
    from fairlens.wording import names

    assert names([]) == ""
    assert names(["Asian"]) == "Asian"
    assert names(["Asian", "Native American"]) == "Asian and Native American"
    assert names(["a", "b", "c"]) == "a, b and c"
