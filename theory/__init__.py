"""Numeric workbench for the theory of gating in recurrent neural networks (arXiv:2007.14823).

Importable without SymPy. Main entry points: :class:`ModelParams`, :class:`GatedNetwork`,
:func:`simulate`, :func:`lyapunov_spectrum`, :func:`find_fixed_points`; command line
``python -m theory --help``.
"""

from .errors import ConvergenceError
from .network import GatedNetwork
from .params import ModelParams

__version__ = "0.1.0"

__all__ = ["ConvergenceError", "GatedNetwork", "ModelParams", "__version__"]
