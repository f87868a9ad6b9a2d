"""vidgear's **options: every key known, every bad value refused with a clear message."""

from __future__ import annotations

import logging
from dataclasses import fields

import pytest

from framehub import ConfigError, HubConfig, Policy, SenderConfig
from framehub.netgear.options import OPTIONS, End, parse_options

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
    assert set(OPTIONS) >= VIDGEAR_KEYS


def test_every_native_field_of_the_table_exists():
    for end, config in ((End.RECEIVE, HubConfig), (End.SEND, SenderConfig)):
        names = {f.name for f in fields(config)}
        for key, row in OPTIONS.items():
            for target in row.targets(end):
                assert target.partition(".")[0] in names, (key, target)
            assert not row.targets(end) or row.ends & end, key


def receiving(options, pattern=1):
    return parse_options(options, pattern=pattern, end=End.RECEIVE)


def sending(options, pattern=1):
    return parse_options(options, pattern=pattern, end=End.SEND)


def test_defaults_match_vidgear():
    opts = sending({})
    assert opts["jpeg_compression"] == "BGR"
    assert opts["jpeg_compression_quality"] == 90
    assert opts["jpeg_compression_fastdct"] is True
    assert opts["jpeg_compression_fastupsample"] is False
    assert opts["request_timeout"] == 4.0


def test_framehub_keys_default_to_the_native_defaults():
    hub = HubConfig(ports=(1,))
    sender = SenderConfig(port=1)
    assert receiving({})["queue_size"] == hub.queue_size
    assert receiving({})["gone_after"] == hub.gone_after
    assert sending({})["window"] == sender.window
    assert sending({}).native()["copy_threshold"] == sender.copy_threshold


def test_keys_are_stripped_as_vidgear_does():
    assert sending({" multiserver_mode ": True})["multiserver_mode"]


def test_a_misspelt_key_is_refused_and_named():
    with pytest.raises(ConfigError, match=r"unknown option 'multiserver_mod'.*multiserver_mode"):
        sending({"multiserver_mod": True})


@pytest.mark.parametrize(
    ("key", "value", "match"),
    [
        ("multiserver_mode", "yes", "'multiserver_mode' must be True or False"),
        ("jpeg_compression_quality", 5, "from 10 to 100"),
        ("jpeg_compression", "PURPLE", "colourspace name"),
        ("max_retries", -1, "at least 0"),
        ("request_timeout", -1, "positive number of seconds"),
        ("flag", 2, "0 or 1"),
        ("policy", "fastest", "'lossless' or 'latest'"),
        ("secure_mode", 3, "from 0 to 2"),
    ],
)
@pytest.mark.parametrize("parse", [receiving, sending])
def test_bad_values_are_refused_at_either_end(parse, key, value, match):
    # Even an option the end ignores: a wrong value is a mistake either way.
    with pytest.raises(ConfigError, match=match):
        parse({key: value})


def test_jpeg_compression_takes_a_colourspace():
    assert sending({"jpeg_compression": " gray "}).native()["jpeg"]["colorspace"] == "GRAY"
    assert sending({"jpeg_compression": False}).native()["jpeg"]["colorspace"] is None


def test_framehub_keys():
    opts = receiving({"policy": "latest", "queue_size": 3})
    assert opts.native()["policy"] is Policy.LATEST
    assert opts.native()["queue_size"] == 3


def test_max_retries_zero_is_valid_and_never_gives_up_as_in_vidgear():
    assert sending({"max_retries": 0}).native()["max_retries"] is None
    assert sending({"max_retries": 2}).native()["max_retries"] == 2


def test_translation_fills_nested_groups():
    kwargs = sending({"secure_mode": 1, "secure_key_name": "door", "ssh_tunnel_mode": "pi@h"})
    native = kwargs.native()
    assert native["security"]["mode"] == 1 and native["security"]["key_name"] == "door"
    assert native["ssh_tunnel"]["server"] == "pi@h"
    assert native["jpeg"] == {
        "colorspace": "BGR",
        "quality": 90,
        "fastdct": True,
        "fastupsample": False,
    }


@pytest.mark.parametrize(
    ("parse", "options", "pattern", "says"),
    [
        (receiving, {"window": 2}, 1, "'window' applies to the sending end only"),
        (receiving, {"track": True}, 1, "'track' applies to the sending end only"),
        (receiving, {"copy": True}, 1, "'copy' applies to the sending end only"),
        (receiving, {"flag": 1}, 1, "'flag' applies to the sending end only"),
        (receiving, {"ssh_tunnel_mode": "pi@h"}, 1, "'ssh_tunnel_mode' applies to the sending"),
        (sending, {"queue_size": 3}, 1, "'queue_size' applies to the receiving end only"),
        (sending, {"policy": "latest"}, 1, "'policy' applies to the receiving end only"),
        (sending, {"gone_after": 3}, 1, "'gone_after' applies to the receiving end only"),
        (sending, {"subscriber_timeout": 3}, 2, "'subscriber_timeout' applies to the receiving"),
        (receiving, {"subscriber_timeout": 3}, 1, "no effect with pattern 1"),
        (receiving, {"max_retries": 3}, 2, "no effect with pattern 2"),
        (sending, {"request_timeout": 3}, 2, "no effect with pattern 2"),
        (sending, {"ssh_tunnel_pwd": "x"}, 1, "no effect without 'ssh_tunnel_mode'"),
        (sending, {"custom_cert_location": "/tmp"}, 1, "no effect without 'secure_mode'"),
        (sending, {"multiclient_broadcast": True}, 1, "no effect without 'multiclient_mode'"),
    ],
)
def test_inapplicable_options_are_logged_and_ignored(caplog, parse, options, pattern, says):
    with caplog.at_level(logging.WARNING, logger="framehub"):
        opts = parse(options, pattern)
    assert says in caplog.text and "ignored" in caplog.text
    (key,) = options
    assert opts[key] == OPTIONS[key].default
    assert key not in opts.given


def test_applicable_options_log_nothing(caplog):
    with caplog.at_level(logging.WARNING, logger="framehub"):
        receiving({"max_retries": 2, "request_timeout": 1, "queue_size": 2, "policy": "latest"})
        sending({"max_retries": 2, "window": 2, "track": True, "copy": True, "flag": 1})
    assert caplog.text == ""


def test_codec_keys_become_the_h264_settings():
    native = sending({"codec": "h264", "bitrate": "1.5M", "gop": 15}).native()
    assert native["codec"] == "h264"
    assert native["h264"] == {"bitrate": 1_500_000, "gop": 15, "encoder": "auto"}
    assert sending({"codec": "h264", "bitrate": 2_000_000}).native()["h264"]["bitrate"] == 2_000_000
    with pytest.raises(ConfigError, match="'bitrate'"):
        sending({"codec": "h264", "bitrate": "fast"})
    with pytest.raises(ConfigError, match="'codec'"):
        sending({"codec": "vp8"})
