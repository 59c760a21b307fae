"""The Skibidy batch system: parameter sweeps and consensus runs on Dask."""

__all__: list[str] = []
