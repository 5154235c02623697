"""Every zoo model passes full pydantic validation and equals its fast (trusted) build."""
import pytest

from snncost import zoo
from snncost.analysis import analyze
from snncost.spec.loader import spec_from_dict, spec_to_dict


@pytest.mark.parametrize("name", zoo.names())
def test_zoo_model_validates_and_matches_fast_path(name):
    fast = zoo.load(name)
    validated = zoo._registry()[name]()          # outside trusted_build: full validation
    again = spec_from_dict(spec_to_dict(validated))  # and through a plain dict
    assert spec_to_dict(fast) == spec_to_dict(validated) == spec_to_dict(again)
    assert analyze(fast).totals == analyze(validated).totals
    assert fast.source, f"zoo model {name} must cite its source"
