"""vidgear's **options: every key known, every bad value refused with a clear message."""

from __future__ import annotations

import logging
from dataclasses import fields

import pytest

from framehub import ConfigError, Policy
from framehub.netgear import NetGearOptions, parse_options
from framehub.netgear.options import _CONVERTERS

VIDGEAR_KEYS = {
    "multiserver_mode",
    "multiclient_mode",
    "bidirectional_mode",
    "secure_mode",
    "custom_cert_location",
    "overwrite_cert",
    "ssh_tunnel_mode",
    "ssh_tunnel_pwd",
    "ssh_tunnel_keyfile",
    "jpeg_compression",
    "jpeg_compression_quality",
    "jpeg_compression_fastdct",
    "jpeg_compression_fastupsample",
    "max_retries",
    "request_timeout",
    "subscriber_timeout",
    "flag",
    "copy",
    "track",
}


def test_every_vidgear_key_is_accepted():
    assert {*_CONVERTERS, "jpeg_compression"} >= VIDGEAR_KEYS
    assert set(_CONVERTERS) <= {f.name for f in fields(NetGearOptions)}


def test_defaults_match_vidgear():
    opts = parse_options({}, pattern=1)
    assert opts.jpeg_compression is True
    assert opts.jpeg_compression_quality == 90
    assert opts.jpeg_compression_fastdct is True
    assert opts.jpeg_compression_fastupsample is False
    assert opts.jpeg_compression_colorspace == "BGR"
    assert opts.request_timeout == 4.0


def test_keys_are_stripped_as_vidgear_does():
    assert parse_options({" multiserver_mode ": True}, pattern=1).multiserver_mode


def test_a_misspelt_key_is_refused_and_named():
    with pytest.raises(ConfigError, match=r"unknown option 'multiserver_mod'.*multiserver_mode"):
        parse_options({"multiserver_mod": True}, pattern=1)


@pytest.mark.parametrize(
    ("key", "value", "match"),
    [
        ("multiserver_mode", "yes", "'multiserver_mode' must be True or False"),
        ("jpeg_compression_quality", 5, "from 10 to 100"),
        ("jpeg_compression", "PURPLE", "colourspace name"),
        ("max_retries", 0, "at least 1"),
        ("request_timeout", -1, "positive number of seconds"),
        ("flag", 2, "0 or 1"),
        ("policy", "fastest", "'lossless' or 'latest'"),
        ("secure_mode", 3, "from 0 to 2"),
    ],
)
def test_bad_values_are_refused_with_the_accepted_ones(key, value, match):
    with pytest.raises(ConfigError, match=match):
        parse_options({key: value}, pattern=1)


def test_jpeg_compression_takes_a_colourspace():
    opts = parse_options({"jpeg_compression": " gray "}, pattern=1)
    assert (opts.jpeg_compression, opts.jpeg_compression_colorspace) == (True, "GRAY")


def test_framehub_keys():
    opts = parse_options({"policy": "latest", "queue_size": 3}, pattern=1)
    assert (opts.policy, opts.queue_size) == (Policy.LATEST, 3)


@pytest.mark.parametrize(
    ("options", "pattern", "match"),
    [
        ({"multiserver_mode": True}, 0, "pattern 1 or 2 only"),
        ({"multiserver_mode": True, "multiclient_mode": True}, 1, "cannot be enabled together"),
        ({"bidirectional_mode": True}, 2, "pattern 0 or 1 only"),
    ],
)
def test_the_seeds_value_errors(options, pattern, match):
    with pytest.raises(ValueError, match=match):
        parse_options(options, pattern=pattern)


def test_options_without_effect_are_logged(caplog):
    with caplog.at_level(logging.WARNING, logger="framehub"):
        parse_options({"subscriber_timeout": 3}, pattern=1)
    assert "no effect with pattern 1" in caplog.text
