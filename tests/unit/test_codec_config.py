"""Choosing a codec: clear errors before anything is sent, and the extra to install."""

from __future__ import annotations

import sys

import pytest

from framehub import ConfigError, H264Config, JpegConfig, MissingPackageError, SenderConfig


def test_codec_none_keeps_the_jpeg_rule_and_names_win() -> None:
    assert SenderConfig(port=5566).effective_codec == "jpeg"
    assert SenderConfig(port=5566, jpeg=None).effective_codec == "raw"
    assert SenderConfig(port=5566, codec="raw").effective_codec == "raw"
    config = SenderConfig(port=5566, jpeg=None, codec="jpeg")
    assert config.effective_jpeg == JpegConfig()
    h264 = SenderConfig(port=5566, codec="h264", h264=H264Config(bitrate=2_000_000))
    assert h264.effective_h264.bitrate == 2_000_000
    assert SenderConfig(port=5566, codec="h264").effective_h264 == H264Config()


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"codec": "h265"}, "codec must be"),
        ({"codec": "h264", "bidirectional": True}, "bidirectional"),
        ({"codec": "jpeg", "h264": H264Config()}, "h264 settings need codec='h264'"),
        ({"codec": "h264", "h264": {"bitrate": 1}}, "H264Config"),
    ],
)
def test_a_codec_that_cannot_work_is_refused(changes: dict, named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        SenderConfig(port=5566, **changes)


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"bitrate": 0}, "bitrate"),
        ({"bitrate": "1M"}, "bitrate"),
        ({"gop": 0}, "gop"),
        ({"encoder": ""}, "encoder"),
        ({"preset": "placebo"}, "preset"),
        ({"chroma": "4:2:2"}, "chroma"),
    ],
)
def test_h264_settings_out_of_range_are_refused(changes: dict, named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        H264Config(**changes)


def test_without_pyav_h264_names_the_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "av", None)  # import av now raises ImportError
    with pytest.raises(MissingPackageError, match=r"framehub\[h264\]"):
        SenderConfig(port=5566, codec="h264")
    # Everything else works without it.
    SenderConfig(port=5566, codec="jpeg")
