"""Track management: scores, start, confirmation, deletion and class probabilities.

Rules (parameters in :class:`command.fusion.params.FusionParams`):

* **Start.** Every report that no track takes starts a tentative track at the
  report's position, velocity 0 ± ``v0_mps`` per axis, with score
  ``ln(birth_density_per_m2 / λ)``, λ the false-report density.
* **Score.** Each report assigned to a track adds ``ln(pd · N(ν; 0, S) / λ)``: the log
  ratio of the report's likelihood under "this is the track's target" to "this is a
  false report". Misses do not lower the score: the core does not know which sensor
  covers which track; time without reports deletes tracks instead.
* **Confirmation.** A tentative track is confirmed when its score reaches
  ``confirm_score`` (with λ low, after one or two reports; in dense clutter, after
  four or five). Confirmation is never withdrawn.
* **Deletion.** A confirmed track with no report for more than ``delete_after_s``,
  a tentative one after ``tentative_delete_after_s``, and any track whose position
  standard deviation exceeds ``max_position_std_m``, checked after the update: a
  report at the first batch past the limit can still save a track. Before
  association (:func:`stale`) a track silent for longer than its limit plus
  ``revive_window_s`` is deleted: after hours without batches its predicted
  covariance would otherwise let it win a report anywhere.
* **Class.** Class probabilities (person, vehicle, animal) start uniform and are
  multiplied by each assigned report's class likelihoods, then renormalised (Bayes'
  rule, reports conditionally independent given the class).
"""

from __future__ import annotations

import numpy as np

from command.fusion.params import FusionParams
from command.fusion.tracks import BoolArray, FloatArray

#: Class probabilities of a track before any class evidence.
CLASS_PRIOR = np.full(3, 1.0 / 3.0)


def initial_score(clutter_per_m2: float, params: FusionParams) -> float:
    """Score of a track just started from one report: ``ln(birth / clutter)``."""
    return float(np.log(params.birth_density_per_m2 / clutter_per_m2))


def score_increment(log_lik: FloatArray, clutter_per_m2: float,
                    params: FusionParams) -> FloatArray:
    """Score added by assigned reports: ``ln(pd) + ln N(ν; 0, S) - ln λ``.

    Parameters
    ----------
    log_lik : (k,) ``ln N(ν; 0, S)`` of each assigned report, ln(m⁻²)
    clutter_per_m2 : false-report density λ, m⁻²
    """
    return np.log(params.pd) + log_lik - np.log(clutter_per_m2)


def bayes_class(prob: FloatArray, lik: FloatArray) -> FloatArray:
    """Posterior class probabilities: ``prob * lik`` renormalised per row.

    Parameters
    ----------
    prob : (k, 3) prior probabilities
    lik : (k, 3) likelihoods of the report under each class (any positive scale)

    Returns
    -------
    (k, 3); rows whose product is all zero keep their prior
    """
    post = prob * lik
    total = post.sum(axis=1, keepdims=True)
    bad = ~(total[:, 0] > 0)
    post[bad], total[bad] = prob[bad], 1.0
    return post / total


def stale(is_confirmed: BoolArray, last_update_s: FloatArray, t_s: float,
          params: FusionParams) -> BoolArray:
    """Return (n,) True for tracks too long silent at ``t_s`` to take a report.

    Silent for longer than their deletion limit plus ``revive_window_s``.
    """
    limit = np.where(is_confirmed, params.delete_after_s, params.tentative_delete_after_s)
    return (t_s - last_update_s) > limit + params.revive_window_s


def to_delete(is_confirmed: BoolArray, last_update_s: FloatArray, t_s: float,
              position_std_m: FloatArray, params: FusionParams) -> BoolArray:
    """Return (n,) True for tracks that the deletion rules remove at time ``t_s``."""
    silent_s = t_s - last_update_s
    limit = np.where(is_confirmed, params.delete_after_s, params.tentative_delete_after_s)
    return (silent_s > limit) | (position_std_m > params.max_position_std_m)
