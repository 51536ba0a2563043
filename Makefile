# Thin wrapper over CMake so the README's two commands stay short.
JOBS ?= 2
BUILD ?= build
SHARED ?= $(abspath ../shared)

.PHONY: all build demo test test-release test-sanitize fuzz bench format clean

all: build

build:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j $(JOBS)

# The main job: prepare the bundled Amazon data and print the data report.
demo: build
	bash scripts/demo.sh $(BUILD)/src/cli/reasonrec $(SHARED)

# Fuzzers and the sanitizer suite first, so that the release suite's summary closes the output.
test: fuzz test-sanitize test-release

test-release: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Everything that does not need libtorch, under AddressSanitizer + UndefinedBehaviorSanitizer.
test-sanitize:
	cmake -S . -B $(BUILD)-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DREASONREC_SANITIZE=ON -DREASONREC_BENCH=OFF -DREASONREC_TORCH=OFF
	cmake --build $(BUILD)-asan -j $(JOBS)
	cd $(BUILD)-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

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
