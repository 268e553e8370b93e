"""Public ids: what the API and links show instead of database ids.

A database id leaks how many notices, listings or assets exist and invites
guessing. Objects that outsiders address carry a ``public_id`` (a UUIDv7:
time-ordered, so indexes stay compact, and random in its last 74 bits), shown
as a type prefix and the UUID in Crockford base32, ``ntc_01JD8X...`` (the
form ULIDs made familiar). The prefix names the type, so an id pasted into
the wrong field is refused rather than looked up.
"""

import os
import re
import time
import uuid

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_DECODE = {c: i for i, c in enumerate(_ALPHABET)}
_DECODE.update({c.lower(): i for c, i in list(_DECODE.items())})
_DECODE.update({"O": 0, "o": 0, "I": 1, "i": 1, "L": 1, "l": 1})
_ENCODED_LENGTH = 26


def uuid7(at=None):
    """A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, version, 74 random bits, variant.

    ``at`` (an aware datetime) dates the id instead of now: rows that get their id
    after the fact (a migration's backfill) keep their creation order.
    """
    ms = time.time_ns() // 1_000_000 if at is None else int(at.timestamp() * 1000)
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return uuid.UUID(int=value)


# Decoding reads the digits with int(text, 32) in C rather than a Python loop per character (a
# request names hundreds of ids): the body is first checked to hold only Crockford's characters,
# since int() would take others (an underscore, a sign, other scripts' digits), then mapped to
# int()'s digits.
_TO_INT_DIGITS = str.maketrans({c: "0123456789abcdefghijklmnopqrstuv"[i] for c, i in _DECODE.items()})
_BODY = re.compile(f"[{''.join(sorted(_DECODE))}]{{{_ENCODED_LENGTH}}}")


def encode(prefix, value):
    """``ntc`` and a UUID -> ``ntc_<26 characters>``."""
    number = value.int
    chars = []
    for _ in range(_ENCODED_LENGTH):
        chars.append(_ALPHABET[number & 31])
        number >>= 5
    return f"{prefix}_{''.join(reversed(chars))}"


def decode(prefix, text):
    """``ntc_<26 characters>`` -> UUID, or None when the text is not an id of this type."""
    if not isinstance(text, str) or not text.startswith(f"{prefix}_"):
        return None
    body = text[len(prefix) + 1 :]
    if len(body) != _ENCODED_LENGTH or _BODY.fullmatch(body) is None:
        return None
    number = int(body.translate(_TO_INT_DIGITS), 32)
    if number >> 128:
        return None
    return uuid.UUID(int=number)


def public_ids_backfill(model, *, date_field="created_at", batch_size=1000):
    """Give every row of ``model`` without a public id one dated by ``date_field``; for data migrations.

    Works the same on SQLite and PostgreSQL (plain reads and ``bulk_update`` in
    batches). The migration that adds the column runs this; a later migration makes
    the column unique and required, because PostgreSQL refuses to alter a table
    in the transaction that just updated it.
    """
    rows = model._default_manager.filter(public_id__isnull=True).order_by("pk").only("pk", date_field)
    while True:
        batch = list(rows[:batch_size])
        if not batch:
            return
        for row in batch:
            row.public_id = uuid7(getattr(row, date_field))
        model._default_manager.bulk_update(batch, ["public_id"])


def uuid7_sql(vendor):
    """An SQL expression giving a fresh UUIDv7 per row, as ``uuid7()`` does in Python, in the column's format.

    For set-based inserts (``INSERT ... SELECT``) of rows whose public id defaults to ``uuid7``:
    PostgreSQL takes 122 random bits from ``gen_random_uuid()``, writes the Unix milliseconds
    over its first 48 bits and sets the version bits to 7; SQLite stores a UUID as 32 hex digits.
    Its percent signs are doubled: it goes into statements that take parameters.
    """
    if vendor == "postgresql":
        return (
            "encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing "
            "substring(int8send(floor(extract(epoch from clock_timestamp()) * 1000)::bigint) from 3) "
            "from 1 for 6), 52, 1), 53, 1), 'hex')::uuid"
        )
    if vendor == "sqlite":
        return (
            "(printf('%%012x', CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)) || '7' "
            "|| substr(lower(hex(randomblob(2))), 2, 3) || substr('89ab', 1 + (abs(random()) %% 4), 1) "
            "|| substr(lower(hex(randomblob(8))), 2, 15))"
        )
    raise NotImplementedError(f"uuid7_sql: no expression for {vendor}")
