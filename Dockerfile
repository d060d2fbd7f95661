# echo-toolkit in containers, built from this repository.
#   docker build -t echo-toolkit .                       # the small run-time image (default)
#   docker build --target compare -t echo-toolkit:compare .   # + gnuplot, for `echo-bench compare`
# docker-compose.yml builds both. The compile runs under `nice` inside the build: it takes minutes on
# 2 cores and should not starve the rest of the machine.

# 1. Build: the same Debian packages and the same build type as the host's release preset.
FROM debian:bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends g++ cmake ninja-build libasio-dev libspdlog-dev \
      libfmt-dev libcli11-dev doctest-dev libedit-dev busybox-static binutils \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Only what the programs are built from, so an edit to docs or tests reuses this layer.
COPY CMakeLists.txt ./
COPY common common
COPY servers servers
COPY client client
# RelWithDebInfo's code (-O2 -DNDEBUG), without the debug info that strip would throw away.
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -DNDEBUG" \
      -DBUILD_TESTING=OFF \
 && nice -n 10 cmake --build /build --target echo-server echo-client echo-bench \
 && strip --strip-unneeded /build/echo-server /build/echo-client /build/echo-bench

# The run-time tree: the three programs, exactly the shared libraries they load (ldd), and
# busybox for the agents' small shell script (deploy/echo-agent.sh). Nothing else.
COPY deploy/echo-agent.sh /rootfs/usr/local/bin/echo-agent
RUN set -e; cd /build; mkdir -p /rootfs/usr/local/bin /rootfs/bin /rootfs/tmp /rootfs/results \
 && cp echo-server echo-client echo-bench /rootfs/usr/local/bin/ \
 && for lib in $(ldd echo-server echo-client echo-bench | awk '$2 == "=>" {print $3} $1 ~ /^\// {print $1}' | sort -u); do \
      cp --parents -L "$lib" /rootfs; done \
 && cp /bin/busybox /rootfs/bin/busybox \
 && for applet in $(/bin/busybox --list); do [ -e "/rootfs/bin/$applet" ] || ln -s busybox "/rootfs/bin/$applet"; done \
 && chmod 1777 /rootfs/tmp && chmod 755 /rootfs/usr/local/bin/echo-agent

# 2. compare: `echo-bench compare` draws its chart with gnuplot, which needs a whole distribution.
FROM debian:bookworm AS compare
RUN apt-get update \
 && apt-get install -y --no-install-recommends libspdlog1.10 libfmt9 libedit2 gnuplot-nox \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /rootfs/usr/local/bin/ /usr/local/bin/
WORKDIR /results
CMD ["echo-bench", "compare", "--out", "/results/compare"]

# 3. The run-time image (the default target): servers, the load service and the agents.
FROM scratch AS runtime
COPY --from=build /rootfs/ /
ENV PATH=/usr/local/bin:/bin
WORKDIR /results
EXPOSE 7007
CMD ["echo-server", "--host", "0.0.0.0"]
