# echo-toolkit on Debian 12, the same packages as the development machines.
# Build:  docker build -t echo-toolkit .      (docker-compose.yml does this for every service)

FROM debian:bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends g++ cmake ninja-build libasio-dev libspdlog-dev libfmt-dev \
      libcli11-dev doctest-dev libedit-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
 && cmake --build /build --target echo-server echo-client echo-bench

# The run-time image: the three programs, their shared libraries, and gnuplot for compare's chart.
FROM debian:bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends libspdlog1.10 libfmt9 libedit2 gnuplot-nox \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /build/echo-server /build/echo-client /build/echo-bench /usr/local/bin/
WORKDIR /results
EXPOSE 7007
CMD ["echo-server", "--host", "0.0.0.0"]
