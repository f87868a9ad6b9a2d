"""HubConfig and SubscriberConfig refuse what could never work, naming the option."""

from __future__ import annotations

import pytest

from framehub import (
    ConfigError,
    HubConfig,
    ImagezmqConfig,
    Policy,
    SecurityConfig,
    SubscriberConfig,
)


@pytest.mark.parametrize("ports", [(5555, 5555), (5555, "5555"), ["6000", 6001, 6000]])
def test_duplicate_ports_are_refused_naming_the_option(ports):
    with pytest.raises(ConfigError, match="ports must be unique"):
        HubConfig(ports=ports)


def test_ports_are_kept_as_given_in_order():
    assert HubConfig(ports=("5567", 5566)).sources == ("5567", "5566")


@pytest.mark.parametrize("publish", ["5600", "*:5600", "tcp://", 5600])
def test_publish_must_be_an_endpoint(publish: object) -> None:
    with pytest.raises(ConfigError, match="publish must be a ZeroMQ endpoint"):
        HubConfig(ports=(5566,), publish=publish)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"hubs": "tcp://hub1:5600"}, "hubs"),
        ({"hubs": ()}, "hubs"),
        ({"hubs": ("hub1:5600",)}, "each hub"),
        ({"hubs": ("tcp://a:1", "tcp://a:1")}, "distinct"),
        ({"hubs": ("tcp://a:1",), "cameras": "door"}, "cameras"),
        ({"hubs": ("tcp://a:1",), "cameras": ("",)}, "each camera"),
        ({"hubs": ("tcp://a:1",), "policy": "newest"}, "policy"),
        ({"hubs": ("tcp://a:1",), "rcvhwm": 0}, "rcvhwm"),
    ],
)
def test_subscriber_config_names_what_it_rejects(options: dict[str, object], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        SubscriberConfig(**options)  # type: ignore[arg-type]


def test_several_hubs_label_their_cameras() -> None:
    one = SubscriberConfig(hubs=("tcp://hub1:5600",))
    two = SubscriberConfig(hubs=("tcp://hub1:5600", "tcp://hub2:5600"))
    assert one.labels == ("",)
    assert two.labels == ("hub1:5600/", "hub2:5600/")


def test_an_imagezmq_hub_needs_no_netgear_port_but_something_to_listen_to():
    assert HubConfig(imagezmq=ImagezmqConfig(port=5555)).sources == ()
    with pytest.raises(ConfigError, match="ports must be a non-empty tuple"):
        HubConfig()
    with pytest.raises(ConfigError, match="needs a port, connect addresses, or both"):
        ImagezmqConfig()


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"port": True}, "imagezmq port must be a port number"),
        ({"connect": "tcp://pi1:5555"}, "tuple of sender addresses"),
        ({"connect": ("pi1:5555",)}, "'tcp://host:port' or 'ipc://path'"),
        ({"connect": ("tcp://a:1", "tcp://a:1")}, "must be unique"),
        ({"port": 5555, "gone_after": 0}, "imagezmq gone_after"),
    ],
)
def test_imagezmq_options_are_checked_naming_the_option(options, match):
    with pytest.raises(ConfigError, match=match):
        ImagezmqConfig(**options)


def test_imagezmq_senders_take_a_port_of_their_own_and_no_secure_mode(tmp_path):
    with pytest.raises(ConfigError, match="also one of ports"):
        HubConfig(ports=(5555,), imagezmq=ImagezmqConfig(port="5555"))
    with pytest.raises(ConfigError, match="cannot use Secure Mode"):
        HubConfig(imagezmq=ImagezmqConfig(port=5555), security=SecurityConfig(keys=tmp_path))


def test_the_default_policy_holds_back_only_senders_that_wait_for_an_answer():
    assert HubConfig(imagezmq=ImagezmqConfig(port=5555)).effective_policy is Policy.LOSSLESS
    pubsub = ImagezmqConfig(connect=("tcp://pi1:5555",))
    assert HubConfig(imagezmq=pubsub).effective_policy is Policy.LATEST
    assert HubConfig(ports=(5566,), imagezmq=pubsub).effective_policy is Policy.LATEST
    reqrep = ImagezmqConfig(port=5555)
    assert HubConfig(ports=(5566,), imagezmq=reqrep).effective_policy is Policy.LOSSLESS
    assert HubConfig(ports=(5566,), pattern=2, imagezmq=reqrep).effective_policy is Policy.LATEST
