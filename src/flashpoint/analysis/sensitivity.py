"""Global sensitivity of an outcome or a loss to a scenario's uncertain inputs (Sobol, Morris).

The problem's variables are the scenario's uncertain inputs, each moved across its distribution
in *quantile space*: variable i takes a level u_i in (0, 1) and the engine draws the input as
F_i^{-1}(u_i), its distribution's inverse CDF (``RunSpec.quantiles``). An experimental design from
SALib fixes every level run by run, the engine runs the design once, and SALib analyses the
answers:

- **Sobol** (Saltelli's scheme, ``SALib.sample.sobol``; Saltelli et al. 2010, "Variance based
  sensitivity analysis of model output", Comput. Phys. Commun. 181): with Y the target,
  S1_i = V[E(Y | u_i)] / V(Y) is the share of the variance of Y that input i explains alone and
  ST_i = E[V(Y | u_~i)] / V(Y) the share it takes part in, interactions included. N base samples
  cost N (D + 2) runs for D inputs. Intervals are bootstrap intervals (95%).
- **Morris** elementary effects (``SALib.sample.morris``; Morris 1991, Technometrics 33;
  Campolongo et al. 2007): r trajectories of D + 1 runs each; mu*_i is the mean absolute
  elementary effect of input i, (change of Y) / (change of u_i) when u_i alone moves by one step
  of the grid (the change of Y per whole quantile range, were Y linear), sigma_i the spread of
  those effects (non-linearity or interactions). A screening method: it ranks, it does not split
  the variance.

**The engine's own noise.** A design point is one stochastic run, so Y = f(u) + e where e is the
run's chance (combat draws, decisions): the indices then describe Y with that noise included. For a
0/1 outcome the noise is large; a variance share that no input explains (1 - sum S1) is then
mostly chance, and the smallest indices are not told apart from zero. ``replicates`` runs every
design point several times and analyses the mean, which shrinks e by sqrt(replicates).

To tell an input's effect from that noise, the design carries one more variable, a **dummy** that
the engine never reads (Khorashadi Zadeh et al. 2017, "Comparison of variance-based and moment-
independent global sensitivity analysis approaches by application to the SWAT model", Environ.
Model. Softw. 91): its index is what chance alone produces with this design. With independent
noise of variance s2 in every run, the S1 estimator stays unbiased but every ST is raised by about
s2 / V(Y), which is what the dummy's ST measures; Morris' mu* of an input that does nothing is
about the dummy's. An input counts as influential (``above_noise``) when its interval lies wholly
above the dummy's (lower end of the one above the upper end of the other).
"""

from __future__ import annotations

import fnmatch
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from flashpoint.analysis.results import run
from flashpoint.engine.executor import Executor
from flashpoint.engine.inputs import uncertain_inputs
from flashpoint.engine.reduce import Accumulator
from flashpoint.engine.theatre import compile_theatre
from flashpoint.errors import FlashpointError

METHODS = ("sobol", "morris")
DEFAULT_SAMPLES = {"sobol": 128, "morris": 10}   # base samples N (Sobol), trajectories r (Morris)
MIN_SAMPLES = {"sobol": 16, "morris": 4}
DEFAULT_MAX_RUNS = 1_000_000
"""The most runs a design may need without ``max_runs`` (``--max-runs``): every run's inputs and
outcome are kept for the analysis, so memory and time grow with it (10^6 runs of the largest
shipped scenario take minutes on 2 cores and about a GiB)."""
MORRIS_LEVELS = 4
DUMMY = "(dummy: no input)"


# ------------------------------------------------------------------------------ the problem
def input_label(path: str) -> str:
    """A short readable name for an input path (``actors.russia.resolve`` -> ``russia resolve``)."""
    parts = path.split(".")
    if parts[0] == "parameters":
        return " ".join(parts[1:]) + " (parameter)"
    if parts[0] == "forces" and len(parts) >= 4:
        parts = parts[2:]
    elif parts[0] in ("actors", "escalation") and len(parts) >= 3:
        parts = parts[1:] if parts[0] == "actors" else parts[2:]
    elif parts[0] == "decisions":
        parts = [p for i, p in enumerate(parts[1:]) if not (i == 1 and p == "options")]
    return " ".join(p.replace("_", " ") for p in parts)


