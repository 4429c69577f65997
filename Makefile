# Conveniences over the scripts the README names (the scripts need no make):
#   make demo      = Scripts/demo.sh
#   make test      = Scripts/test.sh
#   make examples  = build, then Scripts/run-examples.sh
#   make ci        = .ci/run (tests, examples, demo, browser check)
# Everything uses ONE build configuration (release with testing enabled).

.PHONY: deps build demo test examples ci docs clean

deps:
	@Scripts/install-system-deps.sh

build: deps
	swift build -c release -Xswiftc -enable-testing --build-tests

demo:
	Scripts/demo.sh

test:
	Scripts/test.sh

examples: build
	Scripts/run-examples.sh

ci:
	.ci/run

docs: build
	Scripts/generate-cli-artifacts.sh

clean:
	rm -rf .build heat-report ci-artifacts
