# Postern on the official Node 24 slim image. Multi-stage: dependencies are installed in a build
# stage, the runtime stage carries only what serve needs and runs as an unprivileged user that is
# allowed to bind the mail ports.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-slim
RUN apt-get update && apt-get install -y --no-install-recommends libcap2-bin ca-certificates \
 && setcap 'cap_net_bind_service=+ep' "$(command -v node)" \
 && apt-get purge -y libcap2-bin && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /var/lib/postern --shell /usr/sbin/nologin postern \
 && mkdir -p /var/lib/postern && chown postern /var/lib/postern
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
COPY migrations ./migrations
COPY config/postern.example.toml ./config/
USER postern
# The working directory holds the state: the default data_dir ./data and config/postern.toml.
WORKDIR /var/lib/postern
VOLUME /var/lib/postern
EXPOSE 25 465 587 143 993 110 995 8080
# Config: mount it at /var/lib/postern/config/postern.toml, or anywhere with POSTERN_CONFIG set.
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "fetch('http://127.0.0.1:8081/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "/app/bin/postern"]
CMD ["serve"]
