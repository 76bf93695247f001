"""numnet._validate.check_number: the one check of every numeric option (learning rates,
momenta, eps, slopes, factors). Each error names the caller, the option and the value."""

import numpy as np
import pytest

from numnet._validate import check_number


@pytest.mark.parametrize(
    ("value", "bounds", "expected"),
    [
        (0.5, {}, 0.5),
        (-3, {}, -3.0),
        (np.float32(0.25), {"low": 0}, 0.25),
        (np.int64(2), {"low": 0, "open_low": True}, 2.0),
        (0.0, {"low": 0}, 0.0),
        (1.0, {"low": 0, "high": 1}, 1.0),
    ],
)
def test_accepted_values_come_back_as_floats(value, bounds, expected):
    result = check_number("Who", "x", value, **bounds)
    assert type(result) is float and result == expected


@pytest.mark.parametrize(
    ("value", "bounds", "message"),
    [
        (0.0, {"low": 0, "open_low": True}, r"Who: x must be > 0, got 0\.0"),
        (-0.5, {"low": 0}, r"Who: x must be >= 0, got -0\.5"),
        (1.0, {"low": 0, "high": 1, "open_high": True}, r"Who: x must be in \[0, 1\), got 1\.0"),
        (0.0, {"low": 0, "open_low": True, "high": 1}, r"Who: x must be in \(0, 1\], got 0\.0"),
        (2.0, {"high": 1}, r"Who: x must be <= 1, got 2\.0"),
        (float("nan"), {}, "Who: x must be finite, got nan"),
        (float("-inf"), {"low": 0}, "Who: x must be finite, got -inf"),
    ],
)
def test_values_out_of_range_or_not_finite_are_value_errors(value, bounds, message):
    with pytest.raises(ValueError, match=message):
        check_number("Who", "x", value, **bounds)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (True, r"True \(bool\)"),
        ("0.1", r"'0\.1' \(str\)"),
        (None, r"None \(NoneType\)"),
        (np.array([0.1]), r"\(ndarray\)"),
    ],  # fmt: skip
)
def test_non_numbers_are_type_errors(value, shown):
    with pytest.raises(TypeError, match=f"Who: x must be a real number, got .*{shown}"):
        check_number("Who", "x", value)
