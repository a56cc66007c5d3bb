"""Uncertain values: a number or a distribution, sampled once per run.

A scenario value that sources do not pin down is written as an inline table, for example
``personnel = { dist = "triangular", low = 12000, mode = 15000, high = 20000 }``. The engine draws
one value per run, so the answer's spread includes what we do not know.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy import special


class _Dist(BaseModel):
    # strict and finite like every scenario number: no `true`, no "2", no inf or nan
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    @model_validator(mode="after")
    def _valid(self) -> _Dist:
        """The distribution's own rules (:meth:`_check`), then finite values: parameters that are
        each finite can still give values or a mean beyond the largest float (``high - low`` of a
        uniform from -1e308 to 1e308)."""
        self._check()
        try:
            with np.errstate(all="ignore"):
                values = self.ppf(np.array([1e-9, 0.5, 1 - 1e-9]))
                mean = self.mean()
        except OverflowError:
            values, mean = np.array([math.inf]), math.inf
        if not (np.isfinite(values).all() and math.isfinite(mean)):
            raise ValueError("its values or its mean overflow (beyond about 1.8e308); give smaller numbers")
        return self

    def _check(self) -> _Dist:
        """Rules that relate the parameters (raise ValueError); none by default."""
        return self

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        raise NotImplementedError

    def ppf(self, q: np.ndarray) -> np.ndarray:
        """Inverse CDF: maps uniform numbers in (0, 1) to values (used by sensitivity designs)."""
        raise NotImplementedError

    def bounds(self) -> tuple[float, float]:
        """The smallest and largest value the distribution can take."""
        raise NotImplementedError

    def mean(self) -> float:
        raise NotImplementedError


class Normal(_Dist):
    """Normal(mean, sd), optionally truncated to [low, high]."""

    dist: Literal["normal"]
    mean_: float = Field(alias="mean")
    sd: float = Field(gt=0)
    low: float | None = None
    high: float | None = None

    def _check(self) -> Normal:
        lo, hi = self.bounds()
        if lo >= hi:
            raise ValueError(f"low ({lo}) must be below high ({hi})")
        if not lo <= self.mean_ <= hi:
            raise ValueError(f"mean ({self.mean_}) must lie between low ({lo}) and high ({hi})")
        return self

    def _standard_bounds(self) -> tuple[float, float]:
        lo, hi = self.bounds()
        return (lo - self.mean_) / self.sd, (hi - self.mean_) / self.sd

    def sample(self, rng, size):
        return self.ppf(rng.random(size))

    def ppf(self, q):
        """Inverse CDF of the truncated normal: ``mean + sd Phi^-1(Phi(a) + q (Phi(b) - Phi(a)))``,
        a and b the standardised bounds (accurate here: a <= 0 <= b, the mean lies within them)."""
        a, b = self._standard_bounds()
        q = np.asarray(q, dtype=float)
        pa, pb = special.ndtr(a), special.ndtr(b)
        lower = pa + q * (pb - pa)                       # Phi(z)
        upper = special.ndtr(-b) + (1 - q) * (pb - pa)   # 1 - Phi(z), exact in the upper tail
        with np.errstate(invalid="ignore"):
            z = np.where(lower < 0.5, special.ndtri(lower), -special.ndtri(upper))
        return self.mean_ + self.sd * np.clip(z, a, b)

    def bounds(self):
        lo = -math.inf if self.low is None else self.low
        hi = math.inf if self.high is None else self.high
        return lo, hi

    def mean(self):
        a, b = self._standard_bounds()
        phi = lambda x: 0.0 if math.isinf(x) else math.exp(-x * x / 2) / math.sqrt(2 * math.pi)  # noqa: E731
        return float(self.mean_ + self.sd * (phi(a) - phi(b)) / (special.ndtr(b) - special.ndtr(a)))


class LogNormal(_Dist):
    """Log-normal with the given median and geometric standard deviation (gsd > 1), optionally
    truncated to [low, high] (a probability drawn from a log-normal fit stays at most 1): the
    distribution of a log-normal value given that it lies in that range. ``median`` and ``gsd`` are
    those of the distribution before truncation."""

    dist: Literal["lognormal"]
    median: float = Field(gt=0)
    gsd: float = Field(gt=1)
    low: float | None = Field(None, gt=0)
    high: float | None = Field(None, gt=0)

    def _check(self) -> LogNormal:
        a, b = self._standard_bounds()
        if self.low is not None and self.high is not None and self.low >= self.high:
            raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")
        if special.ndtr(b) - special.ndtr(a) < 1e-12:
            raise ValueError("[low, high] leaves almost nothing of the distribution (less than 1e-12 of it "
                             "lies inside); widen it or move the median")
        return self

    def _standard_bounds(self) -> tuple[float, float]:
        """low and high on the standard normal scale (-inf, +inf when not given)."""
        s, m = math.log(self.gsd), math.log(self.median)
        a = -math.inf if self.low is None else (math.log(self.low) - m) / s
        b = math.inf if self.high is None else (math.log(self.high) - m) / s
        return a, b

    def sample(self, rng, size):
        return self.ppf(rng.random(size))

    def ppf(self, q):
        """``median x gsd^z``, z the truncated standard normal's quantile as for :class:`Normal`."""
        a, b = self._standard_bounds()
        q = np.asarray(q, dtype=float)
        pa, pb = special.ndtr(a), special.ndtr(b)
        lower = pa + q * (pb - pa)                       # Phi(z)
        upper = special.ndtr(-b) + (1 - q) * (pb - pa)   # 1 - Phi(z), exact in the upper tail
        with np.errstate(invalid="ignore", divide="ignore"):
            z = np.where(lower < 0.5, special.ndtri(lower), -special.ndtri(upper))
        return self.median * np.exp(math.log(self.gsd) * np.clip(z, a, b))

    def bounds(self):
        return (0.0 if self.low is None else float(self.low)), (math.inf if self.high is None else float(self.high))

    def mean(self):
        """``median exp(s^2/2) (Phi(b - s) - Phi(a - s)) / (Phi(b) - Phi(a))``, s = ln gsd, a and b the
        standardised bounds: the mean of the values kept."""
        s = math.log(self.gsd)
        a, b = self._standard_bounds()
        kept = special.ndtr(b - s) - special.ndtr(a - s)
        return float(self.median * math.exp(s * s / 2) * kept / (special.ndtr(b) - special.ndtr(a)))


