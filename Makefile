.PHONY: setup test debug bench
setup:
	scripts/setup.sh
test:
	scripts/test.sh
debug:
	scripts/debug.sh
bench: setup
	.venv/bin/python -m bench.run_all
	.venv/bin/python -m bench.faults
	.venv/bin/python -m bench.load
