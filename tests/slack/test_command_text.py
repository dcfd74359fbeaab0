import pytest

from bot.errors import InvalidInput
from bot.slack.command_text import Command, parse_command


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Command("help")),
        ("  help ", Command("help")),
        ("status", Command("status")),
        ("schedules", Command("schedules")),
        ("schedule", Command("schedule")),
        ("schedule daily digest", Command("schedule", task="daily digest")),
        ("summarise the news", Command("run", task="summarise the news")),
        ("--budget high dig deep", Command("run", task="dig deep", budget="high")),
        ("--budget=LOW quick one", Command("run", task="quick one", budget="low")),
        ("-- status of the build", Command("run", task="status of the build")),
        ("status of the build", Command("run", task="status of the build")),
        ("--budget high", Command("run", task="", budget="high")),
    ],
)
def test_parse(text: str, expected: Command) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize("text", ["--budget huge do it", "--budget"])
def test_bad_budget_is_refused_with_the_field(text: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_command(text)
    assert info.value.field == "budget"
