"""The ledger's hash chain: canonical JSON of an entry, its SHA-256 linked to the previous
entry's hash, and the check that finds where a chain was broken. Pure: no database."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from volunteer.funds.ledger_rules import Line


class ChainPayloadError(TypeError):
    """A hash-chain payload holds a value canonical JSON cannot pin down (a float, say)."""


GENESIS_HASH = "0" * 64


def _check_payload(value: Any) -> None:
    # Floats are refused rather than formatted: 0.1 + 0.2 would hash differently on another
    # platform or after a round trip through the database, and money is never a float anyway.
    if isinstance(value, float):
        raise ChainPayloadError("哈希链内容不能含浮点数，金额请用整数分")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ChainPayloadError(f"哈希链内容的键必须是字符串：{key!r}")
            _check_payload(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _check_payload(item)
    elif value is not None and not isinstance(value, str | int):
        raise ChainPayloadError(f"哈希链内容不支持的类型：{type(value).__name__}")


def canonical_json(payload: dict[str, Any]) -> str:
    """The one serialisation that is hashed: sorted keys, no spaces, UTF-8 text as is."""
    _check_payload(payload)
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(prev_hash: str, payload: dict[str, Any]) -> str:
    """sha256 over the previous hash, a newline and the payload's canonical JSON."""
    if len(prev_hash) != 64 or prev_hash.strip("0123456789abcdef"):
        raise ValueError("前一哈希必须是 64 位小写十六进制")
    text = f"{prev_hash}\n{canonical_json(payload)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def lines_payload(lines: Iterable[Line]) -> list[dict[str, Any]]:
    """Lines as plain data for a chain payload, in their posted order."""
    return [
        {"account": str(line.account), "debit_fen": line.debit_fen,
         "credit_fen": line.credit_fen, "sponsor": line.sponsor}
        for line in lines
    ]  # fmt: skip


def verify_chain(entries: Iterable[tuple[dict[str, Any], str, str]]) -> list[int]:
    """Positions (0-based) of entries whose link is broken, given `(payload, prev_hash, hash)`.

    An entry is broken when its stored hash does not match its payload, or its `prev_hash` is
    not the stored hash of the entry before it (`GENESIS_HASH` for the first). A changed
    amount flags that entry; a removed entry flags its successor; a swap flags both.
    """
    broken = []
    expected_prev = GENESIS_HASH
    for position, (payload, prev_hash, stored_hash) in enumerate(entries):
        try:
            recomputed = entry_hash(prev_hash, payload)
        except (ValueError, TypeError):
            recomputed = None
        if prev_hash != expected_prev or recomputed != stored_hash:
            broken.append(position)
        expected_prev = stored_hash
    return broken
