from bot.relay.turn_text import TurnText, turn_output
from bot.workers.models import OutputContent, Worker, WorkerOutput


def _worker(*outputs: tuple[str, str], status: str = "completed", running: bool = False) -> Worker:
    return Worker(
        id="wrk_1",
        status=status,  # type: ignore[arg-type]
        running=running,
        output=[WorkerOutput(id=oid, content=[OutputContent(text=text)]) for oid, text in outputs],
    )


def test_turn_output_skips_earlier_turns() -> None:
    worker = _worker(("m1", "old answer"), ("m2", "new answer"))
    assert turn_output(worker, frozenset({"m1"})) == "new answer"
    assert turn_output(worker, frozenset()) == "old answer\n\nnew answer"


def test_deltas_then_final_snapshot_is_the_truth() -> None:
    text = TurnText(known_ids=frozenset({"m1"}))
    text.on_connect()
    text.on_delta("Hel")
    text.on_delta("lo")
    assert text.text == "Hello" and not text.final
    text.on_snapshot(_worker(("m1", "old"), status="running", running=True))
    assert text.text == "Hello"  # a running snapshot without this turn's output changes nothing
    text.on_snapshot(_worker(("m1", "old"), ("m2", "Hello, world")))
    assert text.final and text.text == "Hello, world"
    text.on_delta(" late")  # nothing after the final snapshot
    assert text.text == "Hello, world"


def test_reconnect_that_replays_from_the_start_does_not_duplicate() -> None:
    text = TurnText(known_ids=frozenset())
    text.on_connect()
    text.on_delta("abc")
    text.on_delta("def")
    text.on_connect()
    text.on_delta("abcd")  # catch-up shorter than what we have: keep ours
    assert text.text == "abcdef"
    text.on_delta("efgh")
    assert text.text == "abcdefgh"


def test_reconnect_that_sends_only_new_chunks_appends() -> None:
    text = TurnText(known_ids=frozenset())
    text.on_connect()
    text.on_delta("first part. ")
    text.on_connect()
    text.on_delta("second part.")
    assert text.text == "first part. second part."


def test_final_snapshot_of_a_failed_turn_ends_it() -> None:
    text = TurnText(known_ids=frozenset())
    worker = _worker()
    worker.error = {"message": "boom"}
    text.on_snapshot(worker)
    assert text.final and text.text == ""
