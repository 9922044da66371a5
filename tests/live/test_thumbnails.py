"""Snapshot thumbnails: small, only for the tiles a dashboard has on screen, at the rate its teacher chose."""

import io

import pytest
from PIL import Image

from live.protocol import ProtocolError
from live.thumbnails import ThumbnailPolicy, thumbnail, thumbnails_request


def jpeg(width: int = 320, height: int = 240) -> bytes:
    out = io.BytesIO()
    Image.effect_noise((width, height), 60).convert("RGB").save(out, format="JPEG", quality=80)
    return out.getvalue()


def update(*ids: int) -> dict:
    return {"type": "students.update", "students": [{"id": i, "name": f"S{i}", "snapshot": f"data:{i}"} for i in ids]}


def snapshots(message: dict) -> dict:
    return {tile["id"]: tile.get("snapshot", "absent") for tile in message["students"]}


def test_it_shrinks_a_snapshot_to_a_small_jpeg():
    original = jpeg()
    small = thumbnail(original)
    assert small is not None and len(small) < len(original) / 3
    with Image.open(io.BytesIO(small)) as image:
        assert image.format == "JPEG" and image.size == (96, 72)


def test_it_gives_up_on_a_snapshot_it_cannot_read():
    assert thumbnail(b"\xff\xd8\xffnot really") is None


def test_a_dashboard_that_said_nothing_gets_no_thumbnails():
    assert snapshots(ThumbnailPolicy().outgoing(update(1, 2), now=0.0)) == {1: None, 2: None}


def test_only_tiles_on_screen_get_thumbnails_and_no_faster_than_the_rate():
    policy = ThumbnailPolicy()
    policy.choose(*thumbnails_request({"every_s": 10, "visible": [1, 2]}))
    assert snapshots(policy.outgoing(update(1, 2, 3), now=100.0)) == {1: "data:1", 2: "data:2", 3: "absent"}
    assert snapshots(policy.outgoing(update(1, 2, 3), now=105.0)) == {1: "absent", 2: "absent", 3: "absent"}
    assert snapshots(policy.outgoing(update(1, 2, 3), now=110.0)) == {1: "data:1", 2: "data:2", 3: "absent"}


def test_a_tile_scrolled_into_view_gets_the_next_thumbnail_at_once():
    policy = ThumbnailPolicy()
    policy.choose(10.0, frozenset({1}))
    policy.outgoing(update(1, 2), now=100.0)
    policy.choose(10.0, frozenset({2}))
    policy.outgoing(update(1, 2), now=101.0)
    policy.choose(10.0, frozenset({1, 2}))
    assert snapshots(policy.outgoing(update(1, 2), now=102.0)) == {1: "data:1", 2: "absent"}


def test_thumbnails_off_tells_the_page_to_drop_the_pictures_it_shows():
    policy = ThumbnailPolicy()
    policy.choose(*thumbnails_request({"every_s": 0, "visible": [1]}))
    message = {"type": "student.update", "student": {"id": 1, "snapshot": "data:1"}}
    assert policy.outgoing(message, now=0.0)["student"]["snapshot"] is None


def test_a_tile_without_a_snapshot_passes_unchanged():
    policy = ThumbnailPolicy(every_s=2.0, visible=frozenset({1}))
    tile = {"id": 1, "name": "Mia"}
    assert policy.outgoing({"type": "students.update", "students": [tile]}, now=0.0)["students"] == [tile]


@pytest.mark.parametrize(
    "command",
    [
        {},
        {"every_s": 3},
        {"every_s": True},
        {"every_s": "2"},
        {"every_s": 2, "visible": "1,2"},
        {"every_s": 2, "visible": [0]},
        {"every_s": 2, "visible": [True]},
        {"every_s": 2, "visible": list(range(1, 502))},
    ],
)
def test_a_malformed_request_is_refused_with_bad_message(command):
    with pytest.raises(ProtocolError) as refused:
        thumbnails_request(command)
    assert refused.value.code == "bad_message"
