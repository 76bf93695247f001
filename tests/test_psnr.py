"""PSNR against hand-computed cases, identical images (inf, no warning), integer images,
per-sample values, scikit-image when installed, and bad input."""

import doctest
import math

import numpy as np
import pytest

import numnet.image_metrics
from numnet import psnr


def test_hand_cases():
    # MSE = (1² + 0 + 3² + 0) / 4 = 2.5; data_range 10 -> 10·log10(100 / 2.5) = 10·log10(40)
    reference = np.array([[2.0, 4.0], [6.0, 8.0]])
    reconstruction = np.array([[3.0, 4.0], [3.0, 8.0]])
    assert psnr(reference, reconstruction, data_range=10) == pytest.approx(
        16.020599913279624, rel=1e-14
    )
    # MSE 1 and data_range 1 -> exactly 0 dB; data_range 100 -> 40 dB
    ones = np.ones((3, 3))
    assert psnr(ones, ones + 1.0, data_range=1.0) == pytest.approx(0.0, abs=1e-15)
    assert psnr(ones, ones - 1.0, data_range=100) == pytest.approx(40.0, rel=1e-15)


def test_the_formula_written_out_on_random_images(rng):
    a, b = rng.uniform(size=(5, 8, 8)), rng.uniform(size=(5, 8, 8))
    mse = sum((a[i, j, k] - b[i, j, k]) ** 2 for i in range(5) for j in range(8) for k in range(8))
    mse /= a.size
    assert psnr(a, b, data_range=1.0) == pytest.approx(10 * math.log10(1.0 / mse), rel=1e-12)
    assert psnr(a, b, data_range=1.0) == psnr(b, a, data_range=1.0)


def test_identical_images_give_inf_without_a_warning():
    image = np.arange(16.0).reshape(4, 4)
    assert psnr(image, image.copy(), data_range=15) == math.inf  # warnings are errors here
    assert isinstance(psnr(image, image, data_range=15), float)


def test_per_sample_values_and_their_mean(rng):
    reference = rng.uniform(size=(4, 8, 8))
    reconstruction = reference + rng.normal(
        scale=[[[0.01]], [[0.1]], [[0.2]], [[0.0]]], size=(4, 8, 8)
    )
    values = psnr(reference, reconstruction, data_range=1.0, per_sample=True)
    assert values.shape == (4,)
    for i in range(4):
        assert values[i] == psnr(reference[i], reconstruction[i], data_range=1.0)
    assert values[3] == math.inf
    # Jensen: the mean of per-sample PSNRs is at least the PSNR of the pooled MSE
    finite = slice(0, 3)
    pooled = psnr(reference[finite], reconstruction[finite], data_range=1.0)
    assert values[finite].mean() > pooled


def test_integer_images_do_not_wrap_around():
    reference = np.array([[3, 250]], dtype=np.uint8)
    reconstruction = np.array([[5, 255]], dtype=np.uint8)
    # MSE = (4 + 25) / 2 = 14.5, not the (254² + 251²) / 2 that uint8 subtraction would give
    expected = 10 * math.log10(255**2 / 14.5)
    assert psnr(reference, reconstruction, data_range=255) == pytest.approx(expected, rel=1e-14)


def test_float32_images(rng):
    a, b = rng.uniform(size=(6, 6)), rng.uniform(size=(6, 6))
    value = psnr(a.astype(np.float32), b.astype(np.float32), data_range=1.0)
    assert value == pytest.approx(psnr(a, b, data_range=1.0), rel=1e-5)


@pytest.mark.parametrize("data_range", [0, -1.0, np.inf, np.nan, None, "1", True])
def test_bad_data_range(data_range):
    with pytest.raises(ValueError, match="psnr: data_range must be a finite number > 0"):
        psnr(np.zeros((2, 2)), np.ones((2, 2)), data_range=data_range)


def test_bad_input_names_psnr_and_the_shapes():
    with pytest.raises(
        ValueError, match=r"psnr: reference of shape \(2, 2\) and reconstruction of shape \(2, 3\)"
    ):
        psnr(np.zeros((2, 2)), np.zeros((2, 3)), data_range=1.0)
    with pytest.raises(ValueError, match="psnr: got empty images"):
        psnr(np.zeros((0, 4)), np.zeros((0, 4)), data_range=1.0)
    with pytest.raises(ValueError, match="psnr: per_sample=True needs images of shape"):
        psnr(np.zeros(4), np.ones(4), data_range=1.0, per_sample=True)
    with pytest.raises(ValueError, match="psnr: reconstruction contains NaN"):
        psnr(np.zeros(3), np.array([0.0, np.nan, 1.0]), data_range=1.0)
    with pytest.raises(TypeError, match="psnr: reference must be a numpy array"):
        psnr({"a": 1}, np.zeros(3), data_range=1.0)


def test_docstring_examples():
    assert doctest.testmod(numnet.image_metrics).failed == 0
