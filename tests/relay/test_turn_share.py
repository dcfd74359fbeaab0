from bot.relay.turn_share import Baseline, turn_share
from bot.workers.models import Worker, WorkerCosts, WorkerFile, WorkerSource, WorkerUsage


def _worker(steps: int, tokens: int, cost: float, sources: int, files: int) -> Worker:
    return Worker(
        id="w",
        usage=WorkerUsage(steps=steps, total_tokens=tokens, cost_usd=cost),
        costs=WorkerCosts(model_cost_usd=cost),
        sources=[WorkerSource(id=f"s{n}", url=f"https://s/{n}") for n in range(sources)],
        files=[WorkerFile(media_type="text/csv", url=f"https://f/{n}") for n in range(files)],
    )


def test_a_turn_shows_only_what_it_added() -> None:
    before = _worker(2, 100, 0.25, sources=2, files=1)
    after = _worker(5, 180, 0.75, sources=3, files=2)
    share = turn_share(after, Baseline.of(before))
    assert share.usage is not None and share.costs is not None
    assert (share.usage.steps, share.usage.total_tokens) == (3, 80)
    assert share.costs.total_usd == 0.5
    assert [s.url for s in share.sources] == ["https://s/2"]
    assert [f.url for f in share.files] == ["https://f/1"]


def test_the_first_turn_is_the_whole_worker_and_totals_never_go_negative() -> None:
    worker = _worker(1, 10, 0.01, sources=1, files=0)
    assert turn_share(worker, Baseline()) == worker
    assert turn_share(worker, None) is worker
    shrunk = turn_share(worker, Baseline.of(_worker(4, 50, 1.0, sources=0, files=0)))
    assert shrunk.usage is not None and shrunk.usage.steps == 0
    restored = Baseline.model_validate(Baseline.of(worker).model_dump(mode="json"))
    assert restored == Baseline.of(worker)  # survives the JSON column
