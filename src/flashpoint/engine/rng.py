"""Random streams that make results independent of how runs are split into blocks.

Runs are cut into fixed *granules* of ``GRANULE`` consecutive runs; granule ``g`` draws all its
daily random numbers from its own generator, seeded by child ``g`` of ``SeedSequence(seed)``. A
block is a whole number of granules, and every draw is made granule by granule in the same order,
so run ``i`` sees the same random numbers whatever the block size, the number of worker processes,
or the machine (NumPy's PCG64 and its distribution algorithms are fixed for a given NumPy version).

The values drawn once per run (a scenario's uncertain inputs) come from *keyed streams* instead:
run i's number for the value at a path is Philox4x32-10 of (i, hash of the path) under a key made
from the seed (:func:`keyed_uniforms`), so variants of a scenario share them path by path.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Callable

import numba
import numpy as np
from numba.np.random.generator_core import next_double

GRANULE = 250
"""Runs per random stream; blocks are rounded up to a multiple of it."""


def granule_bounds(runs: int) -> list[tuple[int, int]]:
    """[start, stop) of every granule of a job of ``runs`` runs."""
    return [(s, min(s + GRANULE, runs)) for s in range(0, runs, GRANULE)]


def block_bounds(runs: int, block_size: int) -> list[tuple[int, int]]:
    """[start, stop) of each block; ``block_size`` is rounded up to a whole number of granules."""
    size = max(GRANULE, -(-block_size // GRANULE) * GRANULE)
    return [(s, min(s + size, runs)) for s in range(0, runs, size)]


# ------------------------------------------------------------------ keyed streams (per-run inputs)
_M0, _M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
_W0, _W1 = np.uint64(0x9E3779B9), np.uint64(0xBB67AE85)
_LOW32 = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)
PHILOX_ROUNDS = 10


@numba.njit(cache=True, nogil=True, inline="always")   # inlined, the loop below is vectorised (9x)
def philox4x32(c0, c1, c2, c3, k0, k1):
    """Philox4x32-10 of counter (c0..c3) under key (k0, k1), all 32-bit words (Salmon, Moraes,
    Dror and Shaw 2011, "Parallel random numbers: as easy as 1, 2, 3", SC11; constants and round
    order of their Random123 library, checked against its known-answer vectors in the tests).

    A counter-based generator: each (key, counter) gives its own four words, with no state to
    carry, so any run's numbers can be made on their own."""
    x0, x1, x2, x3 = np.uint64(c0), np.uint64(c1), np.uint64(c2), np.uint64(c3)
    a0, a1 = np.uint64(k0), np.uint64(k1)
    for _ in range(PHILOX_ROUNDS):
        p0 = _M0 * x0                 # 32 x 32 bits: the whole product fits in 64 bits
        p1 = _M1 * x2
        y0 = (p1 >> _S32) ^ x1 ^ a0
        y2 = (p0 >> _S32) ^ x3 ^ a1
        x0, x1, x2, x3 = y0, p1 & _LOW32, y2, p0 & _LOW32
        a0 = (a0 + _W0) & _LOW32      # the key schedule (its bump after the last round is unused)
        a1 = (a1 + _W1) & _LOW32
    return x0, x1, x2, x3


@numba.njit(cache=True, nogil=True)
def _keyed_uniforms(k0, k1, h0, h1, start, out):
    """out[s, i]: the uniform number of run start + i in stream s (name hash h0[s], h1[s])."""
    for s in range(out.shape[0]):
        for i in range(out.shape[1]):
            run = np.uint64(start + i)
            x0, x1, _, _ = philox4x32(run & _LOW32, run >> _S32, h0[s], h1[s], k0, k1)
            # 26 + 26 bits make a 52-bit integer j; j + 1/2 is exact in a double below 2^52, so
            # (j + 1/2) / 2^52 lies in [2^-53, 1 - 2^-53], strictly inside (0, 1)
            j = (x0 >> np.uint64(6)) * np.uint64(67108864) + (x1 >> np.uint64(6))
            out[s, i] = (float(j) + 0.5) / 4503599627370496.0
    return out


KEYED_STREAMS = (1_000_003, 0)
"""Spawn key of the keyed streams' key: two words, so no granule's generator (child g of
``SeedSequence(seed)``, spawn key ``(g,)``) starts from the same state."""


def stream_key(seed: int) -> tuple[int, int]:
    """The 64-bit Philox key of a job's keyed streams, from its seed (two 32-bit words)."""
    k0, k1 = np.random.SeedSequence(seed, spawn_key=KEYED_STREAMS).generate_state(2, np.uint32)
    return int(k0), int(k1)


