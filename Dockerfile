# The Skibidy image: the package and its notebook/HPC extras installed at build time,
# so containers start the scheduler, a worker or JupyterLab without installing anything.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    MPLBACKEND=Agg

WORKDIR /opt/skibidy
COPY pyproject.toml README.md ./
COPY skibidy ./skibidy
COPY orchestration ./orchestration
RUN python -m pip install ".[notebook]" \
    && useradd --create-home --uid 1000 skibidy

COPY configs ./configs
COPY examples ./examples
RUN mkdir -p /results && chown -R skibidy:skibidy /results /opt/skibidy

USER skibidy
WORKDIR /home/skibidy
EXPOSE 8786 8787 8888
CMD ["skibidy", "--help"]
