.PHONY: setup test debug bench try
setup:
	scripts/setup.sh
test:
	scripts/test.sh
debug:
	scripts/debug.sh
try:
	scripts/try.sh
bench: setup
	.venv/bin/python -m bench.run_all
	.venv/bin/python -m bench.faults
	.venv/bin/python -m bench.load
