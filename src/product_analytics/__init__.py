"""Python tooling of the product_analytics dbt package: demo data generator and helpers."""

__version__ = "0.1.0"
