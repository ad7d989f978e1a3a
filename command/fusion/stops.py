"""Why a call of `command.fusion.batches.fuse_tick` (or ``fuse_batches``) returned.

``DONE``: all batches fused; ``NEEDS_SCIPY``: the next one needs scipy (the caller
fuses it with ``fuse_batch``); ``NEEDS_ROOM``: the track-row buffers are too small for
the next one (the caller grows them and calls again from ``stop``); ``LIMIT``: the
call's ``max_batches`` were fused. Apart from the kernels so that the caller reads
them without importing numba.
"""

DONE, NEEDS_SCIPY, NEEDS_ROOM, LIMIT = 0, 1, 2, 3
