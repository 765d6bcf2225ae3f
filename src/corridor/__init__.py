"""corridor: plan, run and monitor negotiated humanitarian evacuations."""

__version__ = "0.1.0"
