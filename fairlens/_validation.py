"""Option checks shared by every analysis (in the style of scikit-learn's ``_param_validation``).

Each check returns the cleaned value or raises :class:`FairLensInputError` with a message
generated here, once, from the option's name: what is wrong and what would be accepted.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from typing import Any, Literal

from fairlens.data._errors import FairLensInputError

MSG_CHOICE = "{name} must be one of {choices}; got {value!r}."
MSG_INT = "{name} must be a whole number{bounds}; got {value!r}."
MSG_NUMBER = "{name} must be a number{bounds}; got {value!r}."

Closed = Literal["both", "left", "right", "neither"]


def check_choice(name: str, value: Any, choices: Iterable[Any]) -> Any:
    """``value`` when it is one of ``choices``.

    Parameters
    ----------
    name : str
        The option's name as the user knows it (``"error"``, ``"method"`` ...).
    value : Any
    choices : iterable
        The accepted values (a dict's keys work).

    Raises
    ------
    FairLensInputError
        ``<name> must be one of <choices>; got <value>.``
    """
    options = list(choices)
    if value not in options:
        raise FairLensInputError(MSG_CHOICE.format(
            name=name, value=value, choices=", ".join(map(str, options))))
    return value


def _bounds(low: float | None, high: float | None, closed: Closed) -> str:
    if low is None and high is None:
        return ""
    left = closed in ("both", "left")
    right = closed in ("both", "right")
    if low is not None and high is not None:
        if left and right:
            return f" between {low:g} and {high:g}"
        return (f" in {'[' if left else '('}{low:g}, {high:g}{']' if right else ')'}")
    if low is not None:
        return f" of at least {low:g}" if left else f" greater than {low:g}"
    return f" of at most {high:g}" if right else f" less than {high:g}"


def _inside(v: float, low: float | None, high: float | None, closed: Closed) -> bool:
    if low is not None and (v < low or (v == low and closed not in ("both", "left"))):
        return False
    return not (high is not None and (v > high or (v == high and closed not in ("both",
                                                                                "right"))))


def check_int(name: str, value: Any, *, low: int | None = None, high: int | None = None) -> int:
    """``value`` as an int in ``[low, high]`` (bounds optional, inclusive).

    Booleans and non-integral floats are refused; ``3.0`` is accepted as 3.
    """
    bounds = _bounds(low, high, "both")
    if isinstance(value, bool):
        raise FairLensInputError(MSG_INT.format(name=name, bounds=bounds, value=value))
    try:
        number = float(value)
        as_int = int(number)
    except (TypeError, ValueError, OverflowError):
        raise FairLensInputError(MSG_INT.format(name=name, bounds=bounds, value=value)) from None
    if number != as_int or not _inside(as_int, low, high, "both"):
        raise FairLensInputError(MSG_INT.format(name=name, bounds=bounds, value=value))
    return as_int


def check_interval(name: str, value: Any, *, low: float | None = None,
                   high: float | None = None, closed: Closed = "both") -> float:
    """``value`` as a finite float inside the interval from ``low`` to ``high``.

    ``closed`` says which ends belong to it (``"both"``, ``"left"``, ``"right"``,
    ``"neither"``).
    """
    bounds = _bounds(low, high, closed)
    if isinstance(value, bool):
        raise FairLensInputError(MSG_NUMBER.format(name=name, bounds=bounds, value=value))
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise FairLensInputError(MSG_NUMBER.format(name=name, bounds=bounds,
                                                   value=value)) from None
    if math.isnan(number) or math.isinf(number) or not _inside(number, low, high, closed):
        raise FairLensInputError(MSG_NUMBER.format(name=name, bounds=bounds, value=value))
    return number


def env_limit(variable: str, default: int) -> int:
    """A resource budget: ``$variable`` when it holds a positive whole number, else ``default``.

    Read when called, so that a server or a test can change a budget without a restart.
    """
    text = os.environ.get(variable, "").strip().replace("_", "").replace(",", "")
    return int(text) if text.isdigit() and int(text) > 0 else default
