"""An answer's body, read within a size limit and inflated as it arrives.

httpx inflates each gzip chunk whole, so 64 KB off the wire can become 64 MB in memory
before anyone counts. Here each chunk is inflated only as far as the limit still allows:
a small compressed body that would inflate to gigabytes is refused once it passes the
limit, having used about that much memory.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

import httpx

ACCEPT_ENCODING = "gzip, deflate"
"""What we ask for, and all that is ever inflated: layers of these (`gzip, gzip` too), each
here, a step at a time. An encoding we did not ask for (br, zstd) is not decoded at all:
httpx would inflate each chunk of it whole. Its bytes are read as they come, and are then
no JSON."""
_WBITS = {"gzip": zlib.MAX_WBITS | 16, "x-gzip": zlib.MAX_WBITS | 16,
          "deflate": zlib.MAX_WBITS | 32}  # deflate: a zlib (or gzip) wrapper
MAX_LAYERS = 3
"""More layers of compression than any server needs: a longer chain is refused as damaged."""
_STEP = 2**18
"""The most one call inflates (256 KB)."""


class BodyTooLarge(Exception):
    """The body passed the limit (in bytes, after decompression)."""


async def read_body(response: httpx.Response, limit: int) -> bytes:
    """The whole body of a streamed response, decompressed, at most `limit` bytes.

    Raises:
        BodyTooLarge: it is longer.
        httpx.DecodingError: the compressed data is damaged.
    """
    if response.is_stream_consumed:  # built whole in memory (a test's MockTransport)
        if len(response.content) > limit:
            raise BodyTooLarge(limit)
        return response.content
    encodings = [e.strip().lower() for e in response.headers.get("content-encoding", "").split(",")]
    layers = [e for e in encodings if e in _WBITS]  # others (identity, br, a typo) are read as they are
    if len(layers) > MAX_LAYERS:
        raise httpx.DecodingError(f"{len(layers)} layers of compression", request=response.request)
    inflaters = [zlib.decompressobj(_WBITS[e]) for e in reversed(layers)]  # the last applied comes off first
    body = bytearray()
    async for chunk in response.aiter_raw():
        for piece in _inflate_all(inflaters, chunk, response):
            body += piece
            if len(body) > limit:
                raise BodyTooLarge(limit)
    for index, inflater in enumerate(inflaters):  # what each layer still holds, through the ones after it
        for piece in _inflate_all(inflaters[index + 1:], inflater.flush(), response):
            body += piece
            if len(body) > limit:
                raise BodyTooLarge(limit)
    return bytes(body)


def _inflate_all(inflaters: list[Any], data: bytes, response: httpx.Response) -> Iterator[bytes]:
    """`data` through every layer in turn, a step at a time: no piece is ever large."""
    if not inflaters:
        if data:
            yield data
        return
    for piece in _inflate(inflaters[0], data, response):
        yield from _inflate_all(inflaters[1:], piece, response)


def _inflate(inflater: Any, data: bytes, response: httpx.Response) -> Iterator[bytes]:
    """`data` inflated a step at a time, so that no single piece is large."""
    while data:
        try:
            yield inflater.decompress(data, _STEP)
        except zlib.error as exc:
            raise httpx.DecodingError(f"damaged compressed body: {exc}", request=response.request) from None
        data = inflater.unconsumed_tail


def size(limit: int) -> str:
    """`52428800` -> `50 MB`, for messages."""
    if limit >= 2**20:
        return f"{limit / 2**20:.3g} MB"
    if limit >= 2**10:
        return f"{limit / 2**10:.3g} KB"
    return f"{limit} bytes"
