# syntax=docker/dockerfile:1
# Build: the SDK image runs scripts/publish.sh, the same publish command used outside Docker.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN sh scripts/publish.sh /app

# Run: the ASP.NET Core runtime image as its non-root user.
FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
# The endpoints come from Kestrel:Endpoints (appsettings.json); the image's default port variable would only warn.
ENV ASPNETCORE_HTTP_PORTS=
USER $APP_UID
# 8080: REST, Swagger UI, health (HTTP/1.1). 8081: gRPC (HTTP/2 without TLS).
EXPOSE 8080 8081
# No curl in the runtime image: ask /healthz over bash's /dev/tcp.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["dotnet", "BnService.dll"]
