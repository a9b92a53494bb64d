"""Open311 GeoReport v2 over our categories and reports."""
