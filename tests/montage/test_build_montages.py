import cv2
import imutils
import numpy as np
import pytest

from framehub import errors
from framehub.montage import build_montages


def images(count, seed=0, shapes=((120, 160), (48, 64), (300, 200), (33, 77))):
    rng = np.random.default_rng(seed)
    return [
        rng.integers(0, 256, (*shapes[i % len(shapes)], 3), dtype=np.uint8) for i in range(count)
    ]


def assert_same(ours, theirs):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        assert a.dtype == b.dtype
        assert np.array_equal(a, b)


@pytest.mark.parametrize("count", [0, 1, 3, 4, 5, 8, 9])
@pytest.mark.parametrize(("image_shape", "montage_shape"), [((64, 48), (2, 2)), ((50, 30), (3, 1))])
def test_output_equals_imutils(count, image_shape, montage_shape):
    inputs = images(count)
    assert_same(
        build_montages(inputs, image_shape, montage_shape),
        imutils.build_montages(inputs, image_shape, montage_shape),
    )


def test_dict_values_from_the_seed_client_work_as_with_imutils():
    frames = dict(zip(["5566", "5567", "5568"], images(3), strict=True))
    assert_same(
        build_montages(frames.values(), (160, 120), (2, 1)),
        imutils.build_montages(frames.values(), (160, 120), (2, 1)),
    )


def test_grayscale_and_bgra_images_are_shown_instead_of_failing():
    rng = np.random.default_rng(1)
    gray = rng.integers(0, 256, (60, 80), dtype=np.uint8)
    bgra = rng.integers(0, 256, (60, 80, 4), dtype=np.uint8)
    with pytest.raises(ValueError):
        imutils.build_montages([gray], (40, 30), (2, 1))
    expected = imutils.build_montages(
        [cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), np.ascontiguousarray(bgra[:, :, :3])],
        (40, 30),
        (2, 1),
    )
    assert_same(build_montages([gray, bgra], (40, 30), (2, 1)), expected)
    single = imutils.build_montages([cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)], (40, 30), (2, 1))
    assert_same(build_montages([gray[:, :, None]], (40, 30), (2, 1)), single)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (([], (64,), (2, 2)), "image_shape"),
        (([], (64, 48), (2, 2, 1)), "montage_shape"),
        ((["not an image"], (64, 48), (2, 2)), "numpy"),
    ],
)
def test_bad_arguments_raise_value_errors(args, match):
    with pytest.raises(errors.ConfigError, match=match):
        build_montages(*args)
