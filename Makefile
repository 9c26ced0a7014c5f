.PHONY: run test test-pg bench acceptance lint
run:        ## set up and run the product (SQLite, worker, demo data, login printed)
	bin/run
test:       ## the whole test suite (SQLite)
	bin/test
test-pg:    ## the whole test suite on PostgreSQL
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/feedback_archive bin/test
bench:      ## benchmarks, on demand, never in CI: make bench DB=postgres://postgres@127.0.0.1:5432/fa_bench (fill it with bench/generate.py)
	.venv/bin/python bench/run.py --db $(DB) --size-label manual
acceptance: ## the shared API acceptance checks
	../shared/acceptance/run; ../shared/acceptance/run --stop
lint:       ## ruff (configured in pyproject.toml)
	bin/ensure-env && .venv/bin/ruff check .
