import pytest
from hypothesis import given
from hypothesis import strategies as st

from framehub.errors import ConfigError
from framehub.montage import MontageLayout, shell_position


def test_slots_fill_growing_squares():
    assert [shell_position(s) for s in range(9)] == [
        (0, 0),
        (0, 1),
        (1, 1),
        (1, 0),
        (0, 2),
        (1, 2),
        (2, 2),
        (2, 1),
        (2, 0),
    ]


def test_a_server_keeps_its_cell_when_others_join_and_leave():
    layout = MontageLayout()
    first = layout.update(["a", "b"])
    assert first == {"a": (0, 0), "b": (0, 1)}
    assert layout.shape == (1, 2)
    grown = layout.update(["a", "b", "c", "d", "e"])
    assert grown["a"] == (0, 0) and grown["b"] == (0, 1)
    assert layout.shape == (2, 3)
    shrunk = layout.update(["b", "e"])
    assert shrunk == {"b": (0, 1), "e": (0, 2)}


def test_a_newcomer_takes_the_lowest_free_cell_and_a_returning_server_its_old_one():
    layout = MontageLayout()
    layout.update(["a", "b", "c"])
    assert layout.update(["a", "c"]) == {"a": (0, 0), "c": (1, 1)}
    assert layout.update(["a", "c", "b"])["b"] == (0, 1)
    layout.update(["a", "c"])
    assert layout.update(["a", "c", "new"])["new"] == (0, 1)
    assert layout.update(["a", "c", "new", "b"])["b"] == (1, 0)


def test_a_returning_server_gets_its_own_cell_even_when_a_lower_one_is_free():
    layout = MontageLayout()
    layout.update(["a", "b", "c", "d"])
    layout.update(["a", "d"])
    assert layout.update(["a", "d", "c"])["c"] == (1, 1)


def test_fixed_columns_fill_rows():
    layout = MontageLayout(columns=3)
    assert layout.update(["a", "b", "c", "d"])["d"] == (1, 0)
    assert layout.shape == (2, 3)
    assert layout.update([]) == {}
    assert layout.shape == (1, 3)


def test_an_empty_layout_is_one_cell():
    assert MontageLayout().shape == (1, 1)


@pytest.mark.parametrize("columns", [0, -2, 1.5, True])
def test_invalid_columns_are_rejected(columns):
    with pytest.raises(ConfigError, match="columns"):
        MontageLayout(columns)


@given(
    st.lists(st.sets(st.integers(0, 12)), max_size=25),
    st.sampled_from([None, 1, 3]),
)
def test_positions_are_unique_and_never_move_while_a_server_stays(rounds, columns):
    layout = MontageLayout(columns)
    previous: dict[int, tuple[int, int]] = {}
    for servers in rounds:
        positions = layout.update(sorted(servers))
        assert set(positions) == servers
        assert len(set(positions.values())) == len(positions)
        for server in servers & previous.keys():
            assert positions[server] == previous[server]
        rows, cols = layout.shape
        assert all(r < rows and c < cols for r, c in positions.values())
        previous = positions
