"""A new question is not kept behind the parts of an earlier run: when every worker is busy with
them, the parts give their workers back at their next block, the new question's variants run, and
the parts are queued again and all finish afterwards."""

from __future__ import annotations

import time

from tests.serve.conftest import RUN, TIMEOUT, wait


def _busy_with_parts(jobs, rid: str) -> bool:
    """Whether every worker runs a part of run ``rid`` that can give its worker back."""
    with jobs._lock:
        running = list(jobs._running.items())
    return len(running) == jobs.workers and all(k[0] == rid and jobs._preemptible(e) for k, (_f, e) in running)


def test_a_new_question_goes_before_the_running_parts_of_an_earlier_run(client, done_run):
    # same seed as done_run: its backtest (the same for every run of a scenario and seed) is known;
    # 750 runs: its claims' variants run in three blocks (run_parts.PART_BLOCK), each a chance to stop
    jobs = client.app.state.fp.jobs
    first = client.post("/api/runs", json={**RUN, "runs": 750, "days": RUN["days"] - 1}).json()
    end = time.monotonic() + TIMEOUT
    while not _busy_with_parts(jobs, first["id"]):
        assert time.monotonic() < end and first["id"] in jobs.kinds, ("the first run's parts never filled "
                                                                      f"the workers: {list(jobs.events)}")
        time.sleep(0.002)
    second = client.post("/api/runs", json={**RUN, "days": RUN["days"] - 2}).json()
    while not client.get(second["url"]).json()["ready"]:       # its answer, before its parts
        assert time.monotonic() < end, list(jobs.events)
        time.sleep(0.05)
    done = wait(client, first["url"])
    assert done["status"] == "done" and set(done["parts"].values()) == {"done"}    # no part lost
    assert wait(client, second["url"])["status"] == "done"

    events = list(jobs.events)
    at = {(what, job, task): i for i, (_t, what, job, task) in enumerate(events)}   # the last of each
    asked = min(i for i, (_t, what, job, _task) in enumerate(events) if what == "queued" and job == second["id"])
    running = set()        # the first run's tasks running when the second question was queued
    for _t, what, job, task in events[:asked]:
        if job == first["id"]:
            if what == "started":
                running.add(task)
            elif what in ("ended", "requeued"):
                running.discard(task)
    assert running and all(not t.startswith("variant") for t in running), running
    answered = max(at[("started", second["id"], f"variant-{role}")] for role in ("int", "base"))
    for task in running:
        # each running part gave its worker back, ran again after the new question's variants
        # started, and ended (with its result: the first run's parts are all done) only then
        assert at[("ended", first["id"], task)] > answered, f"{task} kept its worker from the new question: {events}"
        assert at.get(("requeued", first["id"], task), answered) < answered, events


def _queue_with_one_part(cancelled: bool):
    """A queue (no worker processes) whose one running part of job "j" has just given its worker back."""
    import concurrent.futures as cf
    import threading
    from collections import deque

    from flashpoint.serve import worker
    from flashpoint.serve.jobs import Jobs
    from flashpoint.serve.worker import PREEMPTED

    jobs = Jobs.__new__(Jobs)          # the queue's state only: nothing is started
    jobs._lock, jobs._stop, jobs.workers = threading.RLock(), threading.Event(), 0
    jobs.kinds, jobs.cancelled, jobs._preempting = {"j": "run"}, ({"j": True} if cancelled else {}), set()
    jobs._pending, jobs.events = [], deque(maxlen=10)
    entry = (1, 0, "j", "claims", worker.task, ("j", "claims", {}, "claims"), lambda f: None)
    jobs._running = {("j", "claims"): (None, entry)}
    fut = cf.Future()
    fut.set_result({PREEMPTED: True})
    jobs._task_done(("j", "claims"), entry[6], fut)
    return jobs


def test_a_preempted_part_of_a_cancelled_job_is_not_queued_again():
    # between cancel() marking the job and finish() forgetting it, a part that gave its worker back
    # must not be queued again (it would run to its end for a job nobody waits for)
    assert [t[3] for t in _queue_with_one_part(cancelled=False)._pending] == ["claims"]
    assert _queue_with_one_part(cancelled=True)._pending == []