@dataclass
class Inputs:
    """What a scenario draws per run and what can be asked of it."""

    keys: dict[str, str]       # input path (as in ``per_run()``) -> the key the engine reads levels under
    outcomes: list[str]
    metrics: list[str]


def scenario_inputs(scenario) -> Inputs:
    """Every uncertain input of the scenario, forces and parameters (``compile_theatre``) and the
    strategy layer's own draws (resolve, factions, stakes, rungs' climb risk, ...), in order: the
    registry :func:`.engine.inputs.uncertain_inputs`, each path read under its own spelling."""
    th = compile_theatre(scenario)
    return Inputs({p: p for p in uncertain_inputs(th)}, list(scenario.outcomes), Accumulator(th, 1).metric_keys)


def check_target(target: str, known: Inputs) -> str:
    """'outcome' or 'metric'; a clear error for anything else."""
    if target in known.outcomes:
        return "outcome"
    if target in known.metrics:
        return "metric"
    raise FlashpointError(
        f"--outcome {target}: not an outcome or a metric of this scenario; outcomes: "
        f"{', '.join(known.outcomes) or 'none'}; metrics are actor.quantity, e.g. "
        f"{', '.join(known.metrics[:3])} ({len(known.metrics)} in all, see 'flashpoint run --json')")


def select_inputs(available: list[str], wanted: list[str] | None) -> list[str]:
    """The inputs named in ``wanted`` (paths or shell patterns such as ``parameters.*``), in the
    scenario's order; all of them when ``wanted`` is None."""
    if wanted is None:
        return list(available)
    chosen: set[str] = set()
    for pattern in wanted:
        hits = fnmatch.filter(available, pattern)
        if not hits:
            raise FlashpointError(
                f"input {pattern}: not an uncertain input of this scenario (a path drawn per run, e.g. "
                f"{', '.join(available[:3])}; patterns like 'parameters.*' are allowed)")
        chosen.update(hits)
    return [p for p in available if p in chosen]


def check_samples(method: str, samples: int, n_inputs: int, replicates: int = 1,
                  max_runs: int = DEFAULT_MAX_RUNS) -> int:
    """The number of runs the design needs; a clear error for too few samples, or for a design
    of more than ``max_runs`` runs (estimated before anything is drawn)."""
    if method not in METHODS:
        raise FlashpointError(f"--method {method}: unknown; use one of {', '.join(METHODS)}")
    if replicates < 1:
        raise FlashpointError(f"--replicates {replicates}: must be at least 1")
    n_vars = n_inputs + 1   # and the dummy
    per = n_vars + 2 if method == "sobol" else n_vars + 1
    least = MIN_SAMPLES[method]
    what = "base samples" if method == "sobol" else "trajectories"
    if samples < least:
        raise FlashpointError(
            f"--samples {samples}: {method} needs at least {least} {what}, that is "
            f"{least * per * replicates:,} runs for the {n_inputs} inputs and the dummy ({least} x {per}"
            f"{f' x {replicates} replicates' if replicates > 1 else ''})")
    if method == "sobol" and samples & (samples - 1):
        lower = 1 << (samples.bit_length() - 1)
        raise FlashpointError(f"--samples {samples}: Sobol' sequences need a power of 2 base samples, "
                              f"e.g. {lower} or {2 * lower}")
    runs = samples * per * replicates
    if runs > max_runs:
        raise FlashpointError(
            f"--samples {samples}: the design needs {runs:,} runs ({samples:,} x {per}"
            f"{f' x {replicates} replicates' if replicates > 1 else ''}), more than --max-runs {max_runs:,}; "
            "give fewer samples, or raise --max-runs to run it anyway")
    return runs


