"""What `pip install .` brings: exactly one OpenCV build, the one the platform needs."""

from __future__ import annotations

from importlib import metadata

import pytest
from packaging.requirements import Requirement

from framehub.cli.window import opencv_builds

OPENCV = {"opencv-python", "opencv-python-headless"}


def opencv_required(platform: str) -> set[str]:
    required = set()
    for text in metadata.requires("framehub") or []:
        requirement = Requirement(text)
        env = {"sys_platform": platform, "extra": ""}
        if requirement.name in OPENCV and (
            requirement.marker is None or requirement.marker.evaluate(env)
        ):
            required.add(requirement.name)
    return required


@pytest.mark.parametrize(
    ("platform", "build"),
    [("linux", "opencv-python-headless"), ("win32", "opencv-python"), ("darwin", "opencv-python")],
)
def test_each_platform_gets_exactly_one_opencv_build(platform, build):
    # Two would install the same cv2 package over each other (pip cannot tell).
    assert opencv_required(platform) == {build}


def test_no_extra_brings_a_second_opencv_build():
    for text in metadata.requires("framehub") or []:
        requirement = Requirement(text)
        if requirement.marker is not None and "extra" in str(requirement.marker):
            assert requirement.name not in OPENCV, text


def test_this_environment_has_one_opencv_build():
    assert len(opencv_builds()) == 1, opencv_builds()
