"""Report data (pure): the coordinator's summary (summary.py) and disclosure control for every
public figure (disclosure.py); later charts, HTML/PDF and HXL."""
