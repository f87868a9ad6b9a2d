"""``framehub keys``: CURVE key pairs for Secure Mode, for a hub and each camera."""

from __future__ import annotations

import argparse
import threading

from ..security import HUB_KEY, SENDER_KEY, KeyFolder
from .common import CommandError, add_logging, key_folder, key_name

__all__ = ["add_parser", "run"]

EXAMPLES = """examples:
  framehub keys --camera door --camera yard
  framehub keys --folder /etc/framehub --camera door
  framehub keys --vidgear-folder ~/certs          # vidgear's custom_cert_location layout
"""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "keys",
        help="make CURVE key pairs for Secure Mode",
        description="Make Secure Mode key pairs: the hub's ('server') and one per camera "
        "(default: one named 'client', as vidgear does), in vidgear's folder layout. "
        "Existing pairs are kept unless --overwrite. Secret keys are written readable by "
        "their owner only.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--folder", default=None, help="key folder (default: ~/.framehub)")
    where.add_argument(
        "--vidgear-folder",
        default=None,
        metavar="DIR",
        help="the folder given to vidgear as custom_cert_location (keys go in DIR/.vidgear)",
    )
    parser.add_argument(
        "--camera",
        action="append",
        default=[],
        type=key_name,
        metavar="NAME",
        help="a camera's key name (repeat for each camera; default: client)",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace existing pairs")
    add_logging(parser)


def run(args: argparse.Namespace, stop_event: threading.Event) -> int:
    if args.vidgear_folder is not None:
        folder = KeyFolder.vidgear(args.vidgear_folder)
    elif args.folder is not None:
        folder = key_folder(args.folder)
    else:
        folder = KeyFolder.default()
    cameras = list(dict.fromkeys(args.camera)) or [SENDER_KEY]
    if HUB_KEY in cameras:
        raise CommandError(f"{HUB_KEY!r} is the hub's key name; give cameras other names")
    kept = []
    for name in (HUB_KEY, *cameras):
        public, secret = folder.public_file(name), folder.secret_file(name)
        if not args.overwrite and public.exists() and secret.exists():
            kept.append(name)
        folder.create(name, overwrite=args.overwrite)
    print(f"Key pairs in {folder.keys_dir} (hub: {HUB_KEY}; cameras: {', '.join(cameras)})")
    if kept:
        print(f"Kept the existing pairs of {', '.join(kept)} (--overwrite replaces them).")
    print()
    print("Copy to the hub (the receiving host), into its key folder's keys/:")
    print(f"  private_keys/{HUB_KEY}.key_secret   (secret: keep it readable by its owner only)")
    publics = ", ".join(f"public_keys/{name}.key" for name in (HUB_KEY, *cameras))
    print(f"  {publics}")
    print("  IronHouse (secure_mode=2) admits exactly the cameras whose .key is there:")
    print("  delete one camera's .key on the hub to revoke that camera alone.\n")
    for name in cameras:
        print(f"Copy to camera {name!r}, into its key folder's keys/:")
        print(f"  private_keys/{name}.key_secret   (secret)")
        print(f"  public_keys/{HUB_KEY}.key")
        if name != SENDER_KEY:
            print(f'  and pass secure_key_name="{name}" (NetGear) or key_name="{name}"')
        print()
    return 0
