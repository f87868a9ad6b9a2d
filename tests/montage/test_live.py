import numpy as np
import pytest

from framehub.errors import ConfigError
from framehub.montage import LiveMontage, TileInfo

TILE = (160, 120)
PLACEHOLDER = (48, 48, 48)


def solid(color, shape=(120, 160)) -> np.ndarray:
    frame = np.empty((*shape, 3), dtype=np.uint8)
    frame[:] = color
    return frame


def tile(canvas, row, column):
    width, height = TILE
    return canvas[row * height : (row + 1) * height, column * width : (column + 1) * width]


def whitish(region) -> bool:
    return bool((region > 160).all(axis=2).any())


def centre(cell):
    return tuple(int(v) for v in cell[cell.shape[0] // 2, cell.shape[1] // 2])


def test_each_server_gets_a_labelled_tile_showing_its_frame():
    montage = LiveMontage(tile_size=TILE)
    canvas = montage.render(
        {
            "5566": TileInfo(solid((0, 0, 255)), fps=30.0, message="hello"),
            "5567": TileInfo(solid((0, 255, 0))),
        }
    )
    assert canvas.shape == (120, 320, 3)
    assert centre(tile(canvas, 0, 0)) == (0, 0, 255)
    assert centre(tile(canvas, 0, 1)) == (0, 255, 0)
    label = tile(canvas, 0, 0)[:12]
    assert whitish(label), "label text at the top"
    assert (label[..., 2] < 255).any(), "the label strip is darkened"
    assert whitish(tile(canvas, 0, 0)[-12:]), "the message at the bottom"
    assert not whitish(tile(canvas, 0, 1)[-12:]), "no message, no bottom bar"


def test_tiles_stay_in_place_as_servers_come_and_go():
    montage = LiveMontage(tile_size=TILE)
    red, green, blue = solid((0, 0, 255)), solid((0, 255, 0)), solid((255, 0, 0))
    montage.render({"a": TileInfo(red), "b": TileInfo(green)})
    canvas = montage.render({"a": TileInfo(red), "b": TileInfo(green), "c": TileInfo(blue)})
    assert canvas.shape == (240, 320, 3)
    assert centre(tile(canvas, 0, 1)) == (0, 255, 0)
    assert centre(tile(canvas, 1, 1)) == (255, 0, 0)
    canvas = montage.render({"b": TileInfo(green), "c": TileInfo(blue)})
    assert centre(tile(canvas, 0, 1)) == (0, 255, 0)
    assert centre(tile(canvas, 1, 1)) == (255, 0, 0)
    assert centre(tile(canvas, 0, 0)) == (0, 0, 0), "a freed cell is empty"


def test_a_quiet_server_keeps_its_tile_with_a_placeholder():
    montage = LiveMontage(tile_size=TILE)
    montage.render({"a": TileInfo(solid((0, 0, 255))), "b": TileInfo(solid((0, 255, 0)))})
    canvas = montage.render(
        {"a": TileInfo(solid((0, 0, 255)), quiet=True), "b": TileInfo(solid((0, 255, 0)))}
    )
    quiet = tile(canvas, 0, 0)
    assert tuple(int(v) for v in quiet[30, 5]) == PLACEHOLDER
    assert not (quiet == (0, 0, 255)).all(axis=2).any()
    assert centre(tile(canvas, 0, 1)) == (0, 255, 0)


def test_a_server_without_a_frame_yet_shows_a_placeholder():
    canvas = LiveMontage(tile_size=TILE).render({"a": TileInfo()})
    assert tuple(int(v) for v in canvas[30, 5]) == PLACEHOLDER


def test_frames_of_other_sizes_are_fitted_with_their_aspect_ratio():
    wide = solid((0, 0, 255), shape=(50, 400))
    canvas = LiveMontage(tile_size=TILE).render({"a": TileInfo(wide)})
    column = canvas[:, 80]
    red_rows = np.flatnonzero((column == (0, 0, 255)).all(axis=1))
    assert 18 <= len(red_rows) <= 22  # 400x50 scaled into 160 wide is 20 rows
    assert red_rows[0] > 40 and red_rows[-1] < 80


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (np.full((120, 160), 200, np.uint8), (200, 200, 200)),
        (np.full((120, 160, 1), 90, np.uint8), (90, 90, 90)),
        (np.dstack([np.full((120, 160), v, np.uint8) for v in (1, 2, 3, 4)]), (1, 2, 3)),
    ],
)
def test_grayscale_and_bgra_frames_are_shown(frame, expected):
    canvas = LiveMontage(tile_size=TILE).render({"a": TileInfo(frame)})
    assert centre(canvas) == expected


def test_other_dtypes_are_stretched_and_odd_shapes_do_not_crash():
    ramp = np.tile(np.linspace(0, 4095, 160, dtype=np.uint16), (120, 1))
    canvas = LiveMontage(tile_size=TILE).render(
        {"deep": TileInfo(ramp), "odd": TileInfo(np.zeros((10, 10, 2), np.uint8))}
    )
    row = canvas[60, :160, 0]
    shown = row[np.flatnonzero(row)[0] :] if row.any() else row
    assert shown[2] < 10 and row.max() > 245
    assert tuple(int(v) for v in tile(canvas, 0, 1)[30, 5]) == PLACEHOLDER


@pytest.mark.parametrize("tile_size", [(8, 8), (160,), (160.0, 120), "big"])
def test_invalid_tile_sizes_are_rejected(tile_size):
    with pytest.raises(ConfigError, match="tile_size"):
        LiveMontage(tile_size=tile_size)


def test_labels_sit_above_and_below_the_picture_not_on_it():
    canvas = LiveMontage(tile_size=TILE).render(
        {"5566": TileInfo(solid((0, 0, 255)), fps=30.0, message="hello", title="door (5566)")}
    )
    column = canvas[:, 80]
    red = np.flatnonzero((column == (0, 0, 255)).all(axis=1))
    # The picture is whole between the bars: the title and the message do not cover it.
    assert red.size and red[-1] - red[0] + 1 == red.size
    assert not whitish(canvas[red[0] : red[-1] + 1])
    assert whitish(canvas[: red[0]]) and whitish(canvas[red[-1] + 1 :])
