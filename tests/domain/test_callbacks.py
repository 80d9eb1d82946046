"""The callback codec, by table: what encode makes decode reads back; anything else is refused."""

from __future__ import annotations

import pytest

from care.domain.callbacks import ACTIONS, MAX_ID, Callback, decode, encode
from care.domain.errors import InvalidInput


@pytest.mark.parametrize(
    ("action", "args", "data"),
    [
        ("lang", ("ko",), "1|lang|ko"),
        ("ci", ("now",), "1|ci|now"),
        ("pdone", (42,), "1|pdone|42"),
        ("ans", (7, "legpain", "10"), "1|ans|7|legpain|10"),
        ("ftc", (12, "yes"), "1|ftc|12|yes"),
        ("bc", (3, "cancel"), "1|bc|3|cancel"),
        ("hdl", (99, "c"), "1|hdl|99|c"),
        ("page", ("alerts", 2), "1|page|alerts|2"),
        ("wake", ("08:00-21:00",), "1|wake|08:00-21:00"),
    ],
)
def test_what_encode_makes_decode_reads_back(
    action: str, args: tuple[object, ...], data: str
) -> None:
    assert encode(action, *args) == data
    assert decode(data) == Callback(action, tuple(str(arg) for arg in args))


@pytest.mark.parametrize(
    ("action", "args"),
    [
        ("nope", ("1",)),  # no such action
        ("ack", ()),  # too few arguments
        ("ack", (1, 2)),  # too many
        ("ack", ("1|2",)),  # a separator inside an argument
        ("ack", ("",)),  # empty
        ("ack", ("가",)),  # not ASCII
        ("ack", ("x" * 25,)),  # longer than 24 characters
        ("ans", ("1" * 20, "q" * 20, "o" * 20)),  # over 64 bytes in all
    ],
)
def test_encode_refuses_what_decode_would_not_read(action: str, args: tuple[object, ...]) -> None:
    with pytest.raises(ValueError, match=r"callback|action"):
        encode(action, *args)


@pytest.mark.parametrize(
    "data",
    [
        "",
        "ack|1",  # no version
        "2|ack|1",  # another version
        "1|ack",  # an argument missing
        "1|ack|1|2",  # one too many
        "1|ack|",  # an empty argument
        "1|ack|1 2",  # a space
        "1|ack|１",  # a full-width digit
        "1|nope|1",  # an unknown action
        "1|ack|" + "1" * 70,  # over 64 bytes
    ],
)
def test_decode_refuses_anything_encode_did_not_make(data: str) -> None:
    with pytest.raises(InvalidInput):
        decode(data)


@pytest.mark.parametrize(
    ("arg", "number"),
    [("0", 0), ("42", 42), (str(MAX_ID), MAX_ID)],
)
def test_a_numeric_argument_is_read_within_the_int4_range(arg: str, number: int) -> None:
    assert decode(f"1|ack|{arg}").arg_int(0) == number


@pytest.mark.parametrize("arg", [str(MAX_ID + 1), "9" * 24, "1e3", "-1", "0x1f", "1.5"])
def test_a_numeric_argument_out_of_range_or_not_a_number_is_refused(arg: str) -> None:
    with pytest.raises(InvalidInput):
        decode(f"1|ack|{arg}").arg_int(0)


def test_every_action_with_its_arguments_fits_in_64_bytes() -> None:
    for action, count in ACTIONS.items():
        data = encode(action, *([str(MAX_ID)] * count))
        assert len(data.encode()) <= 64 and decode(data).action == action
