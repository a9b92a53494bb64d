# Build stage: compile wheels for the project and its dependencies.
FROM python:3.11-slim AS build
WORKDIR /src
RUN pip install --no-cache-dir --upgrade pip wheel
COPY pyproject.toml README.md ./
COPY api ./api
COPY migrations ./migrations
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

# Runtime stage: only the wheels, run as an unprivileged user.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    FXX_ENVIRONMENT=production FXX_HOST=0.0.0.0 FXX_PORT=8000 FXX_VAR_DIR=/var/lib/fengxingxia
RUN useradd --system --uid 10001 --home-dir /var/lib/fengxingxia --create-home fengxingxia
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
USER fengxingxia
WORKDIR /var/lib/fengxingxia
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
# Apply pending migrations, then serve. With several replicas, run
# `fengxingxia migrate` once as a release step instead and start each replica
# with `fengxingxia serve`, because concurrent migration runs are not locked.
CMD ["sh", "-c", "fengxingxia migrate && exec fengxingxia serve"]
