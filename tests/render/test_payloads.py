"""Button values and private_metadata (``bot.slack.payloads``) and the id contract.

They live with the render tests because the renderers are what put them on the wire.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import InvalidInput
from bot.slack import ids
from bot.slack.payloads import (
    ScheduleModalMeta,
    ScheduleRef,
    WorkerRef,
    decode,
    encode,
)

slack_id = st.from_regex(r"\A[A-Za-z0-9_.:\-]{1,128}\Z")


def test_schedule_modal_contract_ids() -> None:
    assert ids.SCHEDULE_CALLBACK == "schedule_create"
    assert ids.SCHEDULE_INPUTS == ("task", "kind", "cron", "every", "at", "budget", "channel")
    buttons = {ids.OPEN_SCHEDULE, ids.EMAIL_ADDRESS, ids.CANCEL_SCHEDULE, ids.STOP_WORKER}
    assert len(buttons) == 4
    assert not buttons & set(ids.SCHEDULE_INPUTS)


def test_worker_ref_round_trips_compactly() -> None:
    ref = WorkerRef(link_id="42", worker_id="wrk_01HZ")
    raw = encode(ref)
    assert raw == '{"link_id":"42","worker_id":"wrk_01HZ"}'
    assert decode(WorkerRef, raw) == ref


def test_meta_drops_missing_optionals_and_round_trips() -> None:
    meta = ScheduleModalMeta(team_id="T1", channel_id="C1", user_id="U1")
    raw = encode(meta)
    assert "worker_id" not in raw
    assert decode(ScheduleModalMeta, raw) == meta


@given(
    link=slack_id,
    worker=slack_id,
    team=slack_id,
    channel=slack_id,
    user=slack_id,
    ts=st.none() | slack_id,
)
def test_longest_values_fit_slack(
    link: str, worker: str, team: str, channel: str, user: str, ts: str | None
) -> None:
    ref = WorkerRef(link_id=link, worker_id=worker)
    assert len(encode(ref)) <= 2_000
    assert decode(WorkerRef, encode(ref)) == ref
    meta = ScheduleModalMeta(
        team_id=team,
        channel_id=channel,
        user_id=user,
        worker_id=worker,
        link_id=link,
        thread_ts=ts,
    )
    assert len(encode(meta)) <= 3_000
    assert decode(ScheduleModalMeta, encode(meta)) == meta
    assert decode(ScheduleRef, encode(ScheduleRef(schedule_id=worker))).schedule_id == worker


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "not json",
        "[]",
        "{}",
        '{"link_id": 1, "worker_id": "w"}',  # strict: a number is not an id
        '{"link_id": "1", "worker_id": "w", "extra": "x"}',
        '{"link_id": "1", "worker_id": "<!channel>"}',
        '{"link_id": "1", "worker_id": "' + "w" * 129 + '"}',
        "x" * 2_001,
    ],
)
def test_junk_is_invalid_input(raw: str | None) -> None:
    with pytest.raises(InvalidInput):
        decode(WorkerRef, raw)


def test_values_of_one_kind_are_not_another() -> None:
    with pytest.raises(InvalidInput):
        decode(ScheduleRef, encode(WorkerRef(link_id="1", worker_id="w")))
