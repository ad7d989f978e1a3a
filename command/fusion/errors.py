"""The one exception the fusion core raises for bad input files and parameters."""


class FusionInputError(ValueError):
    """A detections file or a parameter override is invalid.

    ``str(error)`` is always one line that names where the problem is, e.g.
    ``detections.csv:17: column 'x': expected a number, got 'abc'`` or
    ``param 'gate': expected a positive number, got 'x'``.
    """
