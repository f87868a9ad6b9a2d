"""CURVE key pairs on disk, in vidgear's folder layout, and nothing else.

A key folder holds ``keys/public_keys/NAME.key`` (the public half, safe to copy
anywhere) and ``keys/private_keys/NAME.key_secret`` (both halves, readable by
its owner only), in ZeroMQ's certificate text format, so folders made by
vidgear (``server``/``client`` pairs) work here and framehub's work in vidgear.

A hub's own pair is ``server``; a camera's is ``client`` by default, or any
name given to it, so that each camera can have its own key and be revoked
alone by deleting its ``.key`` from the hub's ``public_keys``.
"""

from __future__ import annotations

import datetime
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError

__all__ = [
    "HUB_KEY",
    "SENDER_KEY",
    "KeyFolder",
    "KeyPair",
    "check_key_name",
    "read_public_keys",
]

#: vidgear's names: the receiving end's pair and the sending end's pair.
HUB_KEY = "server"
SENDER_KEY = "client"

_VIDGEAR_DIR = ".vidgear"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_Z85 = re.compile(rb"^[0-9a-zA-Z.\-:+=^!/*?&<>()\[\]{}@%$#]{40}$")
_KEY_LINE = re.compile(rb"^\s*(public-key|secret-key)\s*=\s*[\"']?([^\"'\s]*)[\"']?\s*$")


@dataclass(frozen=True, slots=True)
class KeyPair:
    """A CURVE key pair, both halves Z85-encoded (40 bytes each)."""

    public: bytes
    secret: bytes

    def __repr__(self) -> str:
        return f"KeyPair(public={self.public.decode()!r}, secret=<hidden>)"


def check_key_name(name: object) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(
            "a key name must be 1-64 letters, digits, '.', '_' or '-' (not starting with "
            f"'.' or '-'), got {name!r}"
        )
    return name


@dataclass(frozen=True, slots=True)
class KeyFolder:
    """``root/keys/public_keys`` and ``root/keys/private_keys``."""

    root: Path

    @classmethod
    def default(cls) -> KeyFolder:
        """framehub's own folder (not vidgear's ``~/.vidgear``): ``~/.framehub``."""
        return cls(Path.home() / ".framehub")

    @classmethod
    def vidgear(cls, custom_cert_location: str | os.PathLike[str]) -> KeyFolder:
        """The folder vidgear uses for ``custom_cert_location``: it adds ``.vidgear`` itself."""
        root = Path(custom_cert_location).expanduser().absolute()
        return cls(root if root.name == _VIDGEAR_DIR else root / _VIDGEAR_DIR)

    @property
    def keys_dir(self) -> Path:
        return self.root / "keys"

    @property
    def public_dir(self) -> Path:
        return self.keys_dir / "public_keys"

    @property
    def private_dir(self) -> Path:
        return self.keys_dir / "private_keys"

    def public_file(self, name: str) -> Path:
        return self.public_dir / f"{check_key_name(name)}.key"

    def secret_file(self, name: str) -> Path:
        return self.private_dir / f"{check_key_name(name)}.key_secret"

    def has_any_key(self) -> bool:
        return any(_listing(self.public_dir, ".key")) or any(
            _listing(self.private_dir, ".key_secret")
        )

    def create(self, name: str, *, overwrite: bool = False) -> KeyPair:
        """Generate and write a pair; an existing one is kept unless ``overwrite``.

        Folders are made 0700 and secret files 0600, whatever the umask.
        """
        public_file, secret_file = self.public_file(name), self.secret_file(name)
        if not overwrite and public_file.exists() and secret_file.exists():
            return self.load_pair(name)
        pair = _generate()
        try:
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
            for folder in (self.keys_dir, self.public_dir, self.private_dir):
                folder.mkdir(mode=0o700, exist_ok=True)
            _write_cert(secret_file, pair, secret=True)
            _write_cert(public_file, pair, secret=False)
        except OSError as exc:
            raise ConfigError(f"cannot write CURVE keys in {self.keys_dir}: {exc}") from exc
        return pair

    def load_pair(self, name: str) -> KeyPair:
        """This end's own pair, from ``private_keys/NAME.key_secret``."""
        path = self.secret_file(name)
        public, secret = _read_cert(path, f"the secret key {name!r}")
        if secret is None:
            raise ConfigError(f"{path} holds no secret key: it must be a .key_secret file")
        return KeyPair(public, secret)

    def load_public(self, name: str) -> bytes:
        """A peer's public key, from ``public_keys/NAME.key``."""
        return _read_cert(self.public_file(name), f"the public key {name!r}")[0]


def read_public_keys(folder: Path) -> dict[bytes, str]:
    """Every public key in ``folder`` (``*.key`` files), mapped to its file's name.

    Unreadable or malformed files are skipped: one bad file must not lock every
    camera out. A missing folder raises ``ConfigError``.
    """
    if not folder.is_dir():
        raise ConfigError(f"the authorised keys folder {folder} does not exist")
    keys: dict[bytes, str] = {}
    for path in _listing(folder, ".key"):
        try:
            public, _ = _read_cert(path, "a public key")
        except ConfigError:
            continue
        keys[public] = path.stem
    return keys


def _listing(folder: Path, suffix: str) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.suffix == suffix and p.is_file())
    except OSError:
        return []


def _read_cert(path: Path, what: str) -> tuple[bytes, bytes | None]:
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{what} is missing: no file {path}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {what} from {path}: {exc}") from exc
    found: dict[bytes, bytes] = {}
    for line in text.splitlines():
        match = _KEY_LINE.match(line)
        if match:
            found.setdefault(match.group(1), match.group(2))
    public, secret = found.get(b"public-key"), found.get(b"secret-key")
    for key in (public, secret):
        if key is not None and not _Z85.match(key):
            raise ConfigError(f"{path} holds a malformed key (expected 40 Z85 characters)")
    if public is None:
        raise ConfigError(f"{path} holds no public key: not a ZeroMQ certificate")
    return public, secret


def _write_cert(path: Path, pair: KeyPair, *, secret: bool) -> None:
    kind = "**Secret** Certificate" if secret else "Public Certificate"
    lines = [
        f"#   ****  Generated on {datetime.datetime.now():%Y-%m-%d %H:%M:%S} by framehub  ****",
        f"#   ZeroMQ CURVE {kind}",
        "#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions."
        if secret
        else "#   Exchange securely, or use a secure mechanism to verify the contents",
        "",
        "metadata",
        "curve",
        f'    public-key = "{pair.public.decode()}"',
    ]
    if secret:
        lines.append(f'    secret-key = "{pair.secret.decode()}"')
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if secret else 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(tmp, 0o600 if secret else 0o644)
    os.replace(tmp, path)


def _generate() -> KeyPair:
    # The one call that needs libzmq: it generates keys with its own CSPRNG.
    import zmq

    try:
        public, secret = zmq.curve_keypair()
    except zmq.ZMQError as exc:
        raise ConfigError(f"this libzmq cannot make CURVE keys: {exc}") from exc
    return KeyPair(public, secret)
