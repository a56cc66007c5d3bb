"""The day kernel compiled once per block: :class:`.simulate.TypedKernel` reuses the compiled kernel
while its arguments keep Numba's types, and compiles it anew when they change."""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np
import pytest

from flashpoint.engine.simulate import TypedKernel, type_key


class Pair(NamedTuple):
    a: np.ndarray
    b: np.ndarray


@numba.njit
def _total(pair, k):
    return pair.a.sum() + pair.b.sum() + k


def typeof(x):
    return numba.typeof(x)


CASES = [
    Pair(np.ones(3), np.zeros((2, 2))),
    Pair(np.ones(3), np.zeros((2, 2), order="F")),          # other layout
    Pair(np.ones(3), np.zeros((2, 4))[:, ::2]),              # not contiguous
    Pair(np.ones(3, dtype=np.float32), np.zeros((2, 2))),  # other dtype
    Pair(np.ones((3, 1)), np.zeros((2, 2))),                # other dimensions
]


@pytest.mark.parametrize("i", range(len(CASES)))
@pytest.mark.parametrize("j", range(len(CASES)))
def test_type_key_tells_apart_what_numba_tells_apart(i, j):
    same_types = typeof((CASES[i], 1)) == typeof((CASES[j], 1))
    assert (type_key((CASES[i], 1)) == type_key((CASES[j], 1))) == same_types


def test_read_only_array_and_large_integer_have_other_keys():
    ro = np.ones(3)
    ro.flags.writeable = False
    assert type_key(ro) != type_key(np.ones(3))
    assert type_key(2**63) != type_key(1)


def test_unknown_objects_never_share_a_key():
    thing = object()
    assert type_key(thing) != type_key(thing)


def test_typed_kernel_reuses_while_types_hold_and_recompiles_when_they_change():
    typed = TypedKernel(_total)
    first = (CASES[0], 1)
    fn = typed.compiled(first)
    assert fn(*first) == 3 + 1
    again = (Pair(np.full(3, 2.0), np.ones((2, 2))), 5)
    assert typed.compiled(again) is fn
    assert fn(*again) == 6 + 4 + 5
    other = (Pair(np.ones(3, dtype=np.float32), np.ones((2, 2), order="F")), 0)
    fn2 = typed.compiled(other)
    assert fn2 is not fn
    assert fn2(*other) == 3 + 4
