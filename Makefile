# Thin wrapper over CMake so the README's two commands stay short.
JOBS ?= 2
BUILD ?= build
SHARED ?= $(abspath ../shared)

.PHONY: all build demo test test-release test-optimised test-sanitize fuzz bench format clean

all: build

build:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j $(JOBS)

# The main job: prepare the bundled Amazon data and print the data report.
demo: build
	bash scripts/demo.sh $(BUILD)/src/cli/reasonrec $(SHARED)

# One sanitizer build of everything runs the suite; a release build runs only the tests labelled
# `optimised` (too slow under ASan) and builds only what they need. Fuzzers and the sanitizer suite
# first, so that the release run's summary closes the output.
test: fuzz test-sanitize test-optimised

# Every test but the `optimised` ones, everything (libtorch half included) built with
# AddressSanitizer + UndefinedBehaviorSanitizer and linked against the uninstrumented libtorch.
# Sanitizer options and LeakSanitizer suppressions are compiled into each binary
# (cmake/sanitizers/); the environment can still add to them.
test-sanitize:
	cmake -S . -B $(BUILD)-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DREASONREC_SANITIZE=ON -DREASONREC_BENCH=OFF
	cmake --build $(BUILD)-asan -j $(JOBS)
	cd $(BUILD)-asan && ctest --output-on-failure -j $(JOBS) --label-exclude optimised

# The tests that must run optimised, in the release build.
test-optimised:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j $(JOBS) --target optimised_tests
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --label-regex '^optimised$$'

# The whole suite in the release build (the quick loop while developing; not part of `make test`).
test-release: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Each reader's libFuzzer target, built with clang and run briefly.
fuzz:
	CXX=clang++ cmake -S . -B $(BUILD)-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DREASONREC_FUZZ=ON
	cmake --build $(BUILD)-fuzz -j $(JOBS)
	bash scripts/run_fuzzers.sh $(BUILD)-fuzz/fuzz

bench: build
	bash scripts/bench.sh $(BUILD)

format:
	find src tests bench fuzz -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-fuzz
