# The Skibidy image, used by every service of docker-compose.yml (scheduler, workers, notebook),
# so that all of them run the same Python, dask, numpy and skibidy. The package and its notebook
# extra are installed at build time: containers start `dask scheduler`, `dask worker` or
# JupyterLab directly and install nothing at start.
#
# BASE_IMAGE is any image with `python` (3.11 or newer) and `pip` on the PATH. Match the Python
# of a client that connects from outside the containers:
#   docker compose build --build-arg BASE_IMAGE=python:3.12-slim
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MPLBACKEND=Agg

WORKDIR /opt/skibidy
# The package first, so that editing configs or notebooks does not reinstall it.
COPY pyproject.toml README.md ./
COPY skibidy ./skibidy
COPY orchestration ./orchestration
RUN python -m pip install ".[notebook]" \
    && useradd --create-home --uid 1000 skibidy \
    && mkdir -p /results \
    && chown skibidy:skibidy /opt/skibidy /results

# Configs, example notebooks and docs for the notebook service (.dockerignore keeps out
# .git, virtual environments, results and certificates).
COPY --chown=skibidy:skibidy . ./

USER skibidy
EXPOSE 8786 8787 8888
CMD ["skibidy", "--help"]
