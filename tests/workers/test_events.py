"""The tolerant decoding of SSE messages into snapshots and deltas."""

from __future__ import annotations

import json

from bot.workers.events import Delta, EventDecoder, SkipCounts, Snapshot
from bot.workers.sse import SSEMessage

WORKER = {
    "id": "wrk_1",
    "object": "worker",
    "status": "running",
    "running": True,
    "output": [{"id": "msg_1", "content": [{"text": "hi", "type": "output_text"}]}],
}


def decode(data: str, event: str = "message") -> Snapshot | Delta | None:
    return EventDecoder().decode(SSEMessage(data=data, event=event))


def test_worker_object_is_a_snapshot_whatever_the_event_name() -> None:
    for name in ("worker", "message", "something-new"):
        event = decode(json.dumps(WORKER), name)
        assert isinstance(event, Snapshot)
        assert event.worker.id == "wrk_1"
        assert event.worker.output[0].text == "hi"


def test_delta_takes_its_output_id_from_any_known_key() -> None:
    assert decode('{"type":"delta","delta":"ab","outputId":"msg_1"}') == Delta("ab", "msg_1")
    assert decode('{"delta":"ab","output_id":"msg_2"}') == Delta("ab", "msg_2")
    assert decode('{"delta":"ab","id":"msg_3"}') == Delta("ab", "msg_3")
    assert decode('{"delta":""}') == Delta("", None)
    assert decode('{"delta":"x","outputId":7}') == Delta("x", None)


def test_everything_else_is_skipped_and_counted() -> None:
    decoder = EventDecoder()
    datas = [
        "not json",
        "{",
        '"a string"',
        "[1, 2]",
        "null",
        '{"type":"done"}',
        '{"delta": 5}',
        '{"object":"worker"}',  # no id: fails validation
        '{"object":"worker","id":"w","status":"exploded"}',
    ]
    assert [decoder.decode(SSEMessage(data=d)) for d in datas] == [None] * len(datas)
    assert decoder.counts(comments=3) == SkipCounts(
        comments=3, not_json=2, unknown=5, invalid_snapshots=2
    )
    assert decoder.counts(comments=3).total == 12
