"""Pages of the exchange, one module per area (each with its ``urlpatterns``)."""
