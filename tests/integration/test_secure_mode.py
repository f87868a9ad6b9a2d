"""Secure Mode over real sockets on loopback: CURVE on every pattern, keys checked per peer."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest
import zmq
from zmq.auth.thread import ThreadAuthenticator

from framehub import (
    ConfigError,
    Hub,
    HubConfig,
    NetGear,
    Policy,
    SecurityConfig,
    Sender,
    SenderConfig,
    TransportError,
)
from framehub.security import KeyFolder
from support import TcpRelay, free_ports, send_frames

pytestmark = pytest.mark.timeout(60)

FRAMES = 20


@pytest.fixture
def keys(tmp_path) -> KeyFolder:
    folder = KeyFolder(tmp_path / "keys-root")
    for name in ("server", "client", "cam2", "rogue"):
        folder.create(name)
    os.remove(folder.public_file("rogue"))
    return folder


def frames(count: int = FRAMES) -> list[np.ndarray]:
    rng = np.random.default_rng(3)
    return [rng.integers(0, 256, (24, 32, 3), dtype=np.uint8) for _ in range(count)]


def sender_config(port, pattern, security, *, multiserver=True, address="127.0.0.1", **extra):
    return SenderConfig(
        port=port,
        address=address,
        pattern=pattern,
        multiserver=multiserver,
        jpeg=None,
        security=security,
        **extra,
    )


@pytest.mark.parametrize("mode", [1, 2], ids=["stonehouse", "ironhouse"])
@pytest.mark.parametrize(
    ("pattern", "multiserver"),
    [(0, False), (1, False), (2, False), (1, True), (2, True)],
    ids=["p0", "p1", "p2", "p1-multiserver", "p2-multiserver"],
)
def test_frames_and_messages_flow(background, keys, mode, pattern, multiserver):
    security = SecurityConfig(mode=mode, keys=keys)
    ports = free_ports(2 if multiserver else 1)
    sent = frames()
    config = HubConfig(
        ports=tuple(ports),
        address="127.0.0.1",
        pattern=pattern,
        multiserver=multiserver,
        jpeg=None,
        security=security,
        # Every frame is asserted: the policy that promises it (pattern 2's default,
        # "latest", may drop a frame to a hiccup of the consumer at 300 frames/s).
        policy=Policy.LOSSLESS,
    )
    with Hub(config) as hub:
        for port in ports:
            cfg = sender_config(port, pattern, security, multiserver=multiserver)
            background.start(f"s{port}", send_frames(cfg, sent, fps=300 if pattern == 2 else 0))
        got: dict[str, list] = {}
        for frame in hub:
            got.setdefault(frame.source, []).append(frame)
    assert set(got) == {str(p) for p in ports}
    for received in got.values():
        assert [f.message["i"] for f in received] == list(range(FRAMES))
        assert all(np.array_equal(f.image, sent[f.message["i"]]) for f in received)


def test_ironhouse_refuses_an_unknown_key_and_the_others_keep_flowing(background, keys):
    ports = free_ports(3)
    hub_security = SecurityConfig(mode=2, keys=keys)
    sent = frames()
    honest = {ports[0]: "client", ports[1]: "cam2"}
    with Hub(
        HubConfig(ports=tuple(ports), address="127.0.0.1", jpeg=None, security=hub_security)
    ) as hub:
        rogue = Sender(
            sender_config(
                ports[2],
                1,
                SecurityConfig(mode=2, keys=keys, key_name="rogue"),
                request_timeout=0.3,
            )
        )
        for port, name in honest.items():
            cfg = sender_config(port, 1, SecurityConfig(mode=2, keys=keys, key_name=name))
            background.start(name, send_frames(cfg, sent))
        for frame in sent[:5]:
            rogue.send(frame)
        rogue.close()
        counts: dict[str, int] = {}
        for frame in hub:
            counts[frame.source] = counts.get(frame.source, 0) + 1
    assert counts == {str(ports[0]): FRAMES, str(ports[1]): FRAMES}
    assert rogue.stats.sent == 0 and rogue.stats.dropped == 5


def test_deleting_a_key_file_revokes_that_camera_alone(keys):
    ports = free_ports(2)
    security = SecurityConfig(mode=2, keys=keys)
    image = frames(1)[0]
    # "latest" never holds a sender back, so nobody needs to call recv() here.
    hub = Hub(
        HubConfig(
            ports=tuple(ports),
            address="127.0.0.1",
            jpeg=None,
            security=security,
            policy=Policy.LATEST,
        )
    )
    kept = Sender(sender_config(ports[0], 1, security, window=1))
    revoked = Sender(
        sender_config(ports[1], 1, SecurityConfig(mode=2, keys=keys, key_name="cam2"), window=1)
    )
    try:
        for sender in (kept, revoked):
            sender.send(image)
            sender.send(image)  # a window of one: the first is acknowledged by now
        assert revoked.stats.acknowledged >= 1
        os.remove(keys.public_file("cam2"))
        # The hub re-reads the folder within half a second; keep sending until then.
        before = revoked.stats.dropped
        for _ in range(40):
            kept.send(image)
            revoked.send(image)
            if revoked.stats.dropped > before:
                break
            time.sleep(0.05)
        assert revoked.stats.dropped > before
        acknowledged = kept.stats.acknowledged
        kept.send(image)
        kept.send(image)
        assert kept.stats.acknowledged > acknowledged
    finally:
        kept.close()
        revoked.close()
        hub.close()


def test_a_server_on_another_source_address_is_admitted_by_key(background, keys):
    # vidgear's authenticator admits only the client's own bind address, so this
    # fails there. libzmq's "source;destination" endpoint sends from 127.0.0.2.
    (port,) = free_ports(1)
    security = SecurityConfig(mode=2, keys=keys)
    only_dot_two = SecurityConfig(mode=2, keys=keys, allow_ips=("127.0.0.2/32",))
    with Hub(
        HubConfig(ports=(port,), address="127.0.0.1", jpeg=None, security=only_dot_two)
    ) as hub:
        cfg = sender_config(port, 1, security, address="127.0.0.2:0;127.0.0.1")
        background.start("from-dot-two", send_frames(cfg, frames()))
        got = list(hub)
    background.join()
    assert len(got) == FRAMES
    assert background.result("from-dot-two").acknowledged == FRAMES


def test_the_ip_allow_list_refuses_other_addresses(keys):
    (port,) = free_ports(1)
    security = SecurityConfig(mode=1, keys=keys, allow_ips=("127.0.0.2",))
    with (
        Hub(HubConfig(ports=(port,), address="127.0.0.1", jpeg=None, security=security)),
        Sender(sender_config(port, 1, security, request_timeout=0.3)) as sender,
    ):
        sender.send(frames(1)[0])
        assert sender.stats.sent == 0 and sender.stats.dropped == 1


@pytest.mark.parametrize("secure", [0, 1])
def test_nothing_readable_crosses_the_wire(background, keys, secure):
    # A relay between sender and hub records every byte both ways, as a capture would.
    (port,) = free_ports(1)
    security = SecurityConfig(mode=1, keys=keys) if secure else None
    sent = frames(5)
    with Hub(
        HubConfig(
            ports=(port,), address="127.0.0.1", multiserver=False, jpeg=None, security=security
        )
    ) as hub:
        relay = TcpRelay(port)
        try:
            cfg = sender_config(relay.port, 1, security, multiserver=False)
            background.start("s", send_frames(cfg, sent))
            got = [f.image for f in hub]
            background.join()
        finally:
            relay.close()
    captured = relay.bytes()
    assert len(got) == 5 and len(captured) > 5 * sent[0].nbytes
    plaintext = [b"terminate_flag", b"compression", b"Data received", sent[2].tobytes()[:64]]
    found = [p[:20] for p in plaintext if p in captured]
    assert found == ([] if secure else [p[:20] for p in plaintext])


def test_two_secure_hubs_in_one_process_each_keep_their_own_rule(background, keys):
    ironhouse, stonehouse = SecurityConfig(mode=2, keys=keys), SecurityConfig(mode=1, keys=keys)
    rogue = SecurityConfig(mode=1, keys=keys, key_name="rogue")
    p_iron, p_stone = free_ports(2)
    iron = Hub(HubConfig(ports=(p_iron,), address="127.0.0.1", jpeg=None, security=ironhouse))
    stone = Hub(HubConfig(ports=(p_stone,), address="127.0.0.1", jpeg=None, security=stonehouse))
    try:
        image = frames(1)[0]
        with Sender(sender_config(p_stone, 1, rogue)) as to_stone:
            to_stone.send(image)
        with Sender(sender_config(p_iron, 1, rogue, request_timeout=0.3)) as to_iron:
            to_iron.send(image)
        assert (to_stone.stats.acknowledged, to_iron.stats.sent) == (1, 0)
        stone.close()  # the other hub's rule stays in force
        with Sender(sender_config(p_iron, 1, rogue, request_timeout=0.3)) as again:
            again.send(image)
        with Sender(sender_config(p_iron, 1, ironhouse)) as honest:
            honest.send(image)
        assert (again.stats.sent, honest.stats.acknowledged) == (0, 1)
        assert iron.recv(timeout=2) is not None
    finally:
        iron.close()
        stone.close()


def test_two_secure_netgear_clients_in_one_process(background, tmp_path):
    ports = free_ports(2)
    options = {"secure_mode": 2, "custom_cert_location": str(tmp_path), "jpeg_compression": False}
    clients = [
        NetGear(address="127.0.0.1", port=p, pattern=1, receive_mode=True, **options) for p in ports
    ]

    def serve(port):
        def run():
            server = NetGear(address="127.0.0.1", port=port, pattern=1, **options)
            for i in range(5):
                server.send(np.full((4, 4, 3), i, np.uint8))
            server.close()

        return run

    for port in ports:
        background.start(str(port), serve(port))
    try:
        for client in clients:
            got = []
            while (frame := client.recv()) is not None:
                got.append(int(frame.mean()))
            assert got == list(range(5))
    finally:
        for client in clients:
            client.close()


def hub_with(security, port, **extra):
    return Hub(HubConfig(ports=(port,), address="127.0.0.1", security=security, **extra))


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda k: SecurityConfig(mode=3, keys=k), "1 .StoneHouse. or 2 .IronHouse."),
        (lambda k: SecurityConfig(mode=1, keys=k, key_name="../x"), "key name"),
        (lambda k: SecurityConfig(mode=1, keys=k, allow_ips=("nowhere",)), "allow_ips"),
        (lambda k: SecurityConfig(mode=1, keys=k, allow_ips="127.0.0.1"), "allow_ips"),
    ],
)
def test_bad_security_settings_raise(keys, make, match):
    with pytest.raises(ConfigError, match=match):
        make(keys)


def test_missing_keys_raise_naming_the_file(keys, tmp_path):
    (port,) = free_ports(1)
    empty = KeyFolder(tmp_path / "empty")
    with pytest.raises(ConfigError, match=r"secret key 'server' is missing: no file .*server"):
        hub_with(SecurityConfig(mode=1, keys=empty), port)
    with pytest.raises(ConfigError, match=r"secret key 'nobody' is missing"):
        Sender(sender_config(port, 1, SecurityConfig(mode=1, keys=keys, key_name="nobody")))
    os.remove(keys.public_file("server"))
    with pytest.raises(ConfigError, match=r"public key 'server' is missing"):
        Sender(sender_config(port, 1, SecurityConfig(mode=1, keys=keys)))


def test_ironhouse_without_any_authorised_key_raises(keys):
    for path in keys.public_dir.iterdir():
        path.unlink()
    with pytest.raises(ConfigError, match=r"no public key in .*no sender could ever connect"):
        hub_with(SecurityConfig(mode=2, keys=keys), free_ports(1)[0])


def test_an_unreadable_or_corrupt_key_raises(keys):
    keys.secret_file("server").write_text('public-key = "short"\n')
    with pytest.raises(ConfigError, match=r"malformed key"):
        hub_with(SecurityConfig(mode=1, keys=keys), free_ports(1)[0])


def test_libzmq_without_curve_raises(keys, monkeypatch):
    monkeypatch.setattr("framehub.api.secure.curve_available", lambda: False)
    with pytest.raises(ConfigError, match=r"libzmq built with CURVE"):
        hub_with(SecurityConfig(mode=1, keys=keys), free_ports(1)[0])


def test_a_foreign_authenticator_in_the_context_raises_instead_of_sharing(keys):
    context = zmq.Context()
    auth = ThreadAuthenticator(context)
    auth.start()
    try:
        with pytest.raises(TransportError, match=r"another authenticator"):
            Hub(
                HubConfig(
                    ports=(free_ports(1)[0],),
                    address="127.0.0.1",
                    security=SecurityConfig(mode=1, keys=keys),
                ),
                context=context,
            )
    finally:
        auth.stop()
        context.term()


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"secure_mode": 1, "custom_cert_location": "/no/such/dir"}, "existing folder"),
        ({"secure_mode": "1"}, "'secure_mode' must be an integer"),
        ({"secure_mode": 1, "secure_allow_ips": "127.0.0.1"}, "list of IP addresses"),
    ],
)
def test_netgear_secure_options_are_checked(options, match):
    with pytest.raises(ConfigError, match=match):
        NetGear(address="127.0.0.1", port=free_ports(1)[0], pattern=1, **options)


def test_netgear_makes_vidgears_key_set_and_a_partial_one_raises(tmp_path):
    port = free_ports(1)[0]
    options = {"secure_mode": 2, "custom_cert_location": str(tmp_path)}
    NetGear(address="127.0.0.1", port=port, pattern=1, receive_mode=True, **options).close()
    folder = KeyFolder.vidgear(tmp_path)
    assert folder.root == tmp_path / ".vidgear"
    assert oct(folder.secret_file("server").stat().st_mode & 0o777) == "0o600"
    folder.secret_file("client").unlink()
    with pytest.raises(ConfigError, match=r"secret key 'client' is missing"):
        NetGear(address="127.0.0.1", port=port, pattern=1, **options)


def test_a_refused_sender_says_why(keys, tmp_path, caplog):
    (port,) = free_ports(1)
    stranger = KeyFolder(tmp_path / "another-hubs-keys")
    for name in ("server", "client"):
        stranger.create(name)
    cases = [
        (SecurityConfig(mode=2, keys=keys, key_name="rogue"), "refused this server's key"),
        (SecurityConfig(mode=2, keys=stranger), "have the hub's public key"),
    ]
    with Hub(
        HubConfig(ports=(port,), address="127.0.0.1", security=SecurityConfig(mode=2, keys=keys))
    ):
        for security, why in cases:
            caplog.clear()
            with Sender(sender_config(port, 1, security, request_timeout=0.5)) as sender:
                sender.send(frames(1)[0])
            assert why in caplog.text
