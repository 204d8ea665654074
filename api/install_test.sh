#!/bin/sh
# install_test.sh BUILD_DIR SOURCE_DIR: installs the build into a temporary
# prefix and builds api/example.c against it three ways (pkg-config shared,
# pkg-config --static, find_package(llmzip) in a CMake project), runs each
# (a round trip of a buffer) and checks what the shared library exports.
set -eu
build=$1
src=$2
tmp=$(mktemp -d /tmp/llmzip-install-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(ls -d "$prefix"/lib*/pkgconfig | head -n1 | xargs dirname)
test -x "$prefix/bin/llmzip"
test -f "$prefix/include/llmzip/llmzip.h"
test -f "$libdir/libllmzip.a"
test -L "$libdir/libllmzip.so"
objdump -p "$libdir/libllmzip.so" | grep -q 'SONAME *libllmzip.so.0$'
# Only the API is exported.
extra=$(nm -D --defined-only "$libdir/libllmzip.so" | awk '{print $3}' | grep -v '^llmzip_' | grep -v '^LLMZIP_0$' || true)
if [ -n "$extra" ]; then echo "libllmzip.so exports more than llmzip_*:"; echo "$extra" | head; exit 1; fi
if [ -f "$src/docs/llmzip.1" ]; then test -f "$prefix/share/man/man1/llmzip.1"; fi

export PKG_CONFIG_PATH="$libdir/pkgconfig"
test "$(pkg-config --modversion llmzip)" = "$(sed -n 's/^#define LLMZIP_VERSION_STRING "\(.*\)"/\1/p' "$src/include/llmzip/llmzip.h")"
cc -std=c99 -Wall -Werror "$src/api/example.c" -o "$tmp/shared" $(pkg-config --cflags --libs llmzip) -Wl,-rpath,"$libdir"
"$tmp/shared"
ldd "$tmp/shared" | grep -q "$libdir/libllmzip.so.0"
cc -std=c99 -Wall -Werror "$src/api/example.c" -o "$tmp/static" $(pkg-config --cflags llmzip) \
  "$libdir/libllmzip.a" $(pkg-config --static --libs-only-l llmzip | sed 's/-lllmzip//')
"$tmp/static"
if ldd "$tmp/static" | grep -q libllmzip; then echo "static build links libllmzip.so"; exit 1; fi

mkdir -p "$tmp/proj"
cp "$src/api/example.c" "$tmp/proj/"
cat > "$tmp/proj/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.16)
project(llmzip_user C CXX)
find_package(llmzip 0.1 REQUIRED)
add_executable(example_shared example.c)
target_link_libraries(example_shared PRIVATE llmzip::llmzip)
add_executable(example_static example.c)
target_link_libraries(example_static PRIVATE llmzip::llmzip_static)
CM
cmake -S "$tmp/proj" -B "$tmp/proj/build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$tmp/proj/build" >/dev/null
"$tmp/proj/build/example_shared"
"$tmp/proj/build/example_static"
echo "install test: ok"
