"""The FastAPI service: routers per resource over the service layer (to come)."""
