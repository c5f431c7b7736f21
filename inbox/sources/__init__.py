"""Channel adapters: one module per kind, a shared HTTP session and shared paginators."""
