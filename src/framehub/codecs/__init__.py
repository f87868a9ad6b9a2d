"""Frame codecs behind one small interface: raw, JPEG (simplejpeg/libjpeg-turbo) and
H.264 (PyAV, optional: ``framehub.codecs.h264``, imported only when used).

The encoder is chosen once, at construction; decoding follows whatever the
sender declared in its header, so a client reads raw and JPEG peers alike.
"""

from .base import EncodedFrame, FrameEncoder, decode_frame
from .jpeg import JpegEncoder
from .raw import RawEncoder

__all__ = ["EncodedFrame", "FrameEncoder", "JpegEncoder", "RawEncoder", "decode_frame"]
