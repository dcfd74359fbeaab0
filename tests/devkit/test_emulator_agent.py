"""The simulated agent: knobs, determinism, and how output is cut into deltas."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.devkit.emulator.agent import Knobs, parse_knobs, plan_turn, split_evenly


def test_knobs_are_read_from_the_task_text() -> None:
    assert parse_knobs("report chars=500 deltas=7 pace=0.25 file fail") == Knobs(
        chars=500, deltas=7, pace=0.25, file="", fail=True
    )
    assert parse_knobs("file=big") == Knobs(file="big")
    assert parse_knobs("files and profile, no failure") == Knobs()


def test_same_task_same_turn_same_answer() -> None:
    one = plan_turn("Compare regions", turn_number=1, default_pace=0.1)
    again = plan_turn("Compare regions", turn_number=1, default_pace=0.1)
    later = plan_turn("Compare regions", turn_number=2, default_pace=0.1)

    assert one == again
    assert one.text != later.text
    assert one.pace == 0.1
    assert "".join(one.chunks) == one.text
    assert [s.url.startswith("https://") for s in one.sources] == [True, True]


def test_fail_streams_a_prefix_and_publishes_nothing() -> None:
    plan = plan_turn("fail file deltas=9", turn_number=1, default_pace=0)

    assert plan.fail and plan.files == ()
    assert len(plan.chunks) == 3
    assert plan.text.startswith("".join(plan.chunks))


def test_file_paths_never_escape_the_workspace() -> None:
    plan = plan_turn("file=a/../../etc/passwd", turn_number=1, default_pace=0)

    assert plan.files[0].path == "etc/passwd"


@given(st.text(max_size=300), st.integers(min_value=1, max_value=500))
def test_split_evenly_keeps_every_character(text: str, parts: int) -> None:
    chunks = split_evenly(text, parts)

    assert "".join(chunks) == text
    assert len(chunks) == max(min(parts, len(text)), 1)


@given(st.integers(min_value=2000, max_value=20000))
def test_chars_knob_is_exact_above_the_plain_answer(chars: int) -> None:
    text = plan_turn(f"essay chars={chars}", turn_number=1, default_pace=0).text

    assert len(text) == chars
    assert text.endswith(").")
