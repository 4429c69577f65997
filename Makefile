# CustomerHeat: the two commands of the README, and a few conveniences.
#
#   make demo   install the system libraries if missing, build, run `heatctl demo`
#   make test   install the system libraries if missing, build once in release, run every test
#
# Everything uses ONE build configuration (release with testing enabled), so `make demo` and
# `make test` share the same build and nothing is compiled twice.

SWIFT_BUILD_FLAGS = -c release -Xswiftc -enable-testing

.PHONY: deps build demo test examples clean

deps:
	@Scripts/install-system-deps.sh

build: deps
	swift build $(SWIFT_BUILD_FLAGS) --build-tests

demo: deps
	swift run $(SWIFT_BUILD_FLAGS) heatctl demo

test: build
	swift test $(SWIFT_BUILD_FLAGS) --skip-build --disable-xctest

examples: build
	Scripts/run-examples.sh

clean:
	rm -rf .build heat-report
