import pytest

from ldnclinic.photos.body_sites import body_map, parse


def test_the_map_has_front_and_back_regions():
    bmap = body_map()
    codes = {r.code for r in bmap.regions}
    for code in (
        "scalp",
        "face",
        "neck_front",
        "chest",
        "abdomen",
        "upper_back",
        "lower_back",
        "buttocks",
        "genital",
        "perianal",
        "left_elbow",
        "right_palm",
        "left_sole",
    ):
        assert code in codes
    assert {r.side for r in bmap.regions} == {"front", "back"}
    assert len(bmap.for_side("front")) > 10 and len(bmap.for_side("back")) > 10


def test_every_region_lies_inside_the_view_box():
    x0, y0, width, height = body_map().view_box
    for r in body_map().regions:
        assert x0 <= r.x and r.x + r.width <= x0 + width, r.code
        assert y0 <= r.y and r.y + r.height <= y0 + height, r.code


def test_choices_cover_every_region_once():
    codes = [code for _, options in body_map().choices() for code, _ in options]
    assert sorted(codes) == sorted(r.code for r in body_map().regions)


def test_a_duplicate_code_is_refused():
    data = {
        "view_box": [0, 0, 10, 10],
        "sides": [{"code": "front", "label": "Front"}],
        "groups": [{"code": "g", "label": "G"}],
        "regions": [
            {"code": "a", "label": "A", "side": "front", "group": "g", "rect": [0, 0, 1, 1]},
            {"code": "a", "label": "A", "side": "front", "group": "g", "rect": [0, 0, 1, 1]},
        ],
    }
    with pytest.raises(ValueError, match="twice"):
        parse(data)