@functools.lru_cache(maxsize=65536)
def _name_hash(name: str) -> int:
    """64 bits of BLAKE2b of a stream's name."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


def keyed_uniforms(key: tuple[int, int], name: str, start: int, stop: int) -> np.ndarray:
    """Uniform numbers in (0, 1) for runs [start, stop) of the stream called ``name``.

    Run i's number is Philox4x32-10 of counter (i, hash of the name) under the job's key, so it
    is the same whatever the block, and the same in every variant of a scenario that has a stream
    of that name (common random numbers for comparisons)."""
    return keyed_uniforms_many(key, [name], start, stop)[0]


def keyed_uniforms_many(key: tuple[int, int], names: list[str], start: int, stop: int) -> np.ndarray:
    """(len(names), stop - start): :func:`keyed_uniforms` of each name, made in one call."""
    h = np.array([_name_hash(name) for name in names], dtype=np.uint64).reshape(len(names))
    return _keyed_uniforms(key[0], key[1], h & _LOW32, h >> _S32, start, np.empty((len(names), stop - start)))


SMALL_MEAN = 30.0
"""Below this mean (and from 1), :func:`poisson` inverts the distribution function instead of
calling NumPy's algorithm (the kernels draw many Poisson counts with means of a few units)."""


_RECIPROCALS = 1.0 / np.maximum(np.arange(128, dtype=float), 1.0)
"""1/k for the search below: a multiplication is several times quicker than a division."""


_LOGGAM_COEFFICIENTS = (8.333333333333333e-02, -2.777777777777778e-03, 7.936507936507937e-04,
                        -5.952380952380952e-04, 8.417508417508418e-04, -1.917526917526918e-03,
                        6.410256410256410e-03, -2.955065359477124e-02, 1.796443723688307e-01,
                        -1.39243221690590e+00)


@numba.njit(cache=True, nogil=True)
def _loggam(x):
    """log Gamma(x), NumPy's ``random_loggam`` (numpy/random/src/distributions/distributions.c) as
    Numba compiles it, its coefficients in a tuple rather than a list (a list needs reference counting)."""
    a = _LOGGAM_COEFFICIENTS
    if (x == 1.0) or (x == 2.0):
        return 0.0
    elif x < 7.0:
        n = int(7 - x)
    else:
        n = 0
    x0 = x + n
    x2 = (1.0 / x0) * (1.0 / x0)
    lg2pi = 1.8378770664093453e+00      # log(2 pi)
    gl0 = a[9]
    for k in range(0, 9):
        gl0 *= x2
        gl0 += a[8 - k]
    gl = gl0 / x0 + 0.5 * lg2pi + (x0 - 0.5) * np.log(x0) - x0
    if x < 7.0:
        for _k in range(1, n + 1):
            gl = gl - np.log(x0 - 1.0)
            x0 = x0 - 1.0
    return gl


@numba.njit(cache=True, nogil=True)
def numpy_poisson(gen, lam):
    """``gen.poisson(lam)``, the same numbers from the same bit-generator calls: NumPy's
    ``random_poisson`` (multiplication of uniforms below 10, PTRS from 10: Hormann 1993, "The
    transformed rejection method for generating Poisson random variables") as Numba compiles it,
    with :func:`_loggam`, so that kernels compiled without reference counting can draw it."""
    bitgen = gen.bit_generator
    if lam >= 10:
        slam = np.sqrt(lam)
        loglam = np.log(lam)
        b = 0.931 + 2.53 * slam
        a = -0.059 + 0.02483 * b
        invalpha = 1.1239 + 1.1328 / (b - 3.4)
        vr = 0.9277 - 3.6224 / (b - 2)
        while True:
            u = next_double(bitgen) - 0.5
            v = next_double(bitgen)
            us = 0.5 - np.fabs(u)
            k = int((2 * a / us + b) * u + lam + 0.43)
            if (us >= 0.07) and (v <= vr):
                return np.int64(k)
            if (k < 0) or ((us < 0.013) and (v > us)):
                continue
            if (np.log(v) + np.log(invalpha) - np.log(a / (us * us) + b)) <= (-lam + k * loglam - _loggam(k + 1)):
                return np.int64(k)
    if lam == 0:
        return np.int64(0)
    enlam = np.exp(-lam)
    x = 0
    prod = 1.0
    while True:
        prod *= next_double(bitgen)
        if prod > enlam:
            x += 1
        else:
            return np.int64(x)


@numba.njit(cache=True, nogil=True)
def poisson(gen, lam):
    """A Poisson count of mean ``lam`` drawn from ``gen`` inside a compiled kernel.

    Means from 1 to ``SMALL_MEAN``: inversion by sequential search (Devroye 1986, "Non-Uniform
    Random Variate Generation", section X.3.3), one uniform number per draw (NumPy's algorithm
    takes about lam + 1 of them below 10, and its PTRS is slower up to about 30); below 1 and
    above: NumPy's algorithms (``Generator.poisson``)."""
    if lam <= 0.0:
        return 0
    if lam < 1.0 or lam >= SMALL_MEAN:
        return numpy_poisson(gen, lam)
    u = gen.random()
    k = 0
    p = math.exp(-lam)
    cum = p
    while u > cum and p > 0.0:        # p > 0: stop if rounding keeps cum below a u close to 1
        k += 1
        p *= lam * (_RECIPROCALS[k] if k < _RECIPROCALS.shape[0] else 1.0 / k)   # p(k) = p(k-1) lam / k
        cum += p
    return k


