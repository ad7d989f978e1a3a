"""The node's intake in C (``put_report``) writes the pending buffers bit for bit as
the Python `FusionNode._take` does, from any float64 rows (strided ones too)."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from command.fusion import prebuilt
from command.nodes import FusionNode, border_fusion_params
from sim.ground.events import EventLog

pytestmark = pytest.mark.skipif(prebuilt.load() is None, reason="no C kernels built")


def _node(put: bool) -> tuple[simpy.Environment, FusionNode]:
    env = simpy.Environment()
    node = FusionNode(env, "post-1", 5.0, border_fusion_params(), EventLog())
    if not put:
        node._put = None
    return env, node


def _feed(node: FusionNode, env: simpy.Environment, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 700                                   # past the first buffers' 256 rows
    xy = rng.normal(0, 1e4, (n, 2))
    cov = rng.normal(0, 1e2, (n, 2, 2))
    lik = rng.random((2 * n, 3))[::2]         # strided rows
    xy[::7] = -0.0
    cov[3::11, 0, 1] = np.nan
    lik[5::13, 2] = np.inf
    wide = np.asfortranarray(cov)             # another memory order
    for k in range(n):
        env.run(until=env.now + 0.25)
        node.receive_row(env.now - 0.1, k % 9, f"s{k % 9}", xy, wide if k % 2 else cov,
                         lik, k, 1000 + k)


@pytest.mark.parametrize("seed", [1, 2])
def test_put_report_writes_what_take_writes(seed: int) -> None:
    (env_c, c), (env_p, p) = _node(True), _node(False)
    assert c._put is not None
    _feed(c, env_c, seed)
    _feed(p, env_p, seed)
    assert (c._head, c._n, c._names) == (p._head, p._n, p._names)
    for a, b in zip(c._pending_cols, p._pending_cols, strict=True):
        assert a.dtype == b.dtype
        assert a[c._head:c._n].tobytes() == b[p._head:p._n].tobytes()
    assert c._pending_cols[0] is c._arrival        # the buffers the kernel reads


def test_put_report_checks_its_arguments() -> None:
    _, node = _node(True)
    xy, cov, lik = np.zeros((2, 2)), np.zeros((2, 2, 2)), np.zeros((2, 3))
    cols = node._pending_cols
    with pytest.raises(IndexError):
        node._put(cols, 0, 0.0, 0.0, 1, 1, xy, cov, lik, 2)
    with pytest.raises(ValueError):
        node._put(cols, len(cols[0]), 0.0, 0.0, 1, 1, xy, cov, lik, 0)
    with pytest.raises(TypeError):
        node._put(cols, 0, 0.0, 0.0, 1, 1, xy.astype(np.float32), cov, lik, 0)
    with pytest.raises(ValueError):
        node._put(cols, 0, 0.0, 0.0, 1, 1, np.zeros((2, 3)), cov, lik, 0)
