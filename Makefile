# The two set-up commands: `make run` and `make test`. Each installs what is missing, configures with
# ninja, builds and runs. Also: build, bench, sanitize (ASan+UBSan unit tests), fuzz, format, clean.
.PHONY: all deps configure build run demo test bench sanitize fuzz format tidy clean

BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

all: build

deps:
	@scripts/install-deps

configure: deps
	@cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS) > $(BUILD).configure.log 2>&1 \
	  || (cat $(BUILD).configure.log; exit 1)

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# The main job: the pubsub sample against IOTACTOR_ENDPOINT (with IOTACTOR_CERT/KEY/CA for AWS IoT), or,
# when no endpoint is configured, against a local mosquitto started on a free port for the run.
IOTACTOR_ENDPOINT ?=
run: build
ifeq ($(IOTACTOR_ENDPOINT),)
	scripts/with-mosquitto $(BUILD)/apps/samples/mqtt5_pubsub --endpoint 127.0.0.1 --port {port} --count 5
else
	$(BUILD)/apps/samples/mqtt5_pubsub --endpoint $(IOTACTOR_ENDPOINT) \
	  $(if $(IOTACTOR_CERT),--cert $(IOTACTOR_CERT) --key $(IOTACTOR_KEY)) $(if $(IOTACTOR_CA),--ca_file $(IOTACTOR_CA))
endif

# The protocol layer on a captured mosquitto session.
demo: build
	$(BUILD)/apps/protocol_demo/iotactor-protocol-demo apps/protocol_demo/captures/*.bin

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# The protocol micro benchmarks, then the system benchmarks against libmosquitto, paho.mqtt.cpp and the
# raw-socket ceiling (scripts/run-system-bench): the table goes into docs/performance.md and, as JSON, into
# $(BUILD)/system-bench.json. BENCH_FLAGS passes options to the script (e.g. --workloads p1,p3).
BENCH_FLAGS ?=
bench: build
	$(BUILD)/bench/protocol_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
	scripts/run-system-bench --build $(BUILD) --repetitions 3 --markdown docs/performance.md $(BENCH_FLAGS)

# Unit tests built with AddressSanitizer and UndefinedBehaviorSanitizer.
sanitize: deps
	@cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DIOTACTOR_SANITIZE=ON \
	  -DIOTACTOR_BUILD_BENCH=OFF > $(ASAN_BUILD).configure.log 2>&1 || (cat $(ASAN_BUILD).configure.log; exit 1)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS)

# libFuzzer on the stream decoder, with ASan and UBSan, for FUZZ_SECONDS from the seed corpus.
fuzz: deps
	@cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DIOTACTOR_FUZZ=ON -DIOTACTOR_BUILD_TESTS=OFF -DIOTACTOR_BUILD_APPS=OFF -DIOTACTOR_BUILD_BENCH=OFF \
	  > $(FUZZ_BUILD).configure.log 2>&1 || (cat $(FUZZ_BUILD).configure.log; exit 1)
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_decoder
	scripts/run-fuzz $(FUZZ_BUILD)/tests/fuzz/fuzz_decoder $(FUZZ_SECONDS)

format:
	git ls-files '*.hpp' '*.cpp' | xargs clang-format -i

tidy: build
	git ls-files 'protocol/*.cpp' 'actors/*.cpp' 'apps/*.cpp' | xargs clang-tidy -p $(BUILD) --quiet

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) *.configure.log