@numba.njit(cache=True, nogil=True)
def gamma_poisson(gen, mean, shape):
    """A negative-binomial count of mean ``mean`` (overdispersed Poisson) inside a compiled kernel:
    lambda ~ Gamma(shape, mean / shape), then Poisson(lambda), so variance = mean + mean^2 / shape."""
    if mean <= 0.0:
        return 0
    return poisson(gen, gen.gamma(shape, mean / shape))


@numba.njit(cache=True, nogil=True)
def _poisson_each(gen, lam, out):
    for i in range(lam.shape[0]):
        out[i] = poisson(gen, lam[i])
    return out


@numba.njit(cache=True, nogil=True)
def _gamma_poisson_each(gen, mean, shape, out):
    for i in range(mean.shape[0]):
        out[i] = gamma_poisson(gen, mean[i], shape[i])
    return out


@numba.njit(cache=True, nogil=True)
def _binomial_each(gen, n, p, out):
    for i in range(n.shape[0]):
        out[i] = gen.binomial(n[i], p[i])
    return out


def _each(fn, g: np.random.Generator, *params: np.ndarray) -> np.ndarray:
    """Apply a compiled sampler to every element of same-shaped ``params``, in C order."""
    flat = [np.ascontiguousarray(q).ravel() for q in params]
    return fn(g, *flat, np.empty(flat[0].shape, dtype=np.int64)).reshape(params[0].shape)


class Streams:
    """The random generators of the granules of one block, drawing as one array over its runs.

    The count samplers are the compiled kernels' own (:func:`poisson`, :func:`gamma_poisson`,
    NumPy's binomial as Numba compiles it), element after element, so what is tested through them
    is what the engine draws."""

    def __init__(self, seed: int, start: int, stop: int):
        if start % GRANULE:
            raise ValueError("a block must start on a granule boundary")
        first = start // GRANULE
        sizes = [min(GRANULE, stop - s) for s in range(start, stop, GRANULE)]
        children = np.random.SeedSequence(seed).spawn(first + len(sizes))[first:]
        self.generators = [np.random.Generator(np.random.PCG64(c)) for c in children]
        self.sizes = sizes
        self.cuts = np.cumsum(sizes)[:-1]
        self.n = stop - start
        bounds = np.concatenate([[0], np.cumsum(sizes)])
        self._granules = [(g, int(bounds[i]), int(bounds[i + 1])) for i, g in enumerate(self.generators)]

    def granules(self) -> list[tuple[np.random.Generator, int, int]]:
        """(generator, first run, end) of each granule, runs counted from the block's start: the
        compiled kernels draw run by run from each granule's generator in turn."""
        return self._granules

    def _draw(self, fn: Callable[[np.random.Generator, int, tuple], np.ndarray],
              params: tuple[np.ndarray, ...]) -> np.ndarray:
        """Apply ``fn(generator, runs, params)`` granule by granule; params have the run first."""
        if len(self.generators) == 1:
            return fn(self.generators[0], self.n, params)
        split = [np.split(p, self.cuts) for p in params]
        out = [fn(g, n, tuple(part[i] for part in split))
               for i, (g, n) in enumerate(zip(self.generators, self.sizes, strict=True))]
        return np.concatenate(out, axis=0)

    def random(self, *tail: int) -> np.ndarray:
        """Uniform numbers in [0, 1) of shape (runs, *tail)."""
        return self._draw(lambda g, n, _: g.random((n,) + tail), ())

    def poisson(self, lam: np.ndarray) -> np.ndarray:
        """Poisson draws; ``lam`` has the run as its first axis."""
        return self._draw(lambda g, n, p: _each(_poisson_each, g, p[0]), (np.asarray(lam, dtype=float),))

    def gamma_poisson(self, mean: np.ndarray, shape: np.ndarray) -> np.ndarray:
        """Negative-binomial counts with the given mean and gamma shape (overdispersed Poisson).

        Draw lambda ~ Gamma(k, mean/k), then Poisson(lambda): variance = mean + mean^2/k.
        """
        mean = np.asarray(mean, dtype=float)
        k = np.broadcast_to(np.asarray(shape, dtype=float).reshape((-1,) + (1,) * (mean.ndim - 1)),
                            mean.shape)

        return self._draw(lambda g, n, p: _each(_gamma_poisson_each, g, *p), (mean, k))

    def binomial(self, n: np.ndarray, p: np.ndarray) -> np.ndarray:
        """Binomial draws; ``n`` (whole numbers) and ``p`` have the run as their first axis."""
        n = np.asarray(n)
        p = np.clip(np.asarray(p, dtype=float), 0.0, 1.0)
        n, p = np.broadcast_arrays(n, p)
        return self._draw(lambda g, _, q: _each(_binomial_each, g, q[0].astype(np.int64), q[1]), (n, p))
