"""Messages captured from real vidgear 0.3.6 decode right, and framehub encodes the same."""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import pytest
import simplejpeg
from wire_goldens import (
    Golden,
    array_from_spec,
    assert_jpeg_close,
    encode_as,
    goldens,
    load_goldens,
)

from framehub.codecs import FrameEncoder, JpegEncoder, RawEncoder, decode_frame
from framehub.wire import (
    Ack,
    ArrayReply,
    DataReply,
    EndOfStream,
    FramePacket,
    Payload,
    decode_client_message,
    decode_server_message,
    encode_client_message,
    encode_server_message,
)

SERVER_FRAMES = goldens("server-to-client", call="send")
SERVER_CLOSES = goldens("server-to-client", call="close")
CLIENT_REPLIES = goldens("client-to-server")

ACK_TEXT = re.compile(r"Data received on device: [A-Z0-9]{8} !")
TERMINATE_REPLIES = {
    "Termination signal successfully received at Client's end!",
    "Termination signal successfully received at client!",  # Multi-Servers Mode
}


def ids(golden: Golden) -> str:
    return golden.name


def expected_port(golden: Golden) -> Any:
    """The port a message carries: the server's own in Multi-Servers Mode, else none."""
    return golden.port if golden.multiserver else None


def encoder_for(golden: Golden) -> FrameEncoder:
    compression = golden.compression()
    if compression is None:
        return RawEncoder()
    return JpegEncoder(
        golden.quality(), compression.colorspace, compression.fastdct, compression.fastupsample
    )


def same_libjpeg(golden: Golden) -> bool:
    """JPEG bytes are only comparable when encoded by the same simplejpeg build."""
    return golden.producer["simplejpeg"] == simplejpeg.__version__


