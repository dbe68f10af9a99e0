"""Operations ticket analytics: the PySpark jobs, the warehouse adapters and the source generator.

Submodules import their heavy dependencies (pyspark, duckdb, pyarrow) themselves,
so light users such as the trigger function and infra import only what they use.
"""