def problem(names: list[str]) -> dict[str, Any]:
    """SALib's problem: every input a level in [0, 1] of its own distribution."""
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def design(prob: dict, method: str, samples: int, seed: int) -> np.ndarray:
    """The design's levels, one row per run, in the open interval (0, 1).

    Morris' grid has the levels 0, 1/3, 2/3, 1 (for 4 levels): they are moved to the centres of
    4 equal bins (1/8, 3/8, 5/8, 7/8), as a distribution's 0 and 1 quantiles may be infinite."""
    # lazy: SALib at module level adds 464 modules, 0.9 s at load 7, to importing flashpoint.api
    from SALib.sample import morris, sobol

    if method == "sobol":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # SALib's reminder that N should be a power of 2 and about skip_values
            return sobol.sample(prob, samples, calc_second_order=False, seed=seed)
    x = morris.sample(prob, samples, num_levels=MORRIS_LEVELS, seed=seed)
    return (x * (MORRIS_LEVELS - 1) + 0.5) / MORRIS_LEVELS


def analyse(prob: dict, x: np.ndarray, y: np.ndarray, method: str, seed: int) -> list[dict]:
    """Indices with 95% bootstrap intervals, one dict per input, largest first."""
    # lazy: SALib at module level adds 464 modules, 0.9 s at load 7, to importing flashpoint.api
    from SALib.analyze import morris, sobol

    names = prob["names"]
    if method == "sobol":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            si = sobol.analyze(prob, y, calc_second_order=False, num_resamples=200, conf_level=0.95, seed=seed)
        rows = [{"input": n, "label": input_label(n), "S1": float(si["S1"][i]),
                 "S1_conf": float(si["S1_conf"][i]), "ST": float(si["ST"][i]),
                 "ST_conf": float(si["ST_conf"][i])} for i, n in enumerate(names)]
        return sorted(rows, key=lambda r: (-r["ST"], -r["S1"], r["input"]))
    si = morris.analyze(prob, x, y, num_resamples=200, conf_level=0.95, num_levels=MORRIS_LEVELS, seed=seed)
    # SALib divides by the grid's step, 2/3 of the range for 4 levels; the bin-centred design
    # steps by 1/2: rescale so that an effect is the change of Y per whole quantile range.
    per = MORRIS_LEVELS / (MORRIS_LEVELS - 1)
    rows = [{"input": n, "label": input_label(n), "mu_star": per * float(si["mu_star"][i]),
             "mu_star_conf": per * float(si["mu_star_conf"][i]), "mu": per * float(si["mu"][i]),
             "sigma": per * float(si["sigma"][i])} for i, n in enumerate(names)]
    return sorted(rows, key=lambda r: (-r["mu_star"], r["input"]))


