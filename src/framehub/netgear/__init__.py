"""The vidgear-compatible face: ``NetGear`` and the mapping of its ``**options``."""

from .facade import NetGear
from .options import NetGearOptions, parse_options

__all__ = ["NetGear", "NetGearOptions", "parse_options"]
