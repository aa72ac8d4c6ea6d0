"""The service's routers, one module per resource (listed in ``app.ROUTE_MODULES``)."""
