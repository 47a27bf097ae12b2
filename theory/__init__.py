"""Numeric workbench for the theory of gating in recurrent neural networks (arXiv:2007.14823).

Importable without SymPy. Main entry points: :class:`ModelParams`, :class:`GatedNetwork`,
:func:`simulate`, :func:`lyapunov_spectrum`, :func:`find_fixed_points`; command line
``python -m theory --help``.
"""

from .errors import ConvergenceError
from .fixed_points import find_fixed_point, find_fixed_points
from .lyapunov import lambda_max_twin, lyapunov_spectrum
from .network import GatedNetwork
from .params import ModelParams
from .simulation import simulate

__version__ = "0.1.0"

__all__ = [
    "ConvergenceError", "GatedNetwork", "ModelParams", "find_fixed_point", "find_fixed_points",
    "lambda_max_twin", "lyapunov_spectrum", "simulate", "__version__",
]
