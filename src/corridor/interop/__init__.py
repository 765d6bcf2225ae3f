"""Files in and out: scenario folders, and later forms and exports."""
