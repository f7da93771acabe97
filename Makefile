# Thin wrapper around CMake: `make`, `make valle` (the command only), `make test`, `make demo`, `make asan`, `make bench`.
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all valle test demo asan valgrind fuzz bench clean deps

all:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

test: all
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

valle:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(BUILD) -j $(JOBS) --target valle_cli

demo: valle
	bash scripts/demo.sh $(BUILD)/valle

asan:
	cmake -S . -B build-asan -DVALLE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

valgrind:
	bash scripts/valgrind.sh

fuzz:
	bash fuzz/run.sh

bench: all
	bash bench/run.sh $(BUILD)

deps:
	bash scripts/install-deps.sh

clean:
	rm -rf $(BUILD) build-asan build-portable build-fuzz