# ------------------------------------------------------------------------------ the result
@dataclass
class SensitivityResult:
    """Ranked indices of one target; ``rows`` holds S1, S1_conf, ST, ST_conf (Sobol) or mu_star,
    mu_star_conf, mu, sigma (Morris) per input, the most influential first."""

    scenario: str
    interventions: list[str]
    target: str
    kind: str                 # "outcome" (Y is 0/1, its mean a probability) or "metric"
    method: str
    samples: int
    replicates: int
    runs: int
    seed: int
    days: int
    mean: float               # the target's mean over the design (a probability for an outcome)
    std: float                # its standard deviation over design points
    rows: list[dict] = field(default_factory=list)
    noise: dict = field(default_factory=dict)   # the dummy's indices: what chance alone gives
    seconds: float = 0.0

    @property
    def value_key(self) -> str:
        return "ST" if self.method == "sobol" else "mu_star"

    @property
    def ranked(self) -> list[dict]:
        """``{input, label, value, conf}`` for a tornado chart: ST with its interval (Sobol), or
        mu* divided by the largest mu* so that the first bar is 1 (Morris)."""
        key = self.value_key
        top = 1.0 if key == "ST" else (max((r[key] for r in self.rows), default=0.0) or 1.0)
        return [{"input": r["input"], "label": r["label"], "value": r[key] / top,
                 "conf": r[f"{key}_conf"] / top, "above_noise": r["above_noise"]} for r in self.rows]

    @property
    def noise_floor(self) -> float:
        """The dummy's index on the scale of ``ranked``: bars below it are chance."""
        key = self.value_key
        top = 1.0 if key == "ST" else (max((r[key] for r in self.rows), default=0.0) or 1.0)
        return float(self.noise.get(key, 0.0)) / top

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows).set_index("input")

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (``json.dumps(result.to_json())``)."""
        return {"scenario": self.scenario, "interventions": self.interventions, "target": self.target,
                "kind": self.kind, "method": self.method, "samples": self.samples,
                "replicates": self.replicates, "runs": self.runs, "seed": self.seed, "days": self.days,
                "mean": self.mean, "std": self.std, "seconds": round(self.seconds, 3),
                "noise": self.noise, "noise_floor": self.noise_floor, "indices": self.rows, "ranked": self.ranked}


def sensitivity(scenario, target: str, method: str = "sobol", base_samples: int | None = None,
                seed: int = 1, days: int | None = None, workers: int = 1, inputs: list[str] | None = None,
                replicates: int = 1, progress: Callable[[int, int], None] | None = None,
                executor: Executor | None = None, max_runs: int = DEFAULT_MAX_RUNS,
                block_size: int | None = None) -> SensitivityResult:
    """Global sensitivity of ``target`` (an outcome id: its probability; or a metric
    ``actor.quantity``: its mean) to the scenario's uncertain inputs.

    ``base_samples`` is N for Sobol (a power of 2, at least 16; N (D + 2) runs) or the number of
    trajectories r for Morris (at least 4; r (D + 1) runs); ``inputs`` restricts the variables to
    some paths or patterns (``parameters.*``), the others being drawn as usual; ``replicates``
    runs each design point that many times and analyses the mean (less of the engine's noise in
    the indices); ``progress(n, total)`` is told after each block of n runs (``block_size``, the
    engine's default if None; the results do not depend on it). Each design point is
    a stochastic run, so the indices include the engine's own chance (see the module's notes).
    """
    method = method.lower()
    if method not in METHODS:
        raise FlashpointError(f"--method {method}: unknown; use one of {', '.join(METHODS)}")
    if not 0 <= seed < 2**32:   # SALib's designs draw from NumPy's RandomState, seeded by 32 bits
        raise FlashpointError(f"--seed {seed}: must be a whole number from 0 to 2^32 - 1")
    known = scenario_inputs(scenario)
    kind = check_target(target, known)
    names = select_inputs(list(known.keys), inputs)
    if not names:
        raise FlashpointError(f"scenario '{scenario.meta.id}' has no uncertain inputs: nothing to vary")
    samples = DEFAULT_SAMPLES[method] if base_samples is None else int(base_samples)
    runs = check_samples(method, samples, len(names), replicates, max_runs)
    t0 = time.perf_counter()
    prob = problem([*names, DUMMY])
    x = design(prob, method, samples, seed)
    levels = np.repeat(x, replicates, axis=0)
    quantiles = {known.keys[n]: levels[:, i] for i, n in enumerate(names)}
    tick = (lambda n: progress(n, runs)) if progress else None
    results = run(scenario, runs=runs, seed=seed, days=days, workers=workers, keep_runs=True,
                  quantiles=quantiles, progress=tick, executor=executor, block_size=block_size)
    frame = results.per_run()
    column = f"{kind}:{target}"
    y = frame[column].to_numpy(dtype=float).reshape(len(x), replicates).mean(axis=1)
    if np.ptp(y) == 0:
        what = "happened in every" if y[0] == 1 and kind == "outcome" else (
            "never happened in any" if kind == "outcome" else f"was {y[0]:g} in every")
        raise FlashpointError(f"{target} {what} one of the {runs:,} runs of the design: it does not vary, "
                              "so nothing explains it; choose another outcome or metric, or other interventions")
    rows = analyse(prob, x, y, method, seed)
    noise = next(r for r in rows if r["input"] == DUMMY)
    rows = [r for r in rows if r["input"] != DUMMY]
    key = "ST" if method == "sobol" else "mu_star"
    for r in rows:
        r["above_noise"] = bool(r[key] - r[f"{key}_conf"] > noise[key] + noise[f"{key}_conf"])
    return SensitivityResult(
        scenario=scenario.meta.id, interventions=list(scenario.applied), target=target, kind=kind,
        method=method, samples=samples, replicates=replicates, runs=runs, seed=seed,
        days=results.job.spec.days, mean=float(y.mean()), std=float(y.std()), rows=rows,
        noise={k: v for k, v in noise.items() if k not in ("input", "label")}, seconds=time.perf_counter() - t0)
