"""One run job in the server while its tasks come in (the steps are in serve/run_parts.py): the two
variants, the answer as soon as both halves are heard, then the parts, each stored as it ends; the
job is done when the last part is."""

from __future__ import annotations

import concurrent.futures as cf
import copy
import logging
import threading
import time
from typing import Any

from flashpoint.errors import FlashpointError
from flashpoint.serve import run_parts
from flashpoint.serve.worker import task_result

log = logging.getLogger("flashpoint.serve")
HEADLINE, PART = 0, 1
"""Task priorities: what a job's answer needs, then what follows it."""


class RunJob:
    def __init__(self, jobs, job_id: str, payload: dict[str, Any]):
        """``jobs``: the server's :class:`~flashpoint.serve.jobs.Jobs`, which runs the tasks."""
        self.jobs, self.id, self.p = jobs, job_id, payload
        self.roles = {"int": list(payload["interventions"])}
        if payload["interventions"]:
            self.roles["base"] = []
        self.halves: dict[str, dict] = {}
        self.later: dict[str, dict] = {}
        self.fraction = dict.fromkeys(self.roles, 0.0)
        self.summary: dict | None = None
        self.details: dict | None = None
        self.parts_started = False
        self.started = False
        self.claim_columns: dict[tuple[str, ...], Any] = {}
        self.claims_missing: set[tuple[str, ...]] = set()
        self.lock = threading.RLock()
        self.t0 = time.perf_counter()
        self.posted = payload.get("posted") or time.time()
        self.timings: dict[str, float] = {}
        """Seconds from the request to each step of the answer (details' ``timings``, the manifest's)."""

    def mark(self, step: str, when: float | None = None) -> None:
        self.timings[step] = round((time.time() if when is None else when) - self.posted, 4)

    @property
    def common(self) -> dict[str, Any]:
        p = self.p
        return {"runs": p["runs"], "days": p["days"], "seed": p["seed"], "overrides": p["overrides"]}

    def start(self) -> None:
        for role, interventions in self.roles.items():
            kwargs = {"text": self.p["text"], "interventions": interventions, "role": role, **self.common,
                      "trajectories": self.p.get("trajectories") if role == "int" else None}
            self.jobs.task(HEADLINE, self.id, "variant", f"variant-{role}", kwargs,
                           lambda f, role=role: self._variant_done(role, f))
        self.mark("queued")

    # -- the answer
    def heard_progress(self, label: str, fraction: float) -> None:
        role = label.removeprefix("variant-")
        if role not in self.fraction or self.details is not None:
            return
        with self.lock:
            self.fraction[role] = max(self.fraction[role], fraction)
            overall = sum(self.fraction.values()) / len(self.fraction)
        self.jobs.progress[self.id] = overall
        self.jobs.store.set_state("run", self.id, progress=overall)

    def _failed(self, exc: BaseException) -> None:
        """A step of the server's own failed: the job ends failed, never left running."""
        log.error("run %s failed", self.id, exc_info=exc)
        if self.id in self.jobs.kinds:
            self.jobs.cancelled[self.id] = True     # its other tasks stop at their next block
            self.jobs.finish("run", self.id, "failed", error=f"{type(exc).__name__}: {exc}")

    def half(self, role: str, half: dict[str, Any]) -> None:
        try:
            self._half(role, half)
        except Exception as exc:
            self._failed(exc)

    def _half(self, role: str, half: dict[str, Any]) -> None:
        with self.lock:
            self.mark(f"{role} heard")
            for step, when in half.pop("clock", {}).items():
                self.mark(f"{role} {step}", when)
            self.halves[role] = half
            if len(self.halves) < len(self.roles) or self.details is not None:
                return
            self.summary, self.details, answer = run_parts.answer(self.p["text"], self.p["interventions"],
                                                                  self.halves)
            self.details["timings"] = self.timings
            self.mark("paired")
            self.claim_columns = {(): self.halves.get("base", self.halves["int"])["columns"],
                                  tuple(self.p["interventions"]): self.halves["int"]["columns"]}
            self.jobs.progress[self.id] = 1.0
            self.jobs.store.set_state("run", self.id, summary=self.summary, details=copy.deepcopy(self.details),
                                      answer=answer, progress=1.0)
            self.mark("answered")
            self._advance()

    def _variant_done(self, role: str, fut: cf.Future) -> None:
        out = self.jobs._outcome("run", self.id, fut)
        if out is None:
            return
        try:
            with self.lock:
                self.later[role] = out["result"]
                self._advance()
        except Exception as exc:
            self._failed(exc)

    # -- the parts
    def _advance(self) -> None:
        """Once the answer is stored and both variants have ended: the settlement, then the other parts."""
        if self.details is None or len(self.later) < len(self.roles) or self.parts_started:
            return
        self.parts_started = True
        self.summary["settlement"] = self.later["int"]["settlement"]
        self.details["control_by_day"] = self.later["int"]["control_by_day"]
        self.details["losses_time_int"] = self.later["int"]["losses_time"]
        self.details["losses_time_base"] = self.later.get("base", self.later["int"])["losses_time"]
        if "base" in self.later:
            self.details["baseline"]["settlement"] = self.later["base"]["settlement"]
        else:
            self.details["baseline"] = self.summary
        self.details["parts"]["settlement"] = "done"
        self._store()
        text, interventions = self.p["text"], self.p["interventions"]
        target = run_parts.headline_target(self.details)
        # claims
        keys = run_parts.claim_keys(text, interventions)
        self.claims_missing = set(keys)
        for key in keys:
            self.jobs.task(PART, self.id, "claim_variant", f"claims-{'+'.join(key)}",
                           {"text": text, "key": list(key), **self.common},
                           lambda f, key=key: self._claim_variant_done(key, f))
        if not keys:
            self._claims()
        # sensitivity and discovery explain the headline outcome
        if target is None:
            self._record("sensitivity", None, run_parts.NO_TARGET)
            self._record("discovery", None, run_parts.NO_TARGET)
        else:
            self.jobs.task(PART, self.id, "sensitivity_part", "sensitivity",
                           {"text": text, "interventions": interventions, "target": target,
                            "days": self.p["days"], "seed": self.p["seed"]},
                           lambda f: self._part_done("sensitivity", f))
            self.jobs.task(PART, self.id, "discovery_part", "discovery",
                           {"text": text, "interventions": interventions, "target": target,
                            "frame": self.later["int"]["frame"]},
                           lambda f: self._part_done("discovery", f))
        # the backtest depends on the scenario and the seed only
        key = (self.summary["scenario"], self.p["seed"])
        if key in self.jobs.backtests:
            self._record("backtest", self.jobs.backtests[key], None)
        else:
            self.jobs.task(PART, self.id, "backtest_part", "backtest",
                           {"scenario_id": key[0], "seed": key[1]}, lambda f: self._part_done("backtest", f, key))

    def _claim_variant_done(self, key: tuple[str, ...], fut: cf.Future) -> None:
        result, error = self._result(fut)
        with self.lock:
            if error is not None:
                self._record("claims", None, error)
                return
            self.claim_columns[key] = result
            self.claims_missing.discard(key)
            if not self.claims_missing and self.details["parts"]["claims"] == "pending":
                self._claims()

    def _claims(self) -> None:
        try:
            self._record("claims", run_parts.claims(self.p["text"], self.claim_columns), None)
        except FlashpointError as exc:
            self._record("claims", None, str(exc))

    def _part_done(self, part: str, fut: cf.Future, backtest_key: tuple | None = None) -> None:
        result, error = self._result(fut)
        if result is not None and backtest_key is not None:
            self.jobs.backtests[backtest_key] = result
        self._record(part, result, error)

    def _result(self, fut: cf.Future) -> tuple[Any, str | None]:
        """A part's result, or its error (a part that fails leaves the answer standing)."""
        out, error = task_result(fut, self.id)
        return (None, error) if out is None else (out["result"], None)

    def _record(self, part: str, result: Any, error: str | None) -> None:
        with self.lock:
            if self.id not in self.jobs.kinds or self.details["parts"].get(part) != "pending":
                return
            self.details[part] = result
            self.details[f"{part}_error"] = error
            self.details["parts"][part] = "failed" if error is not None else "done"
            if any(v == "pending" for v in self.details["parts"].values()):
                self._store()
                return
            self.jobs.finish("run", self.id, "done", summary=self.summary, details=copy.deepcopy(self.details),
                             seconds=time.perf_counter() - self.t0)

    def _store(self) -> None:
        self.jobs.store.set_state("run", self.id, summary=self.summary, details=copy.deepcopy(self.details))
