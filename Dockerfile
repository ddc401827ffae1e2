# syntax=docker/dockerfile:1
# Build: docker build -t slo .
# Run:   docker run -p 127.0.0.1:8080:8080 -e Prometheus__Url=http://prometheus:9090 \
#          -v /srv/slo/definitions:/etc/slo/definitions:ro -v slo-data:/var/lib/slo slo
# Definitions are read from /etc/slo/definitions (the repository's examples are copied there; mount your own over it).
# Every setting can be given as an environment variable: Section__Key=value (Storage__Provider=sqlserver, Api__Token=...).

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props ./
COPY Slo.Engine/Slo.Engine.csproj Slo.Engine/
COPY Slo.Api/Slo.Api.csproj Slo.Api/
RUN dotnet restore Slo.Api/Slo.Api.csproj
COPY Slo.Engine/ Slo.Engine/
COPY Slo.Api/ Slo.Api/
RUN dotnet publish Slo.Api/Slo.Api.csproj -c Release -o /app --no-restore -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
COPY slo-definitions/ /etc/slo/definitions/
RUN mkdir -p /var/lib/slo && chown "$APP_UID" /var/lib/slo
# Inside the container the service listens on all of the container's interfaces; publish the port on the host's
# loopback (as above) or behind a proxy. Outside a container it binds 127.0.0.1 unless told otherwise.
ENV ASPNETCORE_URLS=http://+:8080 \
    Definitions__Path=/etc/slo/definitions \
    Storage__Provider=sqlite \
    Storage__ConnectionString="Data Source=/var/lib/slo/slo.db"
USER $APP_UID
VOLUME /var/lib/slo
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["dotnet", "/app/slo.dll", "health", "--url", "http://127.0.0.1:8080"]
ENTRYPOINT ["dotnet", "/app/slo.dll"]
CMD ["serve"]
