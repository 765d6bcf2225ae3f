"""The routers of the API, one module a resource: scans, figures, the system."""
