# Thin wrapper over CMake so the README's two commands stay short.
JOBS ?= 2
BUILD ?= build
SHARED ?= $(abspath ../shared)

.PHONY: all build demo test test-release test-optimised test-sanitize test-sanitize-all fuzz bench format clean

all: build

build:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j $(JOBS)

# The main job: prepare the bundled Amazon data and print the data report.
demo: build
	bash scripts/demo.sh $(BUILD)/src/cli/reasonrec $(SHARED)

# The main run is the sanitizer build of everything; the release build compiles the CLI (so
# release warnings stay errors) and runs only the tests that must run optimised.
test: fuzz test-sanitize-all test-optimised

# Every test of the torch-free half but the `optimised` ones (too slow under ASan; the release
# suite runs them), built with AddressSanitizer + UndefinedBehaviorSanitizer. Sanitizer options
# and LeakSanitizer suppressions are compiled into each binary (cmake/sanitizers/).
test-sanitize:
	cmake -S . -B $(BUILD)-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DREASONREC_SANITIZE=ON -DREASONREC_BENCH=OFF -DREASONREC_TORCH=OFF
	cmake --build $(BUILD)-asan -j $(JOBS)
	cd $(BUILD)-asan && ctest --output-on-failure -j $(JOBS) --label-exclude optimised

# The same over everything, the libtorch half included (MatVec's threads, the ServingEngine, the
# KV cache), linked against the uninstrumented libtorch.
test-sanitize-all:
	cmake -S . -B $(BUILD)-asan-all -G Ninja -DCMAKE_BUILD_TYPE=Debug -DREASONREC_SANITIZE=ON -DREASONREC_BENCH=OFF
	cmake --build $(BUILD)-asan-all -j $(JOBS)
	cd $(BUILD)-asan-all && ctest --output-on-failure -j $(JOBS) --label-exclude optimised

# The release CLI, and the tests that must run optimised, in a release build of their own without
# debug info (the same -O2 and warnings as `make build`, about 30% less to compile).
test-optimised:
	cmake -S . -B $(BUILD)-optimised -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -DNDEBUG" -DREASONREC_BENCH=OFF
	cmake --build $(BUILD)-optimised -j $(JOBS) --target reasonrec optimised_tests
	cd $(BUILD)-optimised && ctest --output-on-failure -j $(JOBS) --label-regex '^optimised$$'

# The whole suite in the release build.
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
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-asan-all $(BUILD)-optimised $(BUILD)-fuzz
