"""HubConfig refuses what would bind a port twice or never."""

from __future__ import annotations

import pytest

from framehub import ConfigError, HubConfig


@pytest.mark.parametrize("ports", [(5555, 5555), (5555, "5555"), ["6000", 6001, 6000]])
def test_duplicate_ports_are_refused_naming_the_option(ports):
    with pytest.raises(ConfigError, match="ports must be unique"):
        HubConfig(ports=ports)


def test_ports_are_kept_as_given_in_order():
    assert HubConfig(ports=("5567", 5566)).sources == ("5567", "5566")
