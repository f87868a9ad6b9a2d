"""Secure Mode's pieces that need no socket: key files and who may connect.

Key files follow vidgear's layout (see ``keys``); ``policy`` decides on each
incoming connection. The transport applies both.
"""

from .keys import HUB_KEY, SENDER_KEY, KeyFolder, KeyPair, check_key_name, read_public_keys
from .policy import AccessPolicy, AuthorisedKeys, Decision, SecureMode, parse_networks

__all__ = [
    "HUB_KEY",
    "SENDER_KEY",
    "AccessPolicy",
    "AuthorisedKeys",
    "Decision",
    "KeyFolder",
    "KeyPair",
    "SecureMode",
    "check_key_name",
    "parse_networks",
    "read_public_keys",
]
