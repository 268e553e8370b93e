import uuid

from hypothesis import given
from hypothesis import strategies as st

from portal import public_ids


@given(st.integers(min_value=0, max_value=(1 << 128) - 1))
def test_encode_decode_round_trip(number):
    value = uuid.UUID(int=number)
    text = public_ids.encode("ntc", value)
    assert text.startswith("ntc_") and len(text) == 30
    assert public_ids.decode("ntc", text) == value
    assert public_ids.decode("ntc", text.lower()) == value


def test_an_id_of_another_type_or_malformed_is_refused():
    text = public_ids.encode("ntc", public_ids.uuid7())
    assert public_ids.decode("itm", text) is None
    assert public_ids.decode("ntc", text[:-1]) is None
    assert public_ids.decode("ntc", text[:-1] + "U") is None
    assert public_ids.decode("ntc", "ntc_" + "Z" * 26) is None  # more than 128 bits
    assert public_ids.decode("ntc", 17) is None


def test_uuid7_is_version_7_and_time_ordered():
    values = [public_ids.uuid7() for _ in range(50)]
    assert all(v.version == 7 and v.variant == uuid.RFC_4122 for v in values)
    stamps = [v.int >> 80 for v in values]
    assert stamps == sorted(stamps)
    assert len(set(values)) == 50


def test_characters_python_reads_as_digits_but_crockford_does_not_are_refused():
    """decode reads the digits with int(..., 32), which would take these: each is refused."""
    body = public_ids.encode("ntc", public_ids.uuid7())[4:]
    for odd in ("_", "+", " ", "\u0663", "u", "U", "\x00"):
        for at in (0, 1, 25):
            assert public_ids.decode("ntc", f"ntc_{body[:at]}{odd}{body[at + 1 :]}") is None, (odd, at)
    assert public_ids.decode("ntc", f"ntc_{body[:13]}_{body[13:25]}") is None
    # Crockford's readings of look-alikes are kept: O is 0, I and L are 1.
    assert public_ids.decode("ntc", "ntc_" + "O" * 25 + "I") == uuid.UUID(int=1)
    assert public_ids.decode("ntc", "ntc_" + "o" * 25 + "l") == uuid.UUID(int=1)
