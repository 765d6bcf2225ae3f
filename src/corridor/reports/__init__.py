"""Report data (pure), and later disclosure control, charts, HTML/PDF and HXL."""
