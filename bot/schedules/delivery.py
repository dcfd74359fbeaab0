"""The report loop: each scheduled run's output is posted to its channel exactly once.

Detecting a run (every ``poll_seconds``, 5 s by default). The Workers API does not push
anything, so for each active schedule the loop lists its worker's schedules:

* a recurring schedule whose ``nextRunAt`` moved past the stored one has run; the
  stored ``next_run_at`` (the run that was due) is the run's key;
* a one-time schedule that left the list has run if it was due (or its worker is busy
  with it), and otherwise was cancelled elsewhere.

Posting it once. The run is claimed in ``deliveries`` (unique ``(schedule_id,
run_key)``; the winner alone goes on, with a lease). The winner posts a parent message
in the channel (a header with the schedule and the run time, tagged with the delivery
id in message metadata), then in one transaction links that thread to the worker
(origin ``schedule``), adds a turn already ``running`` with the worker's output ids
before the run, marks the delivery posted and moves the stored ``next_run_at`` on
(one-time schedules become ``done``). The relay's supervisor then streams the report,
its footer and files into the thread, restart-safe like any turn; a reply in that
thread continues the worker. A process that dies after claiming leaves the stored
``next_run_at`` unchanged, so the run is detected again and the expired lease taken
over; if it died after posting the parent, the successor finds that parent by its
metadata and does not post a second one.

How fast: a report starts within ``poll_seconds`` of the run starting on the API and
then streams as the worker writes it, so it is complete in Slack a second or two after
the run ends. While a Slack-side turn of the same worker is unfinished the run waits
(the API queues it behind that turn), and is picked up on the first poll after.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.clock import Clock
from bot.errors import SlackError, SlackWorkersError, WorkersApiError, WorkersNotFound
from bot.relay.budget import Priority
from bot.relay.slack_writer import SlackWriter
from bot.relay.supervisor import Supervisor
from bot.relay.turn_share import Baseline
from bot.relay.workspaces import SlackWorkspaces
from bot.render.schedule_reports import report_parent
from bot.schedules.service import ONE_TIME, spec_value
from bot.workers.models import Schedule, ScheduleKind, Worker
from bot.workers.port import WorkersPort
from storage.engine import Database
from storage.models import Schedule as ScheduleRow
from storage.models import Turn
from storage.repositories import deliveries, links, schedules, turns
from storage.types import UNFINISHED_TURN, ScheduleState

log = logging.getLogger(__name__)

POLL_SECONDS = 5.0
DELIVERY_LEASE_SECONDS = 60.0
MOVED = timedelta(seconds=1)  # nextRunAt moved on by more than this: a run happened
METADATA_EVENT = "schedule_report"
HISTORY_LOOKBACK = 100
CANNOT_POST = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
FIRST_RUN_KEY = "first-run"


@dataclass(frozen=True)
class Run:
    """A run to post: its key, when it was due, and what follows the post."""

    key: str
    at: datetime
    next_run_at: datetime | None  # the schedule's next run after this one
    done: bool  # a one-time schedule: done once posted
    first: bool = False


def _ids(row: ScheduleRow) -> dict[str, str]:
    return {
        "team": row.team_id,
        "channel": row.channel_id,
        "worker": row.worker_id,
        "schedule": row.id,
    }


def known_before_run(worker: Worker) -> list[str]:
    """The worker's output ids that are not this run's.

    Running: the run is the active turn (the loop waits while one of our own turns
    uses the worker), so everything already there came before it. Finished with an
    error: a failed run adds no output. Finished fine: its output is the last item.
    """
    ids = [item.id for item in worker.output]
    if worker.running or worker.status != "completed" or worker.error is not None:
        return sorted(ids)
    return sorted(ids[:-1])


class ReportDelivery:
    def __init__(
        self,
        *,
        db: Database,
        workers: WorkersPort,
        slack: SlackWorkspaces,
        supervisor: Supervisor,
        clock: Clock,
        owner: str,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self._db = db
        self._workers = workers
        self._slack = slack
        self._supervisor = supervisor
        self._clock = clock
        self._owner = owner
        self.poll_seconds = poll_seconds
        self._loop: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()  # one poll at a time in this process

    def start(self) -> None:
        self._loop = asyncio.create_task(self._poll_forever(), name="schedule-reports")

    async def stop(self) -> None:
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
            self._loop = None

    async def deliver_first_run(self, schedule_id: str) -> bool:
        """Post the run that created a new worker (``/worker schedule``) as a report."""
        row = await self._get(schedule_id)
        if row is None:
            return False
        run = Run(FIRST_RUN_KEY, self._clock.now(), row.next_run_at, done=False, first=True)
        return await self._deliver(row, run, known=[])

    async def poll_once(self) -> int:
        """Look for runs of every active schedule and post them; how many were posted."""
        async with self._lock:
            async with self._db.transaction() as session:
                rows = await schedules.active_schedules(session)
            posted = 0
            for worker_id, group in _by_worker(rows).items():
                try:
                    posted += await self._poll_worker(worker_id, group)
                except SlackWorkersError as exc:
                    # One worker's trouble must not stop the others; retried next poll.
                    log.warning(
                        "schedule poll failed: %s", type(exc).__name__, extra={"worker": worker_id}
                    )
            return posted

    async def _poll_worker(self, worker_id: str, rows: list[ScheduleRow]) -> int:
        try:
            remote = {item.id: item for item in await self._workers.list_schedules(worker_id)}
        except WorkersNotFound:
            remote = {}
        posted = 0
        worker: Worker | None = None
        for row in rows:
            now = self._clock.now()
            match = remote.get(row.id)
            if match is None and row.kind not in ONE_TIME:
                await self._set_state(row, "cancelled")  # cancelled elsewhere
                continue
            if match is not None:
                if row.next_run_at is None:
                    await self._remember_next(row, match)  # nothing to compare with yet
                    continue
                if not _moved(row.next_run_at, match):
                    continue  # nothing ran since we last looked
            if await self._worker_busy_here(worker_id):
                continue  # the API runs it after our turn; look again next poll
            worker = worker or await self._workers.retrieve(worker_id)
            if match is None and not (_due(row, now) or worker.running):
                await self._set_state(row, "cancelled")
                continue
            at = row.next_run_at or now
            run = Run(
                key=at.isoformat(timespec="seconds"),
                at=at,
                next_run_at=match.next_run_at if match is not None else row.next_run_at,
                done=match is None,
            )
            if await self._deliver(row, run, known=known_before_run(worker)):
                posted += 1
        return posted

    async def _deliver(self, row: ScheduleRow, run: Run, *, known: list[str]) -> bool:
        now = self._clock.now()
        async with self._db.transaction() as session:
            delivery = await deliveries.claim_delivery(
                session,
                schedule_id=row.id,
                run_key=run.key,
                owner=self._owner,
                ttl=DELIVERY_LEASE_SECONDS,
                now=now,
            )
        if delivery is None:
            return False  # another process has (or had) this run
        slack = await self._slack.writer(row.team_id)
        parent_ts = None
        if delivery.created_at < now:  # taken over: the parent may exist already
            parent_ts = await _find_parent(slack, row.channel_id, delivery.id)
        if parent_ts is None:
            try:
                parent_ts = await self._post_parent(slack, row, run, delivery.id)
            except SlackError as exc:
                if exc.error not in CANNOT_POST:
                    raise  # the lease expires and the next poll tries again
                log.warning("report channel refuses posts: %s", exc.error, extra=_ids(row))
                async with self._db.transaction() as session:
                    await deliveries.mark_delivery_failed(
                        session, delivery_id=delivery.id, owner=self._owner
                    )
                    await self._advance(session, row, run)
                return False
        async with self._db.transaction() as session:
            link = await links.create_link(
                session,
                team_id=row.team_id,
                channel_id=row.channel_id,
                thread_ts=parent_ts,
                user_id=row.creator_id,
                budget=row.budget,
                origin="schedule",
                worker_id=row.worker_id,
                schedule_id=row.id,
                now=now,
            )
            turn = await turns.add_turn(
                session,
                link=link,
                input=row.task,
                budget=row.budget,
                user_id=row.creator_id,
                trigger_ts=parent_ts,
                status="running",
                now=now,
            )
            # The API started this run itself: its footer counts from where the worker's
            # previous turn ended (none yet: from zero).
            before = await turns.last_totals_for_worker(session, worker_id=row.worker_id)
            await turns.update_turn(
                session,
                turn,
                worker_id=row.worker_id,
                known_output_ids=list(known),
                started_at=now,
                baseline=before or Baseline().model_dump(mode="json"),
            )
            await deliveries.mark_delivery_posted(
                session, delivery_id=delivery.id, owner=self._owner, posted_ts=parent_ts
            )
            await self._advance(session, row, run)
        log.info("scheduled run posted", extra={**_ids(row), "turn": turn.id})
        await self._supervisor.submit(turn.id)
        return True

    async def _post_parent(
        self, slack: SlackWriter, row: ScheduleRow, run: Run, delivery_id: str
    ) -> str:
        kind: ScheduleKind = row.kind  # type: ignore[assignment]  # checked by the table
        text, blocks = report_parent(
            task=row.task,
            kind=kind,
            spec=spec_value(row.kind, row.spec),
            run_at=run.at,
            creator_id=row.creator_id,
            first_run=run.first,
        )
        posted = await slack.call(
            "chat.postMessage",
            channel=row.channel_id,
            priority=Priority.URGENT,
            text=text,
            blocks=blocks,
            unfurl_links=False,
            metadata={
                "event_type": METADATA_EVENT,
                "event_payload": {"delivery_id": delivery_id, "schedule_id": row.id},
            },
        )
        return str(posted["ts"])

    async def _advance(self, session: AsyncSession, row: ScheduleRow, run: Run) -> None:
        """Move the stored next run past this one (only if nobody did yet)."""
        current = await schedules.get_schedule(session, schedule_id=row.id)
        if current is None or run.first:
            return
        if current.next_run_at == row.next_run_at:
            await schedules.record_schedule_run(
                session, schedule_id=row.id, next_run_at=run.next_run_at, last_seen_run_at=run.at
            )
        if run.done and current.state == "active":
            await schedules.set_schedule_state(session, schedule_id=row.id, state="done")

    async def _worker_busy_here(self, worker_id: str) -> bool:
        """One of our turns (a thread reply, an earlier report) still uses the worker."""
        async with self._db.transaction() as session:
            found = await session.scalars(
                select(Turn.id)
                .where(col(Turn.worker_id) == worker_id, col(Turn.status).in_(UNFINISHED_TURN))
                .limit(1)
            )
            return found.first() is not None

    async def _remember_next(self, row: ScheduleRow, match: Schedule) -> None:
        async with self._db.transaction() as session:
            await schedules.record_schedule_run(
                session, schedule_id=row.id, next_run_at=match.next_run_at, last_seen_run_at=None
            )

    async def _get(self, schedule_id: str) -> ScheduleRow | None:
        async with self._db.transaction() as session:
            return await schedules.get_schedule(session, schedule_id=schedule_id)

    async def _set_state(self, row: ScheduleRow, state: ScheduleState) -> None:
        async with self._db.transaction() as session:
            current = await schedules.get_schedule(session, schedule_id=row.id)
            if current is not None and current.state == "active":
                await schedules.set_schedule_state(session, schedule_id=row.id, state=state)
        log.info("schedule %s on the API side", state, extra=_ids(row))

    async def _poll_forever(self) -> None:
        while True:
            try:
                await self.poll_once()
            except (SlackWorkersError, WorkersApiError):
                log.exception("schedule poll failed; trying again")
            await self._clock.sleep(self.poll_seconds)


async def _find_parent(slack: SlackWriter, channel_id: str, delivery_id: str) -> str | None:
    """The report parent a previous holder of this delivery already posted, if any."""
    try:
        answer = await slack.call(
            "conversations.history",
            channel=channel_id,
            limit=HISTORY_LOOKBACK,
            include_all_metadata=True,
            priority=Priority.URGENT,
        )
    except SlackError as exc:
        log.info("report history not readable: %s", exc.error, extra={"channel": channel_id})
        return None
    for message in answer.get("messages") or []:
        metadata = message.get("metadata") or {}
        payload = metadata.get("event_payload") or {}
        if metadata.get("event_type") == METADATA_EVENT and payload.get("delivery_id") == (
            delivery_id
        ):
            return str(message["ts"])
    return None


def _moved(stored: datetime, remote: Schedule) -> bool:
    return remote.next_run_at > stored + MOVED


def _due(row: ScheduleRow, now: datetime) -> bool:
    return row.next_run_at is not None and row.next_run_at <= now


def _by_worker(rows: list[ScheduleRow]) -> dict[str, list[ScheduleRow]]:
    groups: dict[str, list[ScheduleRow]] = {}
    for row in rows:
        groups.setdefault(row.worker_id, []).append(row)
    return groups
