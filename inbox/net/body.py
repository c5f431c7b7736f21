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
"""What we ask for: the encodings read here. Anything else a server sends anyway goes
through httpx's decoders, still counted chunk by chunk."""
_WBITS = {"gzip": zlib.MAX_WBITS | 16, "x-gzip": zlib.MAX_WBITS | 16,
          "deflate": zlib.MAX_WBITS | 32}  # deflate: a zlib (or gzip) wrapper
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
    encodings = [e for e in encodings if e and e != "identity"]
    ours = len(encodings) == 1 and encodings[0] in _WBITS
    inflater = zlib.decompressobj(_WBITS[encodings[0]]) if ours else None
    chunks = response.aiter_raw() if inflater is not None or not encodings else response.aiter_bytes()
    body = bytearray()
    async for chunk in chunks:
        for piece in _inflate(inflater, chunk, response) if inflater is not None else (chunk,):
            body += piece
            if len(body) > limit:
                raise BodyTooLarge(limit)
    if inflater is not None:
        body += inflater.flush()
        if len(body) > limit:
            raise BodyTooLarge(limit)
    return bytes(body)


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