def json_types(value: Any) -> Any:
    """The shape of a JSON value with every leaf replaced by its type (1 != 1.0 != True)."""
    if isinstance(value, dict):
        return {key: json_types(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_types(item) for item in value]
    return type(value)


def assert_same_header(ours: Payload, theirs: Payload) -> None:
    """framehub's header is vidgear's: same keys in the same order, same values and types.

    framehub may add keys of its own, all starting with ``fh_``. The separators differ
    (framehub writes compact JSON), which no JSON reader notices.
    """
    header = json.loads(bytes(ours))
    extensions = [key for key in header if key.startswith("fh_")]
    for key in extensions:
        del header[key]
    expected = json.loads(bytes(theirs))
    assert list(header) == list(expected)
    assert header == expected
    assert json_types(header) == json_types(expected)


def test_the_golden_set_covers_every_shape_of_message() -> None:
    names = {golden.name for golden in load_goldens()}
    for required in [
        "server_p0_raw_bgr",
        "server_p1_raw_gray",
        "server_p1_raw_float32",
        "server_p1_jpeg_bgr_default",
        "server_p1_jpeg_gray",
        "server_p2_raw_bgr",
        "server_p1_multiserver_raw_bgr",
        "server_p1_multiserver_close",
        "server_p1_close",
        "client_p1_ack",
        "client_p1_multiserver_terminate_reply",
        "client_p1_bidirectional_str",
        "client_p1_bidirectional_ndarray_raw_bgr",
        "client_p1_bidirectional_jpeg_ndarray_jpeg_bgr",
    ]:
        assert required in names
    for golden in load_goldens():
        assert golden.producer["vidgear"] == "0.3.6"


# --------------------------------------------------------------------------- decoding


@pytest.mark.parametrize("golden", SERVER_FRAMES, ids=ids)
def test_vidgear_frame_decodes_to_the_frame_it_sent(golden: Golden) -> None:
    packet = decode_server_message(golden.parts)
    original = array_from_spec(golden.inputs["frame"])
    message = golden.inputs["message"]

    assert isinstance(packet, FramePacket)
    assert packet.pattern == golden.pattern
    assert packet.port == expected_port(golden)
    assert type(packet.port) is type(expected_port(golden))
    assert packet.message == message
    assert json_types(packet.message) == json_types(message)
    assert packet.compression == golden.compression()
    assert packet.seq is None
    assert packet.sent_at is None
    image = decode_frame(packet)
    if packet.compression is None:
        assert packet.dtype == str(original.dtype)
        assert packet.shape == original.shape
        assert np.array_equal(packet.raw_array(), original)
        assert image.dtype == original.dtype
        assert np.array_equal(image, original)
    else:
        assert (packet.dtype, packet.shape) == ("", ())
        assert_jpeg_close(image, original)


@pytest.mark.parametrize("golden", SERVER_CLOSES, ids=ids)
def test_vidgear_close_decodes_to_end_of_stream(golden: Golden) -> None:
    assert decode_server_message(golden.parts) == EndOfStream(port=expected_port(golden))


@pytest.mark.parametrize("golden", CLIENT_REPLIES, ids=ids)
def test_vidgear_reply_decodes(golden: Golden) -> None:
    reply = decode_client_message(golden.parts)
    port = golden.port if golden.options.get("multiclient_mode") else None
    if golden.call == "termination received":
        assert isinstance(reply, Ack)
        assert reply.text in TERMINATE_REPLIES
    elif "return_array" in golden.inputs:
        original = array_from_spec(golden.inputs["return_array"])
        assert isinstance(reply, ArrayReply)
        assert reply.port == port
        assert reply.compression == golden.compression()
        image = decode_frame(reply)
        if reply.compression is None:
            assert (reply.dtype, reply.shape) == (str(original.dtype), original.shape)
            assert np.array_equal(image, original)
        else:
            assert (reply.dtype, reply.shape) == ("", ())
            assert_jpeg_close(image, original)
    elif golden.options.get("bidirectional_mode") or golden.options.get("multiclient_mode"):
        data = golden.inputs["return_data"]
        assert reply == DataReply(data=data, port=port)
        assert json_types(reply.data) == json_types(data)
    else:
        assert isinstance(reply, Ack)
        assert ACK_TEXT.fullmatch(reply.text)


def test_multi_servers_goodbye_repeats_the_port_of_the_frames() -> None:
    """vidgear's client drops a server by matching the goodbye's port to its frames'."""
    by_name = {golden.name: golden for golden in load_goldens()}
    for frames, close in [
        ("server_p1_multiserver_raw_bgr", "server_p1_multiserver_close"),
        ("server_p1_multiserver_int_port_jpeg_msg_str", "server_p1_multiserver_int_port_close"),
    ]:
        packet = decode_server_message(by_name[frames].parts)
        goodbye = decode_server_message(by_name[close].parts)
        assert isinstance(packet, FramePacket)
        assert goodbye == EndOfStream(port=packet.port)


# --------------------------------------------------------------------------- encoding


@pytest.mark.parametrize("golden", SERVER_FRAMES, ids=ids)
def test_framehub_encodes_a_frame_as_vidgear_does(golden: Golden) -> None:
    original = array_from_spec(golden.inputs["frame"])
    packet = encode_as(
        FramePacket,
        original,
        encoder_for(golden),
        message=golden.inputs["message"],
        pattern=golden.pattern,
        port=expected_port(golden),
        seq=41,
        sent_at=1722000000.25,
        name="door",
        sender="cam-1/4242",
    )
    header, payload = encode_server_message(packet)

    assert_same_header(header, golden.parts[0])
    own = {key for key in json.loads(header) if key.startswith("fh_")}
    assert own == {"fh_seq", "fh_ts", "fh_name", "fh_sender"}
    if packet.compression is None or same_libjpeg(golden):
        assert bytes(payload) == golden.parts[1]
    assert decode_server_message([header, payload]) == packet


@pytest.mark.parametrize("golden", SERVER_CLOSES, ids=ids)
def test_framehub_encodes_end_of_stream_as_vidgear_does(golden: Golden) -> None:
    (part,) = encode_server_message(EndOfStream(port=expected_port(golden)))
    assert_same_header(part, golden.parts[0])


@pytest.mark.parametrize("golden", CLIENT_REPLIES, ids=ids)
def test_framehub_encodes_a_reply_as_vidgear_does(golden: Golden) -> None:
    reply = decode_client_message(golden.parts)
    if isinstance(reply, Ack):
        assert encode_client_message(Ack(text=reply.text)) == golden.parts
        return
    if isinstance(reply, DataReply):
        data = golden.inputs["return_data"]
        (part,) = encode_client_message(DataReply(data=data, port=reply.port))
        assert_same_header(part, golden.parts[0])
        return
    original = array_from_spec(golden.inputs["return_array"])
    ours = encode_as(ArrayReply, original, encoder_for(golden))
    header, payload = encode_client_message(ours)
    assert_same_header(header, golden.parts[0])
    if ours.compression is None or same_libjpeg(golden):
        assert bytes(payload) == golden.parts[1]