class Triangular(_Dist):
    """Triangular(low, mode, high): the analyst's range with a most likely value."""

    dist: Literal["triangular"]
    low: float
    mode: float
    high: float

    def _check(self) -> Triangular:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if not self.low <= self.mode <= self.high:
            raise ValueError(
                f"mode ({self.mode}) must lie between low ({self.low}) and high ({self.high})")
        return self

    def sample(self, rng, size):
        return self.ppf(rng.random(size))

    def ppf(self, q):
        """Closed-form inverse CDF: below the mode's CDF value c, low + sqrt(q w (mode - low))."""
        q = np.asarray(q, dtype=float)
        lo, mode, hi = self.low, self.mode, self.high
        width = hi - lo
        c = (mode - lo) / width
        left = lo + np.sqrt(q * width * (mode - lo))
        right = hi - np.sqrt((1 - q) * width * (hi - mode))
        return np.where(q < c, left, right)

    def bounds(self):
        return self.low, self.high

    def mean(self):
        return (self.low + self.mode + self.high) / 3.0


class Uniform(_Dist):
    """Uniform(low, high): every value in the range as likely as any other."""

    dist: Literal["uniform"]
    low: float
    high: float

    def _check(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self

    def sample(self, rng, size):
        return self.ppf(rng.random(size))

    def ppf(self, q):
        return self.low + (self.high - self.low) * np.asarray(q, dtype=float)

    def bounds(self):
        return self.low, self.high

    def mean(self):
        return (self.low + self.high) / 2.0


class Beta(_Dist):
    """Beta(a, b) rescaled to [low, high] (default [0, 1]): for shares and probabilities."""

    dist: Literal["beta"]
    a: float = Field(gt=0)
    b: float = Field(gt=0)
    low: float = 0.0
    high: float = 1.0

    def _check(self) -> Beta:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self

    def sample(self, rng, size):
        return self.ppf(rng.random(size))

    def ppf(self, q):
        """The inverse regularised incomplete beta function, rescaled to [low, high]."""
        return self.low + (self.high - self.low) * special.betaincinv(self.a, self.b, np.asarray(q, dtype=float))

    def bounds(self):
        return self.low, self.high

    def mean(self):
        return self.low + (self.high - self.low) * self.a / (self.a + self.b)


Distribution = Annotated[
    Normal | LogNormal | Triangular | Uniform | Beta, Field(discriminator="dist")
]
"""One of the distributions a scenario may use, chosen by its ``dist`` key."""

Quantity = float | Distribution
"""A scenario number: fixed, or uncertain and drawn once per run."""

DIST_CLASSES: dict[str, type[_Dist]] = {"normal": Normal, "lognormal": LogNormal, "triangular": Triangular,
                                         "uniform": Uniform, "beta": Beta}
DIST_NAMES = tuple(DIST_CLASSES)


def quantity_bounds(q: float | _Dist) -> tuple[float, float]:
    """The range of values a quantity can take."""
    if isinstance(q, _Dist):
        return q.bounds()
    return float(q), float(q)


def quantity_mean(q: float | _Dist) -> float:
    """The expected value of a quantity (its value, when it is fixed)."""
    return q.mean() if isinstance(q, _Dist) else float(q)


def is_uncertain(q: object) -> bool:
    return isinstance(q, _Dist)


def sample_quantity(q: float | _Dist, rng: np.random.Generator, size: int) -> np.ndarray:
    """``size`` draws of the quantity (a constant array when it is fixed)."""
    if isinstance(q, _Dist):
        return np.asarray(q.sample(rng, size), dtype=float)
    return np.full(size, float(q))
