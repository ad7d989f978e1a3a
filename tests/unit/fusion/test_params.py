"""Parameter overrides: typed, checked, one-line errors."""

import pytest

from command.fusion import FusionInputError, FusionParams


def test_overrides_replace_fields_and_keep_the_rest():
    p = FusionParams().with_overrides({"gate": "3.5", "pd": "0.8"})
    assert p.gate == 3.5 and p.pd == 0.8 and p.q_m2ps3 == FusionParams().q_m2ps3


@pytest.mark.parametrize("overrides, message", [
    ({"gate": "x"}, "param 'gate': expected a positive number, got 'x'"),
    ({"gate": "-1"}, "param 'gate': expected a positive number, got -1.0"),
    ({"pd": "1.5"}, "param 'pd': expected a number in (0, 1), got 1.5"),
    ({"q_m2ps3": "nan"}, "param 'q_m2ps3': expected a finite number, got nan"),
])
def test_bad_overrides_give_one_line_errors(overrides, message):
    with pytest.raises(FusionInputError) as e:
        FusionParams().with_overrides(overrides)
    assert str(e.value) == message


def test_unknown_parameter_is_named():
    with pytest.raises(FusionInputError, match=r"^param 'gaet': unknown parameter \(known: "):
        FusionParams().with_overrides({"gaet": "3"})
