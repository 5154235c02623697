"""Network specs: node kinds, the graph, loading/saving and a Python builder."""
from .builder import SpecBuilder
from .loader import dump_json, dump_yaml, load_spec, spec_from_dict
from .network import INPUT_NAME, InputSpec, NetworkSpec, Precision

__all__ = ["SpecBuilder", "NetworkSpec", "InputSpec", "Precision", "INPUT_NAME",
           "load_spec", "spec_from_dict", "dump_yaml", "dump_json"]
