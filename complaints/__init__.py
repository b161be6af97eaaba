"""complaints: a living library of a mobile operator's Chinese customer complaints."""

__version__ = "0.1.0"
