# A stand-in for python:3.11-slim made only from Debian packages, for machines that reach no
# image registry: the tests import a Debian bookworm root file system (mmdebstrap) as DEBIAN_IMAGE
# and add a virtual environment, so that `python` and `pip` are on the PATH as in the official
# image. The host's CA bundle replaces the image's, so that the build trusts what the host trusts.
ARG DEBIAN_IMAGE=skibidy-debian:bookworm
FROM ${DEBIAN_IMAGE}
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
RUN python3 -m venv /opt/python
ENV PATH=/opt/python/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    LANG=C.UTF-8
CMD ["python"]
