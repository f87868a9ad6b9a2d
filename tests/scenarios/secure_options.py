"""Secure Mode command-line flags shared by the NetGear scenario scripts."""

from __future__ import annotations

import argparse
from typing import Any


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--secure", type=int, default=0, help="secure_mode: 1 StoneHouse, 2 IronHouse")
    p.add_argument("--certs", default=None, help="custom_cert_location")
    p.add_argument("--key-name", default=None, help="framehub's secure_key_name")


def add_options(options: dict[str, Any], args: argparse.Namespace) -> None:
    if args.secure:
        options["secure_mode"] = args.secure
    if args.certs:
        options["custom_cert_location"] = args.certs
    if args.key_name:
        options["secure_key_name"] = args.key_name
